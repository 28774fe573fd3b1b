"""Console and handoff settings, read from ``TAILCALL_HANDOFF_*`` environment variables.

Signing uses ``kernel.settings.Settings.secret_key``; this class only holds what is
specific to the console.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HandoffSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TAILCALL_HANDOFF_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    cookie_secure: bool | None = Field(
        default=None,
        description="Send the session cookie only over HTTPS; unset: on when TAILCALL_ENV=prod",
    )
    cookie_name: str = "tc_session"
    session_lifetime_s: float = Field(default=12 * 3600.0, gt=0)
    offer_timeout_s: float = Field(default=15.0, gt=0, description="Alert rings this long")
    max_offers: int = Field(default=3, ge=1, description="Agents tried before the fallback")
    grace_s: float = Field(default=20.0, ge=0, description="Agent socket drop -> re-offer")
    follow_up_delay_s: float = Field(
        default=3600.0, ge=0, description="Callback time of a fallback task with none requested"
    )
    allowed_origins: list[str] = Field(
        default_factory=list,
        description="Extra websocket Origins; the request's own host is always allowed",
    )
    holding_line: str = Field(
        default="请您稍等，马上为您接通。",
        description="Said by the bot while the agent's connection is down",
    )
    audio_latency_cap_ms: int = Field(default=200, ge=40, le=2000)
    event_replay_limit: int = Field(default=500, ge=1)
    presence_beat_s: float = Field(
        default=2.0, gt=0, description="How often a console process confirms its open consoles"
    )
    presence_stale_s: float = Field(
        default=10.0,
        gt=0,
        description="An agent whose console was not confirmed this long "
        "ago is not free for pacing (its console process is gone)",
    )
