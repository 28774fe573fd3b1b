"""Maker-checker through the console API and the CLI: the author cannot approve."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kernel.db import Database
from tailcall.cli import app as cli_app
from tests.handoff.conftest import ConsoleApp, add_user, login


def test_author_submits_compliance_approves_the_author_cannot(console_app: ConsoleApp) -> None:
    add_user(console_app.db, "sup", "supervisor")
    add_user(console_app.db, "comp", "compliance")
    add_user(console_app.db, "boss", "admin")
    author = TestClient(console_app.app)
    csrf = login(author, "sup")
    r = author.post(
        "/api/scripts/versions",
        json={"script_id": "wealth_followup", "language": "zh-CN", "note": "risk warning"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201, r.text
    vid = r.json()["id"]
    assert r.json()["status"] == "submitted" and r.json()["submitted_by"] == "sup"
    # a supervisor is no reviewer, not even of someone else's version
    r = author.post(f"/api/scripts/versions/{vid}/approve", json={}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403 and r.json()["where"] == "role"

    reviewer = TestClient(console_app.app)
    csrf2 = login(reviewer, "comp")
    r = reviewer.post(
        f"/api/scripts/versions/{vid}/approve", json={"note": "ok"}, headers={"X-CSRF-Token": csrf2}
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert r.json()["decided_by"] == "comp"
    r = reviewer.post(
        f"/api/scripts/versions/{vid}/reject", json={}, headers={"X-CSRF-Token": csrf2}
    )
    assert r.status_code == 409 and "already approved" in r.json()["message"]

    # an admin who submitted cannot approve their own
    admin = TestClient(console_app.app)
    csrf3 = login(admin, "boss")
    r = admin.post(
        "/api/scripts/versions",
        json={"script_id": "points_reminder", "language": "zh-CN"},
        headers={"X-CSRF-Token": csrf3},
    )
    own = r.json()["id"]
    r = admin.post(f"/api/scripts/versions/{own}/approve", json={}, headers={"X-CSRF-Token": csrf3})
    assert r.status_code == 403 and r.json()["where"] == "actor"
    listed = reviewer.get("/api/scripts/versions").json()
    assert [(v["id"], v["status"]) for v in listed] == [(own, "submitted"), (vid, "approved")]


def test_unknown_script_is_a_404_naming_it(console_app: ConsoleApp) -> None:
    add_user(console_app.db, "sup", "supervisor")
    c = TestClient(console_app.app)
    csrf = login(c, "sup")
    r = c.post(
        "/api/scripts/versions",
        json={"script_id": "nope", "language": "zh-CN"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 404 and "nope" in r.json()["message"]


def test_the_cli_acts_as_named_users(
    db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(db.settings.data_dir))
    monkeypatch.setenv("TAILCALL_DATABASE_URL", db.settings.resolved_database_url)
    add_user(db, "dev1", "supervisor")
    add_user(db, "comp", "compliance")
    run = CliRunner()
    r = run.invoke(cli_app, ["scripts", "submit", "points_reminder", "-l", "ko-KR", "--by", "dev1"])
    assert r.exit_code == 0, r.output
    assert "version 1: points_reminder (ko-KR)" in r.output and "submitted by dev1" in r.output
    r = run.invoke(cli_app, ["scripts", "approve", "1", "--by", "dev1"])
    assert r.exit_code == 1 and "cannot review" in r.output
    r = run.invoke(cli_app, ["scripts", "approve", "1", "--by", "nobody"])
    assert r.exit_code == 1 and "--by: no enabled console user 'nobody'" in r.output
    r = run.invoke(cli_app, ["scripts", "approve", "1", "--by", "comp"])
    assert r.exit_code == 0 and "approved by comp" in r.output
    r = run.invoke(cli_app, ["scripts", "versions"])
    assert "approved" in r.output and "submitted by dev1, approved by comp" in r.output
