"""Golden conversations: inputs in, a compact trace of the engine's actions out.

Each file in golden/ holds conversations for one shipped script: the customer row, the
turns (text, or <silence>, <dtmf N>, <accept>, <decline>, <handback [state]>, <hangup>,
<timeout>, <conf 0.3 text>), the disposition written by hand, and the recorded trace per
turn. ``TAILCALL_UPDATE_GOLDEN=1 pytest tests/dialogue/test_golden.py`` re-records traces
(review the diff!); hand-written dispositions are never rewritten.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dialogue import engine as e

NOW = datetime(2026, 1, 7, 2, 0, tzinfo=UTC)  # Wednesday


def event_for(turn: str) -> e.Event:
    if turn == "<silence>":
        return e.NoInput()
    if turn.startswith("<") and turn.endswith(">"):
        cmd, _, arg = turn[1:-1].partition(" ")
        if cmd == "dtmf":
            return e.Dtmf(arg)
        if cmd == "accept":
            return e.HandoffAccepted(arg or "agent-1")
        if cmd == "decline":
            return e.HandoffDeclined()
        if cmd == "handback":
            return e.AgentHandBack(arg or None)
        if cmd == "hangup":
            return e.CustomerHangup()
        if cmd == "timeout":
            return e.Timeout()
        if cmd == "conf":
            conf, _, text = arg.partition(" ")
            return e.Utterance(text, float(conf))
        raise ValueError(f"unknown turn {turn!r}")
    return e.Utterance(turn)


def token(a: e.Action) -> str | None:
    if isinstance(a, e.Say):
        return f"say:{a.prompt_id}" + ("+bridging" if a.bridging else "")
    if isinstance(a, e.ExpectPhrases):
        return "listen:free" if a.free_decoding else None
    if isinstance(a, e.Transition):
        return f"to:{a.to_state}({a.intent})"
    if isinstance(a, e.Signal):
        return f"signal:{a.name}"
    if isinstance(a, e.CaptureSlot):
        value = a.value.isoformat() if isinstance(a.value, datetime) else str(a.value)
        return f"slot:{a.name}={value}"
    if isinstance(a, e.OfferHandoff):
        return f"offer:{a.reason}/{a.skill}"
    if isinstance(a, e.EndCall):
        return f"end:{a.disposition}" + ("/customer" if a.by_customer else "")
    raise AssertionError(a)


def trace(actions: list[e.Action]) -> list[str]:
    return [t for t in map(token, actions) if t is not None]


def run(script: Any, conv: dict[str, Any]) -> tuple[list[list[str]], e.ScriptEngine]:
    eng = e.ScriptEngine(
        script,
        conv.get("customer", {}),
        variant=conv.get("variant"),
        clock_now=NOW,
        timezone=conv.get("timezone"),
    )
    traces = [trace(eng.start())]
    for turn in conv["turns"]:
        traces.append(trace(eng.handle(event_for(turn))))
    return traces, eng
