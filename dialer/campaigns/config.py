"""Dialer process settings (``TAILCALL_DIALER_*``): carrier, lines, leases, caps."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialer.campaigns.eligibility import FrequencyCaps
from dialer.campaigns.holidays import CALENDAR_WARN_DAYS

# Dev defaults match the simulator's carrier (`tailcall simulator ...` on port 8099).
DEV_CARRIER_ACCOUNT = "AC" + "0" * 31 + "1"
DEV_CARRIER_TOKEN = "sim-auth-token"


class DialerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TAILCALL_DIALER_", extra="ignore")

    carrier_base_url: str = "http://127.0.0.1:8099"
    carrier_account_sid: str = DEV_CARRIER_ACCOUNT
    carrier_auth_token: SecretStr = SecretStr(DEV_CARRIER_TOKEN)
    carrier_timeout_s: float = Field(default=10.0, gt=0)

    lines: int = Field(default=30, ge=0, description="carrier lines: global concurrency")
    calls_per_second: float = Field(default=10.0, gt=0, description="global calls/second")
    claim_batch: int = Field(default=50, ge=1)
    poll_s: float = Field(default=1.0, gt=0)

    lease_s: float = Field(default=60.0, gt=0, description="claim lease and dial watchdog")
    ring_timeout_s: float = Field(default=180.0, gt=0, description="watchdog while ringing")
    max_call_s: float = Field(default=3600.0, gt=0, description="watchdog while connected")
    heartbeat_s: float = Field(default=5.0, gt=0)
    stale_worker_s: float = Field(default=30.0, gt=0)
    review_after_s: float = Field(default=600.0, gt=0, description="unreconcilable -> review")
    carrier_down_backoff_s: float = Field(default=30.0, ge=0)

    max_connected: int = Field(default=1, ge=0)
    connected_period_days: int = Field(default=7, ge=1)
    max_attempts_per_day: int = Field(default=2, ge=0)
    unknown_zone_margin_min: int = Field(default=60, ge=0)
    rates_window_min: float = Field(default=30.0, gt=0)
    breaker_check_s: float = Field(
        default=30.0, gt=0, description="how often the compliance breakers are checked"
    )
    calendar_warn_days: int = Field(
        default=CALENDAR_WARN_DAYS,
        ge=0,
        description="warn (status, campaign page, log) this many days before a holiday "
        "calendar's known years end",
    )
    rulepacks_dir: Path | None = Field(
        default=None, description="the bank's frequency rule packs (replace shipped namesakes)"
    )
    require_script_approval: bool = Field(
        default=True,
        description="a campaign starts only when its script file's exact bytes are approved "
        "(maker-checker: `tailcall scripts submit` / `approve`)",
    )
    media_url: str = Field(
        default="",
        description="the media stream URL the carrier connects answered calls to (the media "
        "workers', e.g. ws://media.bank:8081/media/ws); default: TAILCALL_PUBLIC_BASE_URL's",
    )
    agent_capacity: str = Field(
        default="", description="module:factory of the AgentCapacity (the console's)"
    )

    @model_validator(mode="after")
    def _lease_outlives_originate(self) -> DialerSettings:
        # A dial intent is reconciled once its lease expires; the carrier request must be
        # over by then, or a slow but successful originate could look like "not dialed".
        if self.lease_s <= 2 * self.carrier_timeout_s:
            raise ValueError("lease_s must exceed twice carrier_timeout_s")
        return self

    def caps(self) -> FrequencyCaps:
        return FrequencyCaps(
            max_connected=self.max_connected,
            connected_period_days=self.connected_period_days,
            max_attempts_per_day=self.max_attempts_per_day,
        )
