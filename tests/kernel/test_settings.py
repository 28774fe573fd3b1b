import pytest
from pydantic import ValidationError

from kernel.settings import Settings


def test_defaults_are_safe_and_local(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.host == "127.0.0.1"
    assert s.resolved_database_url.startswith("sqlite:///") and s.resolved_database_url.endswith(
        "tailcall.db"
    )
    assert s.resolved_public_base_url == "http://127.0.0.1:8080"


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILCALL_DATABASE_URL", "postgresql://u@h/db")
    monkeypatch.setenv("TAILCALL_DEFAULT_REGION", "kr")
    s = Settings()
    assert s.resolved_database_url == "postgresql://u@h/db" and s.default_region == "KR"


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("TAILCALL_DEFAULT_TIMEZONE", "Mars/Olympus", "unknown IANA time zone"),
        ("TAILCALL_DATABASE_URL", "mysql://x", "sqlite:// or postgresql://"),
        ("TAILCALL_PORT", "70000", "less than or equal"),
    ],
)
def test_bad_values_name_the_problem(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ValidationError, match=message):
        Settings()


def test_production_refuses_the_dev_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILCALL_ENV", "prod")
    with pytest.raises(ValidationError, match="TAILCALL_SECRET_KEY"):
        Settings()
    monkeypatch.setenv("TAILCALL_SECRET_KEY", "a-real-secret")
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings()
    monkeypatch.setenv("TAILCALL_SECRET_KEY", "a-real-secret-" + "x" * 18)
    assert Settings().env == "prod"


def test_production_refuses_the_dev_media_token(monkeypatch: pytest.MonkeyPatch) -> None:
    dev_token = Settings(env="dev").media_stream_token
    monkeypatch.setenv("TAILCALL_ENV", "prod")
    monkeypatch.setenv("TAILCALL_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("TAILCALL_MEDIA_TOKEN", dev_token)
    with pytest.raises(ValidationError, match="TAILCALL_MEDIA_TOKEN"):
        Settings()
    monkeypatch.setenv("TAILCALL_MEDIA_TOKEN", "short")
    with pytest.raises(ValidationError, match="TAILCALL_MEDIA_TOKEN"):
        Settings()
    monkeypatch.setenv("TAILCALL_MEDIA_TOKEN", "m" * 32)
    assert Settings().media_stream_token == "m" * 32
