"""``tailcall audit verify`` finds a tampered row; ``report daily`` writes the files;
``qa run`` and ``retention run`` work on a migrated database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from handoff.audit import record
from kernel.db import Database, utcnow
from kernel.settings import load_settings
from tailcall.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("COLUMNS", "200")


def test_audit_verify_report_qa_retention(tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    db = Database(load_settings())
    for i in range(3):
        record(db, "call_viewed", utcnow(), username="sue", subject=f"call:{i}")
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact: 3 entries" in ok.output
    shown = runner.invoke(app, ["audit", "show", "--user", "sue"])
    assert "call:2" in shown.output
    with db.session() as s:
        s.execute(text("DROP TRIGGER console_audit_log_append_only_u"))
        s.execute(text("UPDATE console_audit_log SET username = 'eve' WHERE id = 2"))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "entry 2" in bad.output
    db.dispose()

    out = tmp_path / "reports"
    rep = runner.invoke(app, ["report", "daily", "--date", "2026-12-03", "--out", str(out)])
    assert rep.exit_code == 0, rep.output
    assert {p.name for p in out.iterdir()} >= {"daily-2026-12-03.html", "daily-2026-12-03.csv",
                                               "daily-2026-12-03.xlsx", "daily-2026-12-03.json"}  # fmt: skip
    assert runner.invoke(app, ["report", "daily", "--date", "03/12/2026"]).exit_code == 2
    assert "checked 0 calls" in runner.invoke(app, ["qa", "run"]).output
    assert "deleted 0 calls" in runner.invoke(app, ["retention", "run"]).output
