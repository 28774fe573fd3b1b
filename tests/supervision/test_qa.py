"""Each QA rule fires on a crafted call and stays quiet on its clean twin."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

import pytest

from supervision.qa import Line, QaFacts, check

OPENING = Line("bot", "您好，我是智能语音助手，通话会被录音。", 0.0, 4.0, "opening")
CLEAN = QaFacts(
    lines=(
        OPENING,
        Line("customer", "好的", 4.5, 5.0, "points_info"),
        Line("bot", "本产品不保本，理财有风险。", 5.5, 8.0, "points_info"),
        Line("customer", "我想了解一下", 8.5, 10.0, "points_info"),
        Line("agent", "您好，我来为您介绍", 10.5, 12.0, "handoff"),
    ),
    disclosure_states=frozenset({"opening"}),
    handoff_result="accepted",
    dialed_local=datetime(2026, 12, 3, 10, 30),  # a Thursday
    window_weekdays=(0, 1, 2, 3, 4),
    window_hours=((time(9), time(12)), (time(14), time(20))),
    dials_that_day=1,
    max_dials_per_day=2,
)


def codes(facts: QaFacts) -> list[str]:
    return [f.code for f in check(facts)]


def test_a_clean_call_has_no_flags() -> None:
    assert check(CLEAN) == []


def _with_line(line: Line, **changes: object) -> QaFacts:
    return replace(CLEAN, lines=(*CLEAN.lines, line), **changes)  # type: ignore[arg-type]


# a call for each way each rule fires (tests/supervision/test_flag_text.py reads them too)
FIRING: list[tuple[QaFacts, str]] = [
    (replace(CLEAN, lines=CLEAN.lines[1:]), "disclosure_missing"),
    (_with_line(Line("bot", "这款产品保本保收益", 13, 15)), "blocklisted_promise"),
    (_with_line(Line("agent", "It is a guaranteed return", 13, 15)), "blocklisted_promise"),
    (_with_line(Line("agent", "这个肯定不会亏", 13, 15)), "blocklisted_promise"),
    (_with_line(Line("customer", "以后不要再打电话了", 13, 15)), "opt_out_ignored"),
    (_with_line(Line("customer", "전화하지 마세요", 13, 15)), "opt_out_ignored"),
    (replace(CLEAN, suppressed_before_dial=True), "opt_out_ignored"),
    (replace(CLEAN, dialed_local=datetime(2026, 12, 3, 21, 5)), "outside_window"),
    (replace(CLEAN, dialed_local=datetime(2026, 12, 5, 10, 0)), "outside_window"),
    (replace(CLEAN, dials_that_day=3), "over_cap"),
    (_with_line(Line("customer", "转人工", 13, 14), handoff_result="timeout"), "human_denied"),
    (
        _with_line(Line("customer", "I want a real person", 13, 14), handoff_result=None),
        "human_denied",
    ),
    (_with_line(Line("bot", "请问还在吗", 25, 26)), "long_silence"),
    (
        replace(
            CLEAN,
            lines=(
                *CLEAN.lines,
                Line("customer", "等一下我说完", 12.5, 16.0),
                Line("agent", "好的好的", 13.0, 15.0),
            ),
        ),
        "agent_overlap",
    ),
]


@pytest.mark.parametrize(("facts", "code"), FIRING)
def test_each_rule_fires(facts: QaFacts, code: str) -> None:
    assert code in codes(facts)


@pytest.mark.parametrize(
    "facts",
    [
        # the disclosure played, even though the customer hung up right after it
        replace(CLEAN, lines=(OPENING,)),
        # negated promises are disclaimers
        _with_line(Line("bot", "本产品不保本，并非无风险", 13, 15)),
        # the opt-out was recorded
        _with_line(Line("customer", "不要再打电话了", 13, 15), opted_out=True),
        # "不要" alone is declining the offer, not an opt-out
        _with_line(Line("customer", "不要，谢谢", 13, 15)),
        # inside the afternoon hours; exactly at the cap
        replace(CLEAN, dialed_local=datetime(2026, 12, 3, 19, 59), dials_that_day=2),
        # asked for a person and got one
        _with_line(Line("customer", "转人工", 13, 14)),
        # a pause just under the limit
        _with_line(Line("bot", "请问还在吗", 19.9, 21)),
        # the agent starts after the customer finished, or overlaps only briefly
        replace(
            CLEAN,
            lines=(
                *CLEAN.lines,
                Line("customer", "等一下", 12.5, 13.0),
                Line("agent", "好的", 12.8, 14.0),
            ),
        ),
    ],
)
def test_rules_stay_quiet(facts: QaFacts) -> None:
    assert codes(facts) == []


def test_a_promise_in_other_words_is_flagged_and_a_disclaimer_is_not() -> None:
    from supervision.qa import Line, QaFacts, check

    said = [
        Line("agent", "您放心，肯定不会亏，年化百分之八", 3.0, 6.0),
        Line("bot", "本产品不保本，理财有风险，投资需谨慎", 7.0, 9.0),
    ]
    flags = [f for f in check(QaFacts(lines=said)) if f.code == "blocklisted_promise"]
    assert [f.at_s for f in flags] == [3.0]
    assert "agent" in flags[0].detail


def test_opt_out_ignored_reads_like_the_engine() -> None:
    """The engine's opt-out matcher: a temporary "not today" is not an ignored opt-out,
    a homophone-garbled one is."""
    assert "opt_out_ignored" not in codes(
        _with_line(Line("customer", "今天别打了，改天再打吧", 13, 15))
    )
    assert "opt_out_ignored" in codes(_with_line(Line("customer", "以后别在给我打点话了", 13, 15)))
    # a paraphrase no rule reads, caught by the learned half of the same detector
    assert "opt_out_ignored" in codes(
        _with_line(Line("customer", "请把我加到不呼叫名单里", 13, 15))
    )
