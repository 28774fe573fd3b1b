"""``tailcall campaigns dry-run``: a bad spec names its fields; a good one prints the
expected funnel (and ``--json`` the stored run), leaving the campaign tables as they were."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from dialer.campaigns import dry_runs
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.dry_run import DryRunRequest
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.spec import CampaignSpec
from kernel.db import Database, utcnow
from kernel.settings import Settings
from tailcall.cli import app
from tailcall.dry_run import BackgroundDryRuns
from tests.dialer.conftest import add_customers, add_list


@pytest.fixture
def env(settings: Settings, db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TAILCALL_ENV", "test")
    return db


def test_dry_run_command(env: Database, tmp_path: Path) -> None:
    with env.session() as s:
        list_id = add_list(s, add_customers(s, 30)).id
    spec = {"name": "积分提醒", "script_id": "points_reminder", "caller_id": "+861095558",
            "audience": {"list_ids": [list_id]}, "compliance": {"rule_packs": []},
            "window": {"weekdays": list(range(7)), "hours": [["00:00", "23:59:59"]],
                       "holiday_calendar": None}}  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**spec, "caller_id": "", "thresholds": {"x": 1}}))
    r = CliRunner().invoke(app, ["campaigns", "dry-run", str(bad)])
    assert r.exit_code == 2
    assert "bad.yaml: caller_id: String should have at least 3 characters" in r.output
    assert "bad.yaml: thresholds: unknown threshold 'x'" in r.output

    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    r = CliRunner().invoke(app, ["campaigns", "dry-run", str(good), "--sample", "10"])
    assert r.exit_code == 0, r.output
    assert "simulated customers" in r.output and "handoffs_accepted" in r.output
    assert "audience 30 of 30 members" in r.output
    r = CliRunner().invoke(app, ["campaigns", "dry-run", str(good), "--sample", "10", "--json"])
    view = json.loads(r.stdout)  # the log (Alembic's lines) goes to stderr
    assert view["status"] == "done" and view["result"]["sample"] == 10
    assert view["result"]["funnel"]["dialed"] >= 10 and view["requested_by"].startswith("cli:")
    with env.read() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 0
        assert s.scalar(select(func.count()).select_from(Campaign)) == 0


def test_a_restarted_server_fails_the_runs_it_left(env: Database, settings: Settings) -> None:
    request = DryRunRequest(
        spec=CampaignSpec.model_validate(
            {
                "name": "x",
                "script_id": "points_reminder",
                "caller_id": "+861095558",
                "audience": {"list_ids": [1]},
            }
        ),
        sample=10,
    )
    now = utcnow()
    with env.session() as s:
        left = dry_runs.add(s, request, "user:sue", None, now)
        dry_runs.progress(s, left, 3, 10)
        mine = dry_runs.add(s, request, "cli:ops", None, now)  # another process's run
    work = settings.data_dir / "dry-runs" / str(left)
    work.mkdir(parents=True)
    (work / "sim.db").write_bytes(b"x")
    runner = BackgroundDryRuns(env, settings, DialerSettings())
    try:
        with env.read() as s:
            stopped, other = dry_runs.get(s, left), dry_runs.get(s, mine)
        assert stopped.status == "failed" and stopped.error == dry_runs.SERVER_STOPPED
        assert other.status == "queued"
        assert not work.exists()
    finally:
        runner.close()
