"""The lists CLI prints what users typed as text, never as rich markup."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialer.lists.cli import lists_app

runner = CliRunner()
MARKUP = "[/]vip [bold]list[/bold] [link=x]"


def test_a_list_name_with_markup_is_shown_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("TAILCALL_DATABASE_URL", "")
    monkeypatch.setenv("COLUMNS", "200")
    csv = tmp_path / "[red]calls[b].csv"
    csv.write_text("姓名,手机\n王芳,13800138000\n", encoding="utf-8")
    r = runner.invoke(lists_app, ["import", str(csv), "--name", MARKUP])
    assert r.exit_code == 0, r.output
    assert MARKUP in r.output
    r = runner.invoke(lists_app, ["ls"])
    assert r.exit_code == 0, r.output
    assert MARKUP in r.output and "[red]calls[b].csv" in r.output
