"""The campaigns CLI end to end on SQLite, and the in-process dial loop thread."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from dialer.campaigns.cli import campaigns_app
from dialer.campaigns.worker import DialerThread, build_dialer
from dialer.carriers.base import InMemoryCarrier
from kernel.actors import Actor
from kernel.db import Database
from tests.dialer.conftest import ALWAYS, add_customers, add_list, fast_settings


@pytest.fixture
def env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("TAILCALL_ENV", "test")
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(db.settings.data_dir))
    monkeypatch.delenv("TAILCALL_DATABASE_URL", raising=False)
    return db


def test_campaign_lifecycle_through_the_cli(env: Database, tmp_path: Path) -> None:
    with env.session() as s:
        list_id = add_list(s, add_customers(s, 3)).id
    spec = {
        "name": "cli-camp",
        "script_id": "s",
        "caller_id": "+861095555",
        "audience": {"list_ids": [list_id]},
        "window": ALWAYS.model_dump(mode="json"),
    }
    f = tmp_path / "camp.yaml"
    f.write_text(yaml.safe_dump(spec))
    run = CliRunner().invoke
    r = run(campaigns_app, ["create", str(f)])
    assert r.exit_code == 0, r.output
    assert "created (draft)" in r.output
    assert run(campaigns_app, ["start", "cli-camp"]).exit_code == 0
    assert "paused" in run(campaigns_app, ["pause", "cli-camp"]).output
    assert run(campaigns_app, ["resume", "cli-camp"]).exit_code == 0
    r = run(campaigns_app, ["status", "cli-camp", "--json"])
    assert json.loads(r.output)[0]["attempts"] == {"queued": 3}
    r = run(campaigns_app, ["cancel", "cli-camp", "--reason", "test over"])
    assert "3 queued attempts ended" in r.output
    r = run(campaigns_app, ["pause", "cli-camp"])
    assert r.exit_code == 1 and "cannot pause" in r.output
    r = run(campaigns_app, ["pause", "cli-camp", "--by", "sue"])  # no users to check it with
    assert r.exit_code == 1 and "--by needs the console's users" in r.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\n")
    assert run(campaigns_app, ["create", str(bad)]).exit_code == 2


def test_holidays_load_and_show(env: Database, tmp_path: Path) -> None:
    run = CliRunner().invoke
    r = run(campaigns_app, ["holidays", "show", "cn", "--year", "2026"])  # the library's
    assert "2026-10-01 off 国庆节" in r.output and "2026-10-10 work" in r.output
    bank = tmp_path / "bank.yaml"
    bank.write_text(
        "calendar: cn\nyears:\n  2030:\n    holidays:\n"
        "      - {from: 2030-01-01, to: 2030-01-01, name: 元旦}\n",
        encoding="utf-8",
    )
    r = run(campaigns_app, ["holidays", "show", "cn", "--year", "2030"])
    assert "does not know 2030" in r.output
    r = run(campaigns_app, ["holidays", "load", str(bank)])
    assert r.exit_code == 0 and "calendar cn" in r.output
    r = run(campaigns_app, ["holidays", "show", "cn", "--year", "2030"])
    assert "2030-01-01 off 元旦" in r.output and "does not know" not in r.output


def test_in_process_dialer_thread(db: Database) -> None:
    from dialer.campaigns import service
    from kernel.db import utcnow

    with db.session() as s:
        cl = add_list(s, add_customers(s, 2))
        from tests.dialer.conftest import make_spec

        c = service.create_campaign(s, make_spec([cl.id]), utcnow(), by=Actor.system("test"))
        service.start_campaign(s, c.id, utcnow(), fast_settings(), "UTC", by=Actor.system("test"))
    carrier = InMemoryCarrier()
    th = DialerThread(
        build_dialer(db, db.settings, fast_settings(poll_s=0.05), carrier=carrier)
    ).start()
    try:
        deadline = time.time() + 10
        while len(carrier.calls) < 2 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        th.stop()
    assert len(carrier.calls) == 2
