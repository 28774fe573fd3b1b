"""The scorer as the driver's turn observer: requests, handoff results, the call's result."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from dialogue.engine import (
    HandoffAccepted,
    HandoffDeclined,
    NoInput,
    ScriptEngine,
    Utterance,
)
from dialogue.intent.live import CallResult, CallScoring, recognized_intent
from dialogue.intent.model import GradeThresholds
from dialogue.intent.model_files import default_model
from dialogue.intent.scorer import HandoffRequest, IntentScorer
from kernel.clock import VirtualClock
from scripts.loader import find_script, load_script

T0 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def _call(live: float = 75.0) -> tuple[ScriptEngine, CallScoring, list[CallResult]]:
    script = load_script(find_script("points_reminder", "zh-CN"))
    engine = ScriptEngine(script, {"name": "王芳", "points": 12000}, clock_now=T0)
    scorer = IntentScorer(
        default_model(script.id, script),
        script,
        thresholds=GradeThresholds(live=live),
        call_sid="CA1",
        customer_id=7,
    )
    results: list[CallResult] = []
    scoring = CallScoring(scorer, VirtualClock(T0), on_finished=results.append)
    return engine, scoring, results


def test_each_turn_is_scored_and_the_result_has_grade_and_turns() -> None:
    engine, scoring, results = _call(live=100.0)  # no live request in this call
    assert scoring.observe(engine, None, engine.start(), barge_in=False) is None
    for text in ("是我", "想了解", "怎么兑换"):
        ev = Utterance(text, 0.9)
        scoring.observe(engine, ev, engine.handle(ev), barge_in=False)
    ev2 = NoInput()
    scoring.observe(engine, ev2, engine.handle(ev2), barge_in=False)
    assert scoring.scorer.last is not None and scoring.scorer.last.turn == 3
    scoring.finished(engine, "completed")
    scoring.finished(engine, "completed")  # once only
    assert len(results) == 1
    r = results[0]
    assert r.disposition == "completed" and r.grade in ("A", "B", "C", "D")
    assert r.score is not None and 0 <= r.score <= 100 and r.reasons
    assert [t for t, _ in r.turns] == ["是我", "想了解", "怎么兑换"]
    assert [i for _, i in r.turns] == ["confirm_identity", "agree", "how_to"]
    # the script offers guidance by an agent after "how to redeem": one request
    assert [q.trigger for q in scoring.requests] == ["script"]
    assert r.handoff_requested_at == T0 and r.handoff_result is None


def test_a_request_goes_to_the_hook_with_a_feed_back_to_the_engine() -> None:
    engine, scoring, results = _call()
    routed: list[HandoffRequest] = []
    fed: list[object] = []

    async def feed(event: object) -> None:
        fed.append(event)

    async def route(req: HandoffRequest, back: object) -> None:
        routed.append(req)
        await feed(HandoffAccepted("agent-1"))

    scoring.on_request = route
    scoring.bind(feed)
    scoring.observe(engine, None, engine.start(), barge_in=False)
    ev = Utterance("转人工", 0.95)
    later = scoring.observe(engine, ev, engine.handle(ev), barge_in=False)
    assert later is not None  # the script offered a handoff: routed in the background
    asyncio.run(later)  # type: ignore[arg-type]
    assert routed and routed[0].trigger == "script" and routed[0].call_sid == "CA1"
    assert fed == [HandoffAccepted("agent-1")]
    acc = HandoffAccepted("agent-1")
    scoring.observe(engine, acc, engine.handle(acc), barge_in=False)
    scoring.finished(engine, "handed_off")
    assert results[0].handoff_result == "accepted"
    assert results[0].handoff_requested_at == T0


def test_a_declined_handoff_is_the_result_unless_accepted() -> None:
    engine, scoring, results = _call()
    scoring.observe(engine, None, engine.start(), barge_in=False)
    ev = HandoffDeclined()
    scoring.observe(engine, ev, engine.handle(ev), barge_in=False)
    scoring.finished(engine, "x")
    assert results[0].handoff_result == "declined"


def test_recognized_intent_of_actions() -> None:
    script = load_script(find_script("points_reminder", "zh-CN"))
    engine = ScriptEngine(script, {}, clock_now=T0)
    engine.start()
    assert recognized_intent(engine.handle(Utterance("是我", 0.9))) == "confirm_identity"
    assert recognized_intent(engine.handle(Utterance("怎么兑换", 0.9))) == "how_to"
    assert recognized_intent(engine.handle(Utterance("", 0.0))) is None
