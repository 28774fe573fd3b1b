"""The script engine: events in, actions out."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.engine import (
    Action,
    AgentHandBack,
    CaptureSlot,
    CustomerHangup,
    Dtmf,
    EndCall,
    Event,
    ExpectPhrases,
    HandoffAccepted,
    HandoffDeclined,
    NoInput,
    OfferHandoff,
    Say,
    ScriptEngine,
    Signal,
    Timeout,
    Transition,
    Utterance,
)
from scripts.loader import find_script, load_script, parse_script

NOW = datetime(2026, 1, 7, 2, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parents[1] / "scripts" / "fixtures"
POINTS = load_script(find_script("points_reminder", "zh-CN"))


def engine(**kw: object) -> ScriptEngine:
    customer = kw.pop("customer", {"name": "张伟", "points": "12800"})
    return ScriptEngine(POINTS, customer, clock_now=NOW, **kw)  # type: ignore[arg-type]


def started(e: ScriptEngine) -> list[Action]:
    """Start the call and confirm the customer's identity: the actions from there on
    (the first question after the identity check)."""
    e.start()
    return e.handle(Utterance("是我"))


def test_start_says_opening_without_barge_in_and_asks_who_answered() -> None:
    e = engine()
    actions = e.start()
    assert isinstance(actions[0], Say) and not actions[0].interruptible
    assert actions[0].text.startswith("您好，我是安和银行的智能语音助手小安")
    assert "张伟" not in actions[0].text  # nothing personal before the identity check
    assert actions[1] == Transition("opening", "identity", "next")
    assert isinstance(actions[2], Say) and actions[2].text == "请问您是张伟本人吗？"
    assert e.state == "identity"
    actions = e.handle(Utterance("对，是我"))
    assert actions[0] == Transition("identity", "points_info", "confirm_identity")
    assert isinstance(actions[1], Say) and "12800积分" in actions[1].text
    expect = actions[2]
    assert isinstance(expect, ExpectPhrases) and not expect.free_decoding
    own = POINTS.all_phrases("points_info")
    assert expect.phrases[: len(own)] == own  # then the grammar widened from the fit set
    assert len(expect.phrases) > len(own)
    assert "不要再打了" in expect.phrases and "转人工" in expect.phrases
    assert expect.no_input_timeout_s == 6.0
    assert e.state == "points_info" and not e.ended


@pytest.mark.parametrize(
    ("said", "state"),
    [("我是他老婆，他不在", "end_relative"), ("你打错了", "end_wrong_person")],
)
def test_a_relative_or_a_wrong_number_hears_nothing_personal(said: str, state: str) -> None:
    e = engine()
    e.start()
    actions = e.handle(Utterance(said))
    assert e.ended and e.state == state
    assert not any("12800" in a.text for a in actions if isinstance(a, Say))


def test_fallbacks_fill_missing_columns() -> None:
    e = engine(customer={"name": "  ", "points": None})
    texts = [a.text for a in e.start() if isinstance(a, Say)]
    assert texts[1] == "请问您是机主本人吗？"
    assert "一部分积分" in next(a.text for a in e.handle(Utterance("是我")) if isinstance(a, Say))


def test_number_format_groups_digits_in_english() -> None:
    s = load_script(find_script("points_reminder", "en-US"))
    e = ScriptEngine(s, {"points": "12800"}, clock_now=NOW)
    texts = [a.text for a in e.start() if isinstance(a, Say)]
    assert texts[1] == "Am I speaking with the account holder?"
    texts = [a.text for a in e.handle(Utterance("yes speaking")) if isinstance(a, Say)]
    assert "12,800 reward points" in texts[0]


def test_variant_prompt() -> None:
    e = engine(variant="B")
    says = [a for a in started(e) if isinstance(a, Say)]
    assert says[0].prompt_id == "points_info#B"
    e = engine(variant="C")  # no such variant: default prompt
    assert next(a for a in started(e) if isinstance(a, Say)).prompt_id == "points_info"


def test_transition_emits_signals_first() -> None:
    e = engine()
    started(e)
    actions = e.handle(Utterance("怎么兑换呢"))
    assert actions[:2] == [
        Signal("asked_how_to_redeem", 1.0),
        Transition("points_info", "explain_redeem", "how_to"),
    ]
    assert e.signals == ("asked_how_to_redeem",)
    assert e.handoff_allowed and e.handoff_skill == "points"


def test_alternatives_are_used() -> None:
    e = engine()
    started(e)
    actions = e.handle(Utterance("天气", alternatives=("不需要",)))
    assert Transition("points_info", "end_declined", "decline") in actions


def test_no_input_reprompts_then_falls_back() -> None:
    e = engine()
    started(e)
    first = e.handle(NoInput())
    assert [a.prompt_id for a in first if isinstance(a, Say)] == [
        "points_info.no_input",
        "points_info.reprompt",
    ]
    assert isinstance(first[-1], ExpectPhrases)
    e.handle(NoInput())
    last = e.handle(NoInput())
    assert Transition("points_info", "end_no_response", "no_input") in last
    assert last[-1] == EndCall("no_response") and e.ended and e.disposition == "no_response"
    assert e.handle(Utterance("好的")) == []


def test_counters_reset_on_new_state() -> None:
    e = engine()
    started(e)
    e.handle(NoInput())
    e.handle(NoInput())
    e.handle(Utterance("好的"))  # -> explain_redeem
    actions = e.handle(NoInput())
    assert not any(isinstance(a, EndCall) for a in actions)


def test_low_confidence_is_no_match() -> None:
    e = engine()
    started(e)
    actions = e.handle(Utterance("好的", confidence=0.3))
    assert actions[0].prompt_id == "points_info.no_match"  # type: ignore[union-attr]


def test_dtmf() -> None:
    e = engine()
    started(e)
    assert Transition("points_info", "explain_redeem", "agree") in e.handle(Dtmf("1"))
    assert e.handle(Dtmf("7"))[0].prompt_id == "explain_redeem.no_match"  # type: ignore[union-attr]
    assert e.handle(Dtmf("9"))[-1] == EndCall("opted_out")


def test_robot_answer_discloses_and_resumes() -> None:
    e = engine()
    started(e)
    actions = e.handle(Utterance("你是机器人吗"))
    answer = actions[0]
    assert isinstance(answer, Say) and "自动语音电话" in answer.text and not answer.interruptible
    assert e.state == "points_info"
    assert isinstance(actions[-1], ExpectPhrases)


def test_handoff_accept_bridges_then_ignores_speech_until_hand_back() -> None:
    e = engine()
    started(e)
    e.handle(Utterance("好的"))
    actions = e.handle(Utterance("要"))
    assert OfferHandoff("wants_guidance", "points") in actions
    (bridge,) = e.handle(HandoffAccepted("agent-9"))
    assert isinstance(bridge, Say) and bridge.bridging and not bridge.interruptible
    assert e.mode == "human"
    assert e.agent_id == "agent-9" and not e.handoff_allowed
    assert e.handle(Utterance("不要再打了")) == []  # the agent handles it
    assert e.handle(NoInput()) == []
    actions = e.handle(AgentHandBack("points_info"))
    assert actions[0] == Transition("transfer_agent", "points_info", "agent_hand_back")
    assert e.state == "points_info" and not e.ended


def test_hand_back_without_target_ends_with_agent_handled_when_no_after_state() -> None:
    e = ScriptEngine(load_script(FIXTURES / "valid.zh-CN.yaml"), {}, clock_now=NOW)
    e.start()
    e.handle(HandoffAccepted("a"))  # the scorer offered at a plain state
    assert e.handle(AgentHandBack()) == [EndCall("agent_handled")]


def test_hand_back_to_unknown_state_is_refused() -> None:
    e = engine()
    started(e)
    e.handle(HandoffAccepted("a"))
    with pytest.raises(ValueError):
        e.handle(AgentHandBack("nowhere"))


def test_declined_offer_at_plain_state_carries_on() -> None:
    e = engine()
    started(e)
    assert e.handle(HandoffDeclined()) == []
    assert e.state == "points_info"


def test_busy_with_time_captures_slot_at_once() -> None:
    e = engine()
    started(e)
    actions = e.handle(Utterance("我在开车，后天晚上7点半再打"))
    cap = next(a for a in actions if isinstance(a, CaptureSlot))
    assert cap.name == "callback_time" and cap.text == "后天晚上7点半"
    assert cap.value == datetime.fromisoformat("2026-01-09T19:30:00+08:00")
    say = [a for a in actions if isinstance(a, Say)][-1]
    assert "后天晚上7点半再联系您" in say.text
    assert e.slots == {"callback_time": cap.value} and e.disposition == "callback"


def test_capture_state_uses_free_decoding_and_global_intents_still_work() -> None:
    e = engine()
    started(e)
    actions = e.handle(Utterance("在忙"))
    assert isinstance(actions[-1], ExpectPhrases) and actions[-1].free_decoding
    assert "在忙" not in actions[-1].phrases
    assert e.handle(Utterance("别再打了"))[-1] == EndCall("opted_out")


def test_capture_state_local_transition() -> None:
    e = engine()
    started(e)
    e.handle(Utterance("没空"))
    assert e.handle(Utterance("算了不用了"))[-1] == EndCall("not_interested")


def test_hangup_and_timeout() -> None:
    e = engine()
    started(e)
    assert e.handle(CustomerHangup()) == [EndCall("hung_up", by_customer=True)]
    assert e.handle(NoInput()) == []
    e = engine()
    started(e)
    e.handle(HandoffAccepted("a"))
    assert e.handle(CustomerHangup()) == [EndCall("agent_handled", by_customer=True)]
    e = engine()
    started(e)
    assert e.handle(Timeout()) == [EndCall("timeout")]


def test_must_start_once() -> None:
    e = engine()
    with pytest.raises(RuntimeError):
        e.handle(NoInput())
    e.start()
    with pytest.raises(RuntimeError):
        e.start()


def test_refuses_broken_scripts_and_naive_time() -> None:
    bad = load_script(FIXTURES / "undefined_state.yaml")
    with pytest.raises(ValueError, match="end_maybe"):
        ScriptEngine(bad, {}, clock_now=NOW)
    with pytest.raises(ValueError):
        ScriptEngine(POINTS, {}, clock_now=datetime(2026, 1, 7))


def test_next_loop_is_detected() -> None:
    text = (FIXTURES / "valid.zh-CN.yaml").read_text(encoding="utf-8")
    looped = text.replace("    next: ask\n", "    next: opening\n")
    e = ScriptEngine(parse_script(looped, "loop.yaml"), {}, clock_now=NOW)
    with pytest.raises(RuntimeError, match="without input"):
        e.start()


def test_deterministic() -> None:
    turns: list[Event] = [
        Utterance("怎么换"),
        NoInput(),
        Utterance("好的"),
        HandoffDeclined(),
        Utterance("行"),
    ]

    def run() -> list[object]:
        e = engine()
        out: list[object] = list(started(e))
        for t in turns:
            out += e.handle(t)
        return out

    assert run() == run()


EVENTS: st.SearchStrategy[Event] = st.one_of(
    st.builds(Utterance, st.text(max_size=20), st.floats(0, 1)),
    st.builds(Utterance, st.sampled_from(list(POINTS.grammar_vocabulary()))),
    st.just(NoInput()),
    st.builds(Dtmf, st.sampled_from(list("0123456789*#"))),
    st.builds(HandoffAccepted, st.just("a1")),
    st.just(HandoffDeclined()),
    st.builds(AgentHandBack, st.sampled_from([None, "points_info", "explain_redeem"])),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(EVENTS, max_size=25))
def test_never_crashes_and_always_ends_cleanly(events: list[Event]) -> None:
    e = engine()
    e.start()
    for ev in events:
        actions = e.handle(ev)
        if any(isinstance(a, EndCall) for a in actions):
            assert e.ended and isinstance(actions[-1], EndCall)
        if not e.ended and e.mode == "bot" and actions and not isinstance(ev, HandoffDeclined):
            assert isinstance(actions[-1], ExpectPhrases | Say)
    assert e.state in POINTS.states


def test_no_need_to_call_back_declines_the_callback_not_opting_out() -> None:
    e = engine()
    started(e)
    e.handle(Utterance("我现在在开车"))
    assert e.state == "ask_callback"
    e.handle(Utterance("不用再打了，我自己去网点"))
    assert (e.disposition, "opted_out" in e.signals) == ("not_interested", False)
