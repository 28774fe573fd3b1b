"""Loading scripts: errors name the file, the line and the field; shipped scripts are found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kernel.errors import NotFound
from scripts.loader import (
    SCRIPTS_DIR,
    ScriptLoadError,
    find_script,
    load_script,
    parse_script,
    shipped_scripts,
)

FIXTURES = Path(__file__).parent / "fixtures"
VALID = (FIXTURES / "valid.zh-CN.yaml").read_text(encoding="utf-8")


def test_valid_script_loads_with_lines() -> None:
    s = load_script(FIXTURES / "valid.zh-CN.yaml")
    assert s.id == "fixture" and s.language == "zh-CN" and s.metadata.version == "1"
    assert s.line_of(("states", "ask", "prompt")) == 35
    assert s.where(("states", "ask", "no_such_field")).endswith("valid.zh-CN.yaml:34")


def test_pydantic_error_mapped_to_yaml_line() -> None:
    old = "{max: 1, then: end_no}\n  bridging"
    bad = VALID.replace(old, old.replace("1", "lots"))
    with pytest.raises(ScriptLoadError) as err:
        parse_script(bad, "s.yaml")
    (p,) = err.value.problems
    assert (p.file, p.line, p.field) == ("s.yaml", 16, "defaults.no_match.max")
    assert str(err.value).startswith("s.yaml:16: defaults.no_match.max")


def test_every_error_is_listed() -> None:
    bad = VALID.replace("voice: cmn", "voice: ''").replace("version: 1", "version: one")
    with pytest.raises(ScriptLoadError) as err:
        parse_script(bad, "s.yaml")
    assert {p.field for p in err.value.problems} == {"metadata.voice", "metadata.version"}
    assert {p.line for p in err.value.problems} == {4, 8}


def test_yaml_syntax_error_has_line() -> None:
    with pytest.raises(ScriptLoadError) as err:
        parse_script("metadata:\n  id: [unclosed\nstart: x\n", "s.yaml")
    assert err.value.problems[0].line == 3
    assert "YAML" in err.value.problems[0].message


def test_duplicate_key_is_an_error() -> None:
    twice = "  agree: {phrases: [好的]}\n  agree: {phrases: [可以]}\n"
    bad = VALID.replace("  agree: {phrases: [好的, 可以]}\n", twice)
    with pytest.raises(ScriptLoadError) as err:
        parse_script(bad, "s.yaml")
    assert err.value.problems[0].line == 20 and "duplicate" in err.value.problems[0].message


def test_yes_no_keys_are_caught() -> None:
    bad = VALID.replace("  agree: {phrases: [好的, 可以]}", "  yes: {phrases: [好的, 可以]}")
    with pytest.raises(ScriptLoadError) as err:
        parse_script(bad, "s.yaml")
    assert "quote it" in err.value.problems[0].message


def test_not_a_mapping() -> None:
    with pytest.raises(ScriptLoadError):
        parse_script("- just\n- a list\n", "s.yaml")


def test_missing_file() -> None:
    with pytest.raises(NotFound):
        load_script("/nonexistent/script.yaml")


def test_find_shipped_scripts() -> None:
    assert find_script("points_reminder", "ko-KR").name == "points_reminder.ko-KR.yaml"
    for sid, lang in [
        ("points_reminder", "zh-CN"),
        ("points_reminder", "en-US"),
        ("wealth_followup", "zh-CN"),
        ("dormant_reactivation", "zh-CN"),
    ]:
        s = load_script(find_script(sid, lang))
        assert (s.id, s.language) == (sid, lang)
    with pytest.raises(NotFound):
        find_script("points_reminder", "fr-FR")


def test_shipped_file_names_match_metadata() -> None:
    paths = list(shipped_scripts())
    assert len(paths) == 5
    for p in paths:
        s = load_script(p)
        assert p.name == f"{s.id}.{s.language}.yaml"


@pytest.mark.parametrize(
    ("script_id", "language"),
    [("../../tests/x", "zh-CN"), ("points_reminder", "../zh-CN"), ("/etc/passwd", "zh")],
)
def test_an_id_that_is_not_an_identifier_is_never_a_path(script_id: str, language: str) -> None:
    with pytest.raises(NotFound):
        find_script(script_id, language)


def test_a_relative_id_does_not_reach_a_file_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "elsewhere.zh-CN.yaml").write_text("metadata: {}\n", encoding="utf-8")
    sneaky = os.path.relpath(tmp_path / "elsewhere", SCRIPTS_DIR)
    with pytest.raises(NotFound):
        find_script(sneaky, "zh-CN")
