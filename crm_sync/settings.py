"""CRM sync settings, read from ``TAILCALL_CRM_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crm_sync.endpoint_policy import EndpointPolicy
from crm_sync.signing import decode_secret


class CrmSettings(BaseSettings):
    """Configuration of the CRM relay, its API and the inbound webhook.

    Secrets have no working defaults: without ``inbound_secret`` the inbound webhook
    answers 503. The admin endpoints take an admin's session or API token (roles).
    """

    model_config = SettingsConfigDict(
        env_prefix="TAILCALL_CRM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    inbound_secret: SecretStr | None = Field(
        default=None, description="whsec_<base64> secret the CRM signs inbound webhooks with"
    )
    inbound_tolerance_s: int = Field(default=300, ge=1, description="Allowed clock skew")

    batch_size: int = Field(default=200, ge=1, le=5000)
    concurrency: int = Field(
        default=16, ge=1, le=1000, description="Requests in flight per endpoint (keep-alive pool)"
    )
    pipeline_depth: int = Field(
        default=2, ge=1, le=16, description="Claimed batches in flight at once (relay run)"
    )
    lease_s: float = Field(default=60.0, gt=0, description="Lease on claimed deliveries")
    idle_poll_s: float = Field(default=0.5, gt=0)

    connect_timeout_s: float = Field(default=5.0, gt=0)
    request_timeout_s: float = Field(default=15.0, gt=0)

    retry_base_s: float = Field(default=10.0, gt=0, description="First backoff step")
    retry_cap_s: float = Field(default=6 * 3600.0, gt=0, description="Longest backoff step")
    retry_give_up_s: float = Field(
        default=3 * 86400.0, gt=0, description="Transient failures go dead after this long"
    )
    permanent_max_tries: int = Field(default=3, ge=1, description="Tries for permanent 4xx")

    outcome_retention_days: float = Field(
        default=30.0, gt=0, description="Days the outbox keeps a call that made no lead"
    )

    export_dir: Path | None = Field(
        default=None,
        description="Root of file-export endpoints' folders (inside the data dir); "
        "empty means data_dir/exports",
    )
    allowed_hosts: str = Field(
        default="",
        description="Comma-separated hosts CRM webhooks may reach: host, host:port, .domain",
    )

    def endpoint_policy(self, data_dir: Path) -> EndpointPolicy:
        """Where endpoints may point, for the API and the CLI."""
        return EndpointPolicy(
            allowed_hosts=[h.strip() for h in self.allowed_hosts.split(",") if h.strip()],
            data_dir=data_dir,
            export_root=self.export_dir or data_dir / "exports",
        )

    @field_validator("inbound_secret")
    @classmethod
    def _whsec(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None:
            decode_secret(v.get_secret_value())
        return v
