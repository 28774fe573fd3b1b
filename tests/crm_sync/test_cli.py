from __future__ import annotations

import pytest
from typer.testing import CliRunner

from crm_sync.cli import crm_app
from kernel.db import Database

runner = CliRunner()


@pytest.fixture
def env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("TAILCALL_DATABASE_URL", db.settings.resolved_database_url)
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(db.settings.data_dir))
    monkeypatch.setenv("TAILCALL_CRM_ALLOWED_HOSTS", "127.0.0.1")
    return db


def test_endpoints_status_and_dead_letters_from_the_cli(env: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = runner.invoke(crm_app, ["endpoints", "add", "crm", "--url", "http://127.0.0.1:9/hook"])
    assert r.exit_code == 0, r.output
    assert "whsec_" in r.output
    r = runner.invoke(
        crm_app, ["endpoints", "add", "files", "--kind", "file", "--directory", "daily"]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        crm_app, ["endpoints", "add", "out", "--kind", "file", "--directory", str(tmp_path)]
    )
    assert r.exit_code == 1 and "config.directory" in r.output  # outside the data dir
    r = runner.invoke(crm_app, ["endpoints", "add", "evil", "--url", "http://10.0.0.9/x"])
    assert r.exit_code == 1 and "TAILCALL_CRM_ALLOWED_HOSTS" in r.output
    r = runner.invoke(crm_app, ["endpoints", "add", "bad", "--url", "nope"])
    assert r.exit_code == 1 and "url" in r.output
    r = runner.invoke(crm_app, ["endpoints", "disable", "crm", "--reason", "maintenance"])
    assert r.exit_code == 0 and "disabled" in r.output
    r = runner.invoke(crm_app, ["endpoints", "list"])
    assert "maintenance" in r.output and "files" in r.output
    r = runner.invoke(crm_app, ["status", "--json"])
    assert r.exit_code == 0 and '"undispatched": 0' in r.output
    r = runner.invoke(crm_app, ["dead-letters", "list"])
    assert r.exit_code == 0
    r = runner.invoke(crm_app, ["dead-letters", "replay"])
    assert r.exit_code == 2
    r = runner.invoke(crm_app, ["dead-letters", "replay", "5"])
    assert r.exit_code == 1 and "id=5" in r.output
    r = runner.invoke(crm_app, ["dead-letters", "replay", "--all"])
    assert r.exit_code == 0 and "replayed 0" in r.output
