"""Process settings, read from ``TAILCALL_*`` environment variables.

Settings are passed explicitly (app factory, CLI context); nothing reads them at import time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from typing import Literal

import typer
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kernel.zones import check_zone

DEV_SECRET = "dev-only-secret-change-me"
MIN_SECRET_LEN = 32
PRIVATE_UMASK = 0o077  # files 0600, folders 0700


class Settings(BaseSettings):
    """All configuration of one tailcall process."""

    model_config = SettingsConfigDict(
        env_prefix="TAILCALL_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    env: Literal["dev", "test", "prod"] = "dev"
    data_dir: Path = Field(
        default=Path("var"), description="Where SQLite, reports, recordings live"
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file in data_dir",
    )
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    public_base_url: str = Field(
        default="",
        description="URL the carrier reaches us at; empty means http://{host}:{port}",
    )
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    media_token: SecretStr | None = Field(
        default=None,
        description="The media stream token; empty means derived from the secret key",
    )
    allow_exposed_dev: bool = Field(
        default=False,
        description="Let dev mode listen beyond loopback or dial a real carrier (a warning)",
    )

    carrier: Literal["twilio", "sip"] = Field(
        default="twilio",
        description="How calls are placed: a Twilio-compatible REST API with media streams "
        "(TAILCALL_DIALER_CARRIER_*) or a SIP trunk (TAILCALL_SIP_*)",
    )

    default_region: str = Field(default="CN", min_length=2, max_length=2)
    default_timezone: str = "Asia/Shanghai"

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("default_region")
    @classmethod
    def _upper_region(cls, v: str) -> str:
        return v.upper()

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        return check_zone(v)

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, v: str) -> str:
        if v and not v.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:// or postgresql:// URL")
        return v

    @model_validator(mode="after")
    def _no_dev_secret_in_prod(self) -> Settings:
        if self.env != "prod":
            return self
        key = self.secret_key.get_secret_value()
        if key == DEV_SECRET:
            raise ValueError("TAILCALL_SECRET_KEY must be set when TAILCALL_ENV=prod")
        if len(key) < MIN_SECRET_LEN:
            raise ValueError(f"TAILCALL_SECRET_KEY must be at least {MIN_SECRET_LEN} characters")
        if self.media_token is not None:
            token = self.media_token.get_secret_value()
            if token == _derived_token(DEV_SECRET) or len(token) < MIN_SECRET_LEN:
                raise ValueError(
                    f"TAILCALL_MEDIA_TOKEN must be at least {MIN_SECRET_LEN} characters "
                    "and not the dev token"
                )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'tailcall.db').resolve()}"

    @property
    def resolved_public_base_url(self) -> str:
        return self.public_base_url or f"http://{self.host}:{self.port}"

    @property
    def media_stream_token(self) -> str:
        """The token the dialer puts in every call's stream parameters and the media
        endpoint requires: ``TAILCALL_MEDIA_TOKEN``, else derived from the secret key."""
        if self.media_token is not None:
            return self.media_token.get_secret_value()
        return _derived_token(self.secret_key.get_secret_value())

    def ensure_dirs(self) -> None:
        """The data directory, its owner's only (0700); files this process creates from now
        on are 0600 and folders 0700 (the umask), whoever creates them."""
        os.umask(PRIVATE_UMASK)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)


def _derived_token(secret: str) -> str:
    digest = hmac.new(secret.encode(), b"tailcall media stream", hashlib.sha256)
    return digest.hexdigest()[:32]


def load_settings() -> Settings:
    """Settings from the environment for a command, or a clean exit naming the bad variable."""

    try:
        return Settings()
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            typer.secho(f"TAILCALL_{field.upper()}: {err['msg']}", fg="red", err=True)
        raise typer.Exit(2) from exc
