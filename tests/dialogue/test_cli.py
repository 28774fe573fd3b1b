"""`tailcall scripts chat` (dialogue.cli.chat_command) through the root CLI app."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scripts.loader import find_script
from tailcall.cli import app

runner = CliRunner()


def test_chat_reads_stdin() -> None:
    path = str(find_script("points_reminder", "zh-CN"))
    r = runner.invoke(
        app,
        [
            "scripts",
            "chat",
            path,
            "--customer",
            json.dumps({"name": "王芳", "points": 5000}),
            "--now",
            "2026-01-07T10:00+08:00",
        ],
        input="你是机器人吗\n是我\n/state\n我在忙\n明天下午三点\n",
    )
    assert r.exit_code == 0, r.output
    assert "请问您是王芳本人吗" in r.output
    assert "bot [global.is_robot] (no barge-in):" in r.output
    assert "state=points_info" in r.output
    assert "listening (free decoding" in r.output
    assert "== slot callback_time = 2026-01-08T15:00:00+08:00 (明天下午3点)" in r.output
    assert r.output.rstrip().endswith("disposition: callback")


def test_chat_commands(tmp_path: Path) -> None:
    cust = tmp_path / "c.json"
    cust.write_text('{"name": "Alice"}', encoding="utf-8")
    path = str(find_script("points_reminder", "en-US"))
    r = runner.invoke(
        app,
        ["scripts", "chat", path, "--customer", f"@{cust}", "--variant", "B"],
        input="yes speaking\nyes\n\n/dtmf 1\n/accept a7\n/handback\n",
    )
    assert r.exit_code == 0, r.output
    assert "bot [points_info#B]" in r.output
    assert "bot [explain_redeem.no_input]" in r.output
    assert ">> offer handoff: reason=wants_guidance skill=points" in r.output
    assert "(no barge-in, bridging)" in r.output
    assert "disposition: agent_handled" in r.output


def test_chat_unfinished_and_bad_customer() -> None:
    path = str(find_script("points_reminder", "zh-CN"))
    r = runner.invoke(app, ["scripts", "chat", path], input="/nope\n")
    assert "unknown command" in r.output and "(call not finished)" in r.output
    r = runner.invoke(app, ["scripts", "chat", path, "--customer", "{bad"])
    assert r.exit_code == 2
