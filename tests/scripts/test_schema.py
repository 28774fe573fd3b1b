"""The script model: JSON Schema file, phrase helpers, retry rules."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from scripts.loader import find_script, load_script, shipped_scripts
from scripts.schema import SCHEMA_PATH, json_schema

FIXTURES = Path(__file__).parent / "fixtures"


def test_schema_file_is_current() -> None:
    """scripts/script.schema.json is generated: `tailcall scripts schema -o` rewrites it."""
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == json_schema()


def test_shipped_scripts_validate_against_json_schema() -> None:
    schema = json_schema()
    for p in shipped_scripts():
        jsonschema.validate(yaml.safe_load(p.read_text(encoding="utf-8")), schema)


def test_json_schema_rejects_unknown_field() -> None:
    data = yaml.safe_load((FIXTURES / "schema.yaml").read_text(encoding="utf-8"))
    try:
        jsonschema.validate(data, json_schema())
    except jsonschema.ValidationError:
        return
    raise AssertionError("the schema accepted a misspelt field")


def test_all_phrases_has_state_then_global_phrases() -> None:
    s = load_script(FIXTURES / "valid.zh-CN.yaml")
    phrases = s.all_phrases("ask")
    assert phrases[:4] == ("好的", "可以", "不用了", "不需要")
    assert {"别再打了", "投诉", "转人工", "打错了", "机器人", "在忙"} <= set(phrases)
    # disabled globals are not listened for
    assert "在忙" not in s.all_phrases("ask_callback")
    assert s.free_decoding("ask_callback") and not s.free_decoding("ask")


def test_korean_capture_state_uses_a_grammar() -> None:
    s = load_script(find_script("points_reminder", "ko-KR"))
    assert not s.free_decoding("ask_callback")
    assert "내일 오후 세 시" in s.all_phrases("ask_callback")
    assert "그렇 습니다" not in s.grammar_vocabulary()  # sanity: only declared phrases
    assert "좋 습니다" in s.grammar_vocabulary()


def test_retry_falls_back_to_defaults_field_by_field() -> None:
    s = load_script(find_script("points_reminder", "zh-CN"))
    r = s.retry("transfer_agent", "no_input")
    assert (r.max, r.then) == (3, "agent_busy")
    r = s.retry("ask_callback", "no_input")
    assert (r.max, r.then) == (2, "end_no_response")
    r = s.retry("ask_callback", "no_match")
    assert (r.max, r.then, r.prompt) == (2, "end_callback_unknown", "不好意思，没听清具体时间。")


def test_texts_cover_every_prompt_and_variants() -> None:
    s = load_script(find_script("points_reminder", "zh-CN"))
    paths = {t.path for t in s.texts()}
    assert ("states", "points_info", "variants", "B") in paths
    assert ("global_intents", "is_robot", "answer") in paths
    assert ("states", "transfer_agent", "handoff", "bridging") in paths
    assert s.variant_names() == ("B",)
