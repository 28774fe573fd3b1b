"""``tailcall worker``: the roles it knows, and a media worker needs PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kernel.errors import InvalidInput
from kernel.settings import Settings
from tailcall.cli import app
from tailcall.media_worker import media_worker_app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("TAILCALL_DATABASE_URL", raising=False)


def test_an_unknown_role_is_named_with_the_known_ones() -> None:
    r = runner.invoke(app, ["worker", "--role", "relay"])
    assert r.exit_code == 2 and "dialer, media" in r.output


def test_a_media_worker_on_sqlite_says_what_it_needs(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path / "var", database_url="")
    with pytest.raises(InvalidInput, match="PostgreSQL"):
        media_worker_app(settings, None, link_base_url="ws://127.0.0.1:1")  # type: ignore[arg-type]
    r = runner.invoke(app, ["worker", "--role", "media", "--port", "0"])
    assert r.exit_code == 2 and "TAILCALL_DATABASE_URL" in r.output
