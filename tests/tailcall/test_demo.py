"""The live demo's set-up: logins printed at every start and kept across restarts, one
demo campaign continued after a restart, and a language without a speech model refused
with the fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from dialer.campaigns.models import Attempt, Campaign
from handoff.models import Agent, User
from handoff.passwords import verify_password
from kernel.db import Database
from kernel.errors import InvalidInput
from simulator.demo import CustomerFeed, DemoPersonas
from tailcall.cli import app as cli
from tailcall.demo import banner, ensure_logins, ensure_simulated_agents
from tailcall.simulation import demo_dialer_settings, ensure_demo_campaign


def test_logins_are_created_once_and_shown_at_every_start(db: Database) -> None:
    first = ensure_logins(db, db.settings.data_dir)
    again = ensure_logins(db, db.settings.data_dir)  # a restart
    assert [(x.username, x.password) for x in first] == [(x.username, x.password) for x in again]
    assert [x.role for x in first] == ["agent", "supervisor", "admin"]
    with db.read() as s:
        user = s.query(User).filter_by(username="demo-agent").one()
        assert verify_password(user.password_hash, first[0].password)
    text = banner("http://127.0.0.1:8080", first, "ko-KR", db.settings.data_dir)
    assert "http://127.0.0.1:8080/console" in text and first[0].password in text
    sims = ensure_simulated_agents(db)
    assert ensure_simulated_agents(db) == sims
    with db.read() as s:
        for uid in sims:
            agent, user = s.get(Agent, uid), s.get(User, uid)
            assert agent is not None and agent.overflow and user is not None
            assert "(simulated)" in user.display_name


def test_the_demo_campaign_runs_once_and_refuses_a_language_without_a_model(
    db: Database,
    models: Path,
) -> None:
    ds = demo_dialer_settings(db.settings)
    feed = CustomerFeed(db, db.settings, ds, 0, DemoPersonas(), "points_reminder", batch=3)
    cid = ensure_demo_campaign(db, db.settings, ds, "ko-KR", feed)
    with db.session() as s:  # a call connected when the demo stopped
        live = s.scalars(select(Attempt).where(Attempt.campaign_id == cid)).first()
        assert live is not None
        live.status, live.lease_until = "in_progress", datetime.now(UTC) + timedelta(hours=1)
        live_id = live.id
    assert ensure_demo_campaign(db, db.settings, ds, "ko-KR", feed) == cid  # a restart
    with db.read() as s:  # its watchdog fires now: the reaper asks the new carrier at once
        lease = s.get(Attempt, live_id).lease_until  # type: ignore[union-attr]
        assert lease is not None and lease.replace(tzinfo=UTC) <= datetime.now(UTC)
    with db.read() as s:
        c = s.get(Campaign, cid)
        assert c is not None and c.status == "running" and c.live_handoff
    with pytest.raises(InvalidInput) as err:
        ensure_demo_campaign(db, db.settings, ds, "zh-CN", feed)
    assert err.value.where == "language" and "tailcall models install" in err.value.message


def test_serve_demo_refuses_a_language_without_a_model(
    tmp_path: Path,
    models: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path / "fresh"))
    monkeypatch.setenv("TAILCALL_ENV", "test")
    monkeypatch.delenv("TAILCALL_DATABASE_URL", raising=False)
    r = CliRunner().invoke(cli, ["serve", "--demo", "--language", "zh-CN"])
    assert r.exit_code == 2
    assert "tailcall models install" in r.output and "zh-CN" in r.output
