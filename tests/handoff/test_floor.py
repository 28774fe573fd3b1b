"""The live floor's rows (pure): masked customers, who holds a call, the queue, counters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.floor import (
    FloorCall,
    Party,
    RequestFacts,
    call_row,
    counters,
    diff_rows,
    mask_name,
    queue_rows,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NAMES = {7: "Ann"}


def _call(sid: str = "CA1", **kw: object) -> FloorCall:
    base: dict[str, object] = {
        "call_sid": sid,
        "party": Party.of("김민수", "+821012345678", 3, "points spring"),
        "started_at": T0,
        "state": "offer",
        "score": 82.0,
        "grade": "A",
        "mode": "bot",
        "holding": False,
        "agent_id": None,
    }
    return FloorCall(**{**base, **kw})  # type: ignore[arg-type]


def _req(phase: str, sid: str = "CA1", at: datetime = T0) -> RequestFacts:
    return RequestFacts(sid, 11, phase, 7 if phase != "waiting" else None, at, "A", 0.9, 1)


def test_names_and_numbers_are_masked() -> None:
    assert mask_name("张三丰") == "张**" and mask_name("김민수") == "김**"
    assert mask_name("Jane Doe") == "J. D." and mask_name("") == ""
    row = call_row(_call(), None, NAMES)
    assert row["customer"] == "김**" and row["phone"] == "+82101***5678"
    assert "12345678" not in str(row)
    assert row["campaign"] == "points spring" and row["state"] == "offer"


def test_who_holds_the_call() -> None:
    assert call_row(_call(), None, NAMES)["agent"] == ""
    taken = call_row(_call(mode="human", agent_id=7), _req("accepted"), NAMES)
    assert taken["agent"] == "Ann" and taken["mode"] == "human"
    # handed back: the bot has it again, whoever took it before
    assert call_row(_call(agent_id=7), None, NAMES)["agent"] == ""
    sim = call_row(_call(handled_by="sim-agent-001"), None, NAMES)
    assert sim["agent"] == "sim-agent-001" and sim["simulated_agent"] and sim["mode"] == "human"
    overflow = call_row(_call(mode="human", agent_id=7), _req("accepted"), NAMES, {7})
    assert overflow["agent"] == "Ann" and overflow["simulated_agent"]
    assert call_row(_call(score=None, grade=None), _req("offered"), NAMES)["score"] == 90.0


def test_queue_oldest_first_and_counters_per_campaign() -> None:
    calls = {"CA1": _call(), "CA2": _call("CA2", party=Party.of("Lee", None, 4, "cards"))}
    reqs = [_req("offered", "CA1", T0 + timedelta(seconds=5)), _req("waiting", "CA2")]
    queue = queue_rows([*reqs, _req("accepted", "CA3")], calls, NAMES)
    assert [q["id"] for q in queue] == ["CA2", "CA1"]
    assert queue[1]["offered_to"] == "Ann" and queue[0]["offered_to"] == ""
    rows = [call_row(c, None, NAMES) for c in calls.values()]
    by = {c["campaign"]: c for c in counters(rows, queue)}
    assert by["cards"] == {
        "campaign": "cards",
        "live": 1,
        "bot": 1,
        "human": 0,
        "waiting": 1,
        "a": 1,
        "b": 0,
    }


def test_diff_sends_what_changed() -> None:
    a = {"CA1": {"id": "CA1", "state": "x"}, "CA2": {"id": "CA2"}}
    b = {"CA1": {"id": "CA1", "state": "y"}, "CA3": {"id": "CA3"}}
    d = diff_rows(a, b)
    assert [r["id"] for r in d.calls] == ["CA1", "CA3"] and d.gone == ["CA2"]
    assert diff_rows(b, b).empty


def test_a_supervisor_barging_in_is_mixed_into_the_agents_voice() -> None:
    import numpy as np

    from handoff.audio import BargeMixer

    mixer = BargeMixer(cap_ms=200)
    agent = np.full(320, 1000, dtype=np.int16).tobytes()  # 20 ms at 16 kHz
    assert mixer.mix("CA1", agent) == agent  # nobody barging in
    mixer.push("CA1", np.full(480, 30000, dtype=np.int16).tobytes())
    out = np.frombuffer(mixer.mix("CA1", agent), dtype=np.int16)
    assert (out == 31000).all()  # added, sample by sample
    out = np.frombuffer(mixer.mix("CA1", agent), dtype=np.int16)
    assert (out[:160] == 31000).all() and (out[160:] == 1000).all()  # what was left
    mixer.push("CA1", np.full(32000, 30000, dtype=np.int16).tobytes())  # a stall: 2 s
    assert len(mixer._pending["CA1"]) == 200 * 32  # only the last 200 ms is kept
    mixer.push("CA1", np.full(320, 30000, dtype=np.int16).tobytes())
    assert np.frombuffer(mixer.mix("CA1", agent), dtype=np.int16).max() == 31000
    mixer.stop("CA1")
    assert mixer.mix("CA1", agent) == agent
