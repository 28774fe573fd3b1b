"""A process refuses dev or simulator secrets in prod, and a dev process exposed beyond
loopback or dialing a real carrier unless told explicitly."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from dialer.campaigns.config import DEV_CARRIER_ACCOUNT, DialerSettings
from kernel.db import Database
from kernel.settings import Settings
from tailcall import deployment
from tailcall.app import create_app
from tailcall.cli import app
from tailcall.deployment import UnsafeDeployment

REAL_TOKEN = SecretStr("t" * 32)
REAL_ACCOUNT = "AC" + "5" * 32


def _dialer(**kw: object) -> DialerSettings:
    return DialerSettings(_env_file=None, **kw)  # type: ignore[call-arg]


def _prod(tmp_path: Path) -> Settings:
    return Settings(env="prod", secret_key="s" * 32, data_dir=tmp_path)


def test_prod_refuses_the_simulators_carrier_token_and_account(tmp_path: Path) -> None:
    found = deployment.problems(_prod(tmp_path), _dialer())
    assert any("CARRIER_AUTH_TOKEN" in p for p in found)
    assert any("CARRIER_ACCOUNT_SID" in p for p in found)
    short = _dialer(carrier_auth_token=SecretStr("short"), carrier_account_sid=REAL_ACCOUNT)
    assert [p for p in deployment.problems(_prod(tmp_path), short) if "32" in p]
    ok = _dialer(carrier_auth_token=REAL_TOKEN, carrier_account_sid=REAL_ACCOUNT)
    assert deployment.problems(_prod(tmp_path), ok) == []


def test_prod_app_does_not_start_with_the_simulators_token(db: Database) -> None:
    prod = db.settings.model_copy(update={"env": "prod", "secret_key": SecretStr("s" * 32)})
    with pytest.raises(UnsafeDeployment, match="CARRIER_AUTH_TOKEN"):
        create_app(prod, db, dialer_settings=_dialer(carrier_account_sid=DEV_CARRIER_ACCOUNT))


@pytest.mark.parametrize(
    ("host", "carrier", "exposed"),
    [
        ("127.0.0.1", "http://127.0.0.1:8099", False),
        ("localhost", "http://[::1]:8099", False),
        ("0.0.0.0", "http://127.0.0.1:8099", True),
        ("10.1.2.3", "http://127.0.0.1:8099", True),
        ("127.0.0.1", "https://api.carrier.example", True),
    ],
)
def test_dev_stays_on_loopback_with_the_simulator(
    tmp_path: Path, host: str, carrier: str, exposed: bool
) -> None:
    dev = Settings(env="dev", host=host, data_dir=tmp_path)
    ds = _dialer(carrier_base_url=carrier)
    assert bool(deployment.problems(dev, ds)) is exposed
    if exposed:
        with pytest.raises(UnsafeDeployment, match="TAILCALL_ALLOW_EXPOSED_DEV"):
            deployment.check(dev, ds)
        allowed = dev.model_copy(update={"allow_exposed_dev": True})
        deployment.check(allowed, ds)  # told explicitly: a warning, not a refusal
    else:
        deployment.check(dev, ds)


def test_a_sip_trunk_needs_no_rest_carrier_token_and_counts_as_exposure_in_dev(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prod = Settings(env="prod", secret_key="s" * 32, data_dir=tmp_path, carrier="sip")
    assert deployment.problems(prod, _dialer()) == []
    monkeypatch.setenv("TAILCALL_SIP_HOST", "10.20.0.5")
    dev = Settings(env="dev", data_dir=tmp_path, carrier="sip")
    assert any("TAILCALL_SIP_HOST=10.20.0.5" in p for p in deployment.problems(dev, _dialer()))
    monkeypatch.setenv("TAILCALL_SIP_HOST", "127.0.0.1")
    assert deployment.problems(dev, _dialer()) == []


@pytest.mark.parametrize("role", ["dialer", "media"])
def test_a_worker_refuses_what_serve_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    monkeypatch.setenv("TAILCALL_ENV", "prod")
    monkeypatch.setenv("TAILCALL_SECRET_KEY", "s" * 32)
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TAILCALL_DIALER_CARRIER_AUTH_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["worker", "--role", role])
    assert result.exit_code == 2
    assert "CARRIER_AUTH_TOKEN" in result.output


def test_a_dev_media_worker_listens_on_loopback_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILCALL_ENV", "dev")
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TAILCALL_ALLOW_EXPOSED_DEV", raising=False)
    result = CliRunner().invoke(app, ["worker", "--role", "media", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "TAILCALL_HOST=0.0.0.0 is not a loopback address" in result.output
