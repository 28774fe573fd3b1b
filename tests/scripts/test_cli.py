"""`tailcall scripts ...` through typer's CliRunner."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from scripts.cli import scripts_app
from scripts.loader import SCRIPTS_DIR, find_script

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


def test_lint_shipped_scripts_ok() -> None:
    r = runner.invoke(scripts_app, ["lint", str(SCRIPTS_DIR)])
    assert r.exit_code == 0, r.output
    assert "5 file(s): 0 error(s), 0 warning(s)" in r.output


def test_lint_errors_exit_1_with_file_and_line() -> None:
    r = runner.invoke(scripts_app, ["lint", str(FIXTURES / "blocklist.yaml")])
    assert r.exit_code == 1
    assert "blocklist.yaml:36: error[blocklist] banned phrase '保本'" in r.output


def test_lint_warnings_pass_unless_strict() -> None:
    path = str(FIXTURES / "prompt_too_long.yaml")
    r = runner.invoke(scripts_app, ["lint", path])
    assert r.exit_code == 0 and "warning[prompt-too-long]" in r.output
    assert runner.invoke(scripts_app, ["lint", "--strict", path]).exit_code == 1


def test_lint_columns_and_blocklist_options(tmp_path: Path) -> None:
    path = str(FIXTURES / "unknown_column.yaml")
    assert runner.invoke(scripts_app, ["lint", path]).exit_code == 1
    r = runner.invoke(scripts_app, ["lint", path, "--columns", "balance,segment"])
    assert r.exit_code == 0
    bl = tmp_path / "bl.txt"
    bl.write_text("再见\n", encoding="utf-8")
    valid = str(FIXTURES / "valid.zh-CN.yaml")
    r = runner.invoke(scripts_app, ["lint", valid, "--blocklist", str(bl)])
    assert r.exit_code == 1 and "banned phrase '再见'" in r.output


def test_lint_schema_error() -> None:
    r = runner.invoke(scripts_app, ["lint", str(FIXTURES / "schema.yaml")])
    assert r.exit_code == 1
    expected = "schema.yaml:36: error[schema] states.ask.promt: Extra inputs are not permitted"
    assert expected in r.output


def test_graph_prints_mermaid_and_writes_svg(tmp_path: Path) -> None:
    out = tmp_path / "g.svg"
    path = str(find_script("wealth_followup", "zh-CN"))
    r = runner.invoke(scripts_app, ["graph", path, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("flowchart TD")
    assert "transfer_advisor" in r.output
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_graph_of_broken_file_exits_2() -> None:
    r = runner.invoke(scripts_app, ["graph", str(FIXTURES / "schema.yaml")])
    assert r.exit_code == 2


def test_schema_command(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    assert runner.invoke(scripts_app, ["schema", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["title"] == "tailcall call script"


def test_match_prints_each_reply_and_the_coverage_per_state(tmp_path: Path) -> None:
    replies = tmp_path / "replies.jsonl"
    rows = [
        {"state": "points_info", "text": "怎么换啊", "intent": "how_to"},
        {"state": "points_info", "text": "以后别打了", "intent": "opt_out"},
        {"state": "identity", "text": "啊？", "intent": "confirm"},
    ]
    replies.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8")
    r = runner.invoke(scripts_app, ["match", "points_reminder.zh-CN", str(replies), "--json"])
    assert r.exit_code == 0, r.output
    out = [json.loads(line) for line in r.output.splitlines()]
    assert [(o["intent"], o["source"]) for o in out[:2]] == [
        ("how_to", "phrase"),
        ("opt_out", "opt_out"),
    ]
    assert out[2]["intent"] is None and out[2]["correct"] is False
    plain = tmp_path / "plain.txt"
    plain.write_text("好的\n", "utf-8")
    r = runner.invoke(scripts_app, ["match", "points_reminder.zh-CN", str(plain)])
    assert r.exit_code == 2 and "needs --state" in r.output
    r = runner.invoke(
        scripts_app, ["match", "points_reminder.zh-CN", str(replies), "--show-missed", "5"]
    )
    assert "missed (confirm_identity): 啊？" in r.output


def test_match_reads_callback_times_at_the_time_given(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("今天下午三点吧\n", "utf-8")
    args = ["match", "points_reminder.zh-CN", str(plain), "--state", "ask_callback", "--json"]
    morning = runner.invoke(scripts_app, [*args, "--now", "2026-01-05T10:00+08:00"])
    evening = runner.invoke(scripts_app, [*args, "--now", "2026-01-05T20:00+08:00"])
    assert json.loads(morning.output)["source"] == "slot"
    assert json.loads(evening.output)["source"] != "slot"  # three o'clock has passed
    r = runner.invoke(scripts_app, [*args, "--now", "2026-01-05T10:00"])
    assert r.exit_code == 2 and "--now" in r.output and "zone" in r.output
