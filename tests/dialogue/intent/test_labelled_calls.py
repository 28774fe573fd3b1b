"""Labelled-call formats and their replay through the real engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dialogue.intent.labelled_calls import parse_line, read_jsonl, replay
from dialogue.intent.model_files import default_model
from kernel.errors import InvalidInput

MODEL = default_model("points_reminder")


def line(**kw: object) -> str:
    base: dict[str, object] = {"script": "points_reminder", "language": "zh-CN", "label": "A"}
    base.update(kw)
    return json.dumps(base, ensure_ascii=False)


def test_replay_format_drives_the_real_engine() -> None:
    call = parse_line(line(utterances=["是我", "好的", "好的", "可以"]), "f:1")
    res = replay(call, MODEL)
    states = [u.state for u in res.updates]
    # start, agree -> explain_redeem, agree -> transfer_agent (offer declined: no agent in
    # a replay) -> agent_busy, agree -> end_follow_up
    assert states == [
        "identity",
        "points_info",
        "explain_redeem",
        "transfer_agent",
        "agent_busy",
        "end_follow_up",
    ]
    assert res.disposition == "follow_up"
    assert res.features["signal:wants_guidance"] == 1
    assert res.handoff_requests >= 1


def test_silence_not_understood_and_hangup() -> None:
    call = parse_line(
        line(utterances=["是我", None, "", {"text": "不需要", "barge_in": True}]), "f:1"
    )
    res = replay(call, MODEL)
    assert res.features["conv:silences"] == 1
    assert res.features["conv:no_match"] == 1
    assert res.features["conv:interruptions"] == 1
    assert res.disposition == "not_interested"
    hung = replay(parse_line(line(utterances=["是我", "好的"]), "f:2"), MODEL)
    assert hung.disposition == "hung_up"  # utterances ran out: the customer hung up


def test_full_format_replays_customer_turns_with_timings() -> None:
    turns = [
        {"speaker": "bot", "text": "您好", "start_s": 0, "end_s": 8},
        {"speaker": "customer", "text": "是我", "start_s": 8.5, "end_s": 9},
        {"speaker": "customer", "text": "好的", "start_s": 9, "end_s": 10},
        {"speaker": "customer", "event": "no_input"},
        {"speaker": "customer", "text": "不用了", "start_s": 20, "end_s": 21.5},
    ]
    call = parse_line(line(turns=turns), "f:1")
    assert [u if u is None else getattr(u, "text", u) for u in call.utterances] == [
        "是我",
        "好的",
        None,
        "不用了",
    ]
    res = replay(call, MODEL)
    assert res.disposition == "self_service"


def test_utterances_after_the_end_are_ignored() -> None:
    res = replay(parse_line(line(utterances=["是我", "不需要", "好的", "好的"]), "f:1"), MODEL)
    assert res.disposition == "not_interested"
    assert res.final.turn == 2


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("{not json", "calls.jsonl:2"),
        ('["a list"]', "calls.jsonl:2"),
        (line(), "calls.jsonl:2"),
        (line(utterances=["好的"], label="E"), "calls.jsonl:2: label"),
        (line(utterances=[{"text": "好", "confidence": 2}]), "calls.jsonl:2: utterances.0"),
        (line(utterances=["好"], profile={"star_level": 9}), "calls.jsonl:2: profile.star_level"),
        (line(turns=[{"speaker": "robot"}]), "calls.jsonl:2: turns.0.speaker"),
        (line(utterances=["好"], colour="red"), "calls.jsonl:2: colour"),
    ],
)
def test_bad_lines_name_the_line_and_field(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text(line(utterances=["好的"]) + "\n" + text + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        read_jsonl(path)
    assert str(err.value).startswith(where)


def test_missing_label_is_named(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    path.write_text(
        "\n"
        + json.dumps({"script": "points_reminder", "language": "zh-CN", "utterances": []})
        + "\n"
    )
    with pytest.raises(InvalidInput, match=r"calls.jsonl:2: label"):
        read_jsonl(path)
    assert read_jsonl(path, need_label=False)[0].label is None


def test_unknown_script_is_an_error() -> None:
    call = parse_line(line(script="nope", utterances=[]), "f:1")
    with pytest.raises(Exception, match="no shipped script"):
        replay(call, MODEL)
