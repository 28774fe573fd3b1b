"""Settings of the supervisor's workspace, from ``TAILCALL_SUPERVISION_*`` variables."""

from __future__ import annotations

from datetime import time

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SupervisionSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TAILCALL_SUPERVISION_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    report_at: time = Field(
        default=time(6, 0), description="Local time when serve writes the day before's report"
    )
    report_dir: str = Field(default="reports", description="Under the data dir unless absolute")
    qa_interval_s: float = Field(default=30.0, gt=0, description="How often serve runs QA")
    qa_settle_s: float = Field(default=10.0, ge=0, description="Wait after a call ends")
    sample_rate: float = Field(default=0.05, ge=0, le=1, description="Unflagged calls reviewed")
    max_silence_s: float = Field(default=8.0, gt=0)
    retention_days: int = Field(
        default=180, ge=1, description="Recordings and transcripts kept this many days"
    )
