"""The handoff service on virtual time: offers, timeouts, races, fallback, takeover, drops."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dialogue.engine import AgentHandBack, HandoffAccepted, HandoffDeclined
from dialogue.intent.scorer import HandoffRequest, Reason
from dialogue.speech.gates import InputGate, OutputGate, TakeoverSwitch
from handoff.live import LiveCall
from handoff.models import Agent, ConsoleEvent, FollowUpTask, HandoffRequestRow, Offer
from handoff.settings import HandoffSettings
from handoff.state import Console, build_console
from kernel.clock import VirtualClock
from kernel.db import Base, Database
from kernel.errors import Conflict, InvalidInput
from tests.handoff.conftest import add_user

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


async def settle(n: int = 30) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


def request(call_sid: str = "CA1", skill: str | None = "wealth", **kw: object) -> HandoffRequest:
    return HandoffRequest(
        call_sid=call_sid,
        customer_id=None,
        score=0.91,
        grade="A",
        reasons=(Reason("asked_rate", "询问收益率", "asked about the rate"),),
        skill=skill,
        state="offer",
        requested_at=T0,
        **kw,  # type: ignore[arg-type]
    )


class RecordingOutputGate(OutputGate):
    def __init__(self) -> None:
        super().__init__()
        self.agent_frames: list[bytes] = []

    async def push_agent_audio(self, pcm: bytes, sample_rate: int) -> None:
        self.agent_frames.append(pcm)


class FakeControl:
    """A call's control surface with the real gates; engine events and lines recorded."""

    def __init__(self) -> None:
        self.out = RecordingOutputGate()
        self._switch = TakeoverSwitch(InputGate(), self.out)
        self.events: list[object] = []
        self.said: list[str] = []
        self.ended: list[str] = []
        self.bot_speaking = False

    @property
    def switch(self) -> TakeoverSwitch:
        return self._switch

    async def engine_event(self, event: object) -> bool:
        self.events.append(event)
        return False

    async def say(self, text: str) -> None:
        self.said.append(text)

    async def end(self, disposition: str) -> None:
        self.ended.append(disposition)


@pytest.fixture
def console(db: Database) -> Console:
    Base.metadata.create_all(db.engine)
    clock = VirtualClock(T0)
    return build_console(
        db.settings,
        db,
        settings=HandoffSettings(cookie_secure=False, offer_timeout_s=15, grace_s=10, max_offers=3),
        clock=clock,
    )


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def any_console(request: pytest.FixtureRequest) -> Console:
    """The console on SQLite and on PostgreSQL."""
    db: Database = request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")
    Base.metadata.create_all(db.engine)
    return build_console(
        db.settings,
        db,
        settings=HandoffSettings(cookie_secure=False, offer_timeout_s=15, grace_s=10, max_offers=3),
        clock=VirtualClock(T0),
    )


def _clock(c: Console) -> VirtualClock:
    assert isinstance(c.clock, VirtualClock)
    return c.clock


def _agents(c: Console) -> tuple[int, int, int]:
    a = add_user(
        c.db, "ann", skills=("wealth",), status="available", idle_since=T0 - timedelta(hours=1)
    )
    b = add_user(
        c.db, "bob", skills=("wealth",), status="available", idle_since=T0 - timedelta(minutes=5)
    )
    p = add_user(
        c.db, "pat", skills=("points",), status="available", idle_since=T0 - timedelta(hours=2)
    )
    return a, b, p


def _offers(c: Console) -> list[tuple[int, str]]:
    with c.db.read() as s:
        return [(o.agent_id, o.status) for o in s.scalars(select(Offer).order_by(Offer.id))]


async def test_offer_goes_to_longest_idle_then_times_out_to_next(any_console: Console) -> None:
    console = any_console
    a, b, _p = _agents(console)
    sub_a, sub_b = console.bus.subscribe(a, "agent"), console.bus.subscribe(b, "agent")
    assert console.desk.free_agents("wealth") == 2
    rid = await console.service.request_handoff(request())
    assert _offers(console) == [(a, "offered")]
    assert console.desk.free_agents("wealth") == 1  # ringing agents are not free
    ev = sub_a.queue.get_nowait()
    assert ev is not None and ev.kind == "offer" and ev.payload["request_id"] == rid
    assert ev.payload["reasons"][0]["text_en"] == "asked about the rate"
    assert sub_b.queue.empty()

    _clock(console).advance(14.9)
    await settle()
    assert _offers(console) == [(a, "offered")]
    _clock(console).advance(0.2)
    await settle()
    assert _offers(console) == [(a, "timed_out"), (b, "offered")]
    kinds = [e.kind for e in _drain(sub_a)]
    assert "offer_withdrawn" in kinds

    await console.service.accept(b, rid)
    assert _offers(console)[-1] == (b, "accepted")
    with console.db.read() as s:
        assert s.get(Agent, b).status == "on_call"  # type: ignore[union-attr]
        assert s.get(HandoffRequestRow, rid).outcome == "accepted"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        await console.service.accept(a, rid)


def _drain(sub: object) -> list[object]:
    out = []
    q = sub.queue  # type: ignore[attr-defined]
    while not q.empty():
        out.append(q.get_nowait())
    return out


async def test_nobody_takes_it_bot_carries_on_and_follow_up_is_created(console: Console) -> None:
    a, b, _ = _agents(console)
    control = FakeControl()
    console.registry.register(LiveCall("CA1", control))
    callback = T0 + timedelta(days=1)
    rid = await console.service.request_handoff(request(callback_at=callback))
    await console.service.decline(a, rid)
    assert _offers(console) == [(a, "declined"), (b, "offered")]
    _clock(console).advance(15)
    await settle()
    assert _offers(console) == [(a, "declined"), (b, "timed_out")]
    assert isinstance(control.events[-1], HandoffDeclined)
    with console.db.read() as s:
        task = s.scalars(select(FollowUpTask)).one()
        assert task.callback_at == callback and task.reason == "asked_rate" and task.grade == "A"
        assert s.get(HandoffRequestRow, rid).outcome == "fallback"  # type: ignore[union-attr]


async def test_no_agent_with_the_skill_falls_back_at_once(console: Console) -> None:
    _agents(console)
    await console.service.request_handoff(request(skill="fx"))
    assert _offers(console) == []
    with console.db.read() as s:
        task = s.scalars(select(FollowUpTask)).one()
    assert task.callback_at == T0 + timedelta(seconds=console.settings.follow_up_delay_s)


@pytest.mark.parametrize("click_first", [True, False])
@pytest.mark.parametrize(("offset", "expect"), [(-0.001, "won"), (0.0, "lost")])
async def test_accept_racing_the_timeout_never_gives_two_agents_the_call(
    any_console: Console, click_first: bool, offset: float, expect: str
) -> None:
    console = any_console
    a, b, _ = _agents(console)
    rid = await console.service.request_handoff(request())
    _clock(console).advance(15 + offset)  # the click arrives just before / at the deadline

    async def click() -> str:
        try:
            await console.service.accept(a, rid)
            return "won"
        except Conflict:
            return "lost"

    async def timer() -> str:
        await settle()
        return "timer"

    first, second = (click, timer) if click_first else (timer, click)
    results = await asyncio.gather(first(), second())
    await settle()
    assert expect in results
    live = [o for o in _offers(console) if o[1] in ("offered", "accepted")]
    assert live == ([(a, "accepted")] if expect == "won" else [(b, "offered")])


def _offers_for(c: Console, sid: str) -> list[tuple[int, str]]:
    with c.db.read() as s:
        return [
            (o.agent_id, o.status)
            for o in s.scalars(select(Offer).where(Offer.call_sid == sid).order_by(Offer.id))
        ]


def _two_live_offers(db: Database) -> None:
    Base.metadata.create_all(db.engine)
    a = add_user(db, "ann")
    b = add_user(db, "bob")
    with db.session() as s:
        row = HandoffRequestRow(call_sid="CA1", score=1, grade="A", state="x", requested_at=T0)
        s.add(row)
        s.flush()
        rid = row.id
        s.add(
            Offer(
                request_id=rid,
                call_sid="CA1",
                agent_id=a,
                offered_at=T0,
                deadline=T0,
                status="accepted",
            )
        )
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(Offer(request_id=rid, call_sid="CA1", agent_id=b, offered_at=T0, deadline=T0))
    with pytest.raises(IntegrityError), db.session() as s:  # one agent, one live offer
        s.add(Offer(request_id=rid, call_sid="CA2", agent_id=a, offered_at=T0, deadline=T0))
    with db.session() as s:  # finished offers do not count
        s.add(
            Offer(
                request_id=rid,
                call_sid="CA1",
                agent_id=b,
                offered_at=T0,
                deadline=T0,
                status="declined",
            )
        )


def test_database_refuses_a_second_live_offer_sqlite(db: Database) -> None:
    _two_live_offers(db)


@pytest.mark.pg
def test_database_refuses_a_second_live_offer_pg(pg_db: Database) -> None:
    _two_live_offers(pg_db)


async def test_takeover_hand_back_and_agent_audio(console: Console) -> None:
    a, _b, _ = _agents(console)
    control = FakeControl()
    console.registry.register(LiveCall("CA1", control))
    rid = await console.service.request_handoff(
        request(script_id="points_reminder", language="zh-CN")
    )
    await console.service.accept(a, rid)
    await asyncio.sleep(0.05)
    assert control.events == [HandoffAccepted(str(a))]
    assert control.switch.input.mode == "human" and control.switch.output.mode == "human"
    await console.service.agent_audio_in(a, b"\x10\x00" * 320)  # 20 ms at 16 kHz
    assert len(control.out.agent_frames) == 1 and len(control.out.agent_frames[0]) == 320
    with pytest.raises(InvalidInput):  # not a state of the call's script: the agent keeps it
        await console.service.hand_back(a, "CA1", "offer")
    assert control.switch.mode == "human"
    await console.service.hand_back(a, "CA1", "explain_redeem")
    assert control.switch.mode == "bot" and control.events[-1] == AgentHandBack("explain_redeem")
    with console.db.read() as s:
        assert s.get(Agent, a).status == "wrap_up"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        await console.service.hand_back(a, "CA1", None)


async def test_end_call_with_disposition(console: Console) -> None:
    a, _b, _ = _agents(console)
    control = FakeControl()
    console.registry.register(LiveCall("CA1", control))
    rid = await console.service.request_handoff(request())
    await console.service.accept(a, rid)
    await console.service.end_call(a, "CA1", "sale", "wants the 3-year product")
    assert control.ended == ["sale"]
    with console.db.read() as s:
        row = s.get(HandoffRequestRow, rid)
        assert (
            row is not None
            and row.disposition == "sale"
            and row.notes == "wants the 3-year product"
        )


async def test_agent_drop_holds_the_customer_then_reoffers_then_hands_back(
    console: Console,
) -> None:
    a, b, _ = _agents(console)
    control = FakeControl()
    console.registry.register(LiveCall("CA1", control))
    rid = await console.service.request_handoff(request())
    await console.service.accept(a, rid)
    await asyncio.sleep(0.05)
    console.service.agent_audio_dropped(a)
    await settle()
    assert control.said == [console.service.holding_line]
    assert control.switch.output.mode == "bot" and control.switch.input.mode == "human"
    assert control.ended == []  # never hung up on
    await console.service.agent_audio_in(a, b"\x10\x00" * 320)
    assert control.out.agent_frames == []  # nobody talks over the holding line

    # back within the grace: the agent has the call again
    console.service.agent_audio_connected(a)
    await asyncio.sleep(0.05)
    assert control.switch.output.mode == "human"

    # dropped again and gone past the grace: offered to the next agent
    console.service.agent_audio_dropped(a)
    await settle()
    _clock(console).advance(10)
    await settle()
    assert _offers(console)[-1] == (b, "offered")
    # nobody takes it: the bot resumes at the state where the handoff was asked
    _clock(console).advance(15)
    await settle()
    await asyncio.sleep(0.05)
    assert control.events[-1] == AgentHandBack("offer")
    assert control.switch.mode == "bot"
    with console.db.read() as s:
        assert s.get(Agent, a).status == "offline"  # type: ignore[union-attr]


async def test_customer_hangup_withdraws_the_offer(console: Console) -> None:
    a, _b, _ = _agents(console)
    console.registry.register(LiveCall("CA1", FakeControl()))
    await console.service.request_handoff(request())
    console.registry.unregister("CA1")
    await settle()
    assert _offers(console) == [(a, "cancelled")]


async def test_supervisor_floor_shows_ringing_and_on_call_agents(console: Console) -> None:
    a, _b, _ = _agents(console)
    sup = console.bus.subscribe(999, "supervisor")
    console.registry.register(LiveCall("CA1", FakeControl()))
    rid = await console.service.request_handoff(request())
    await asyncio.sleep(0.25)  # floor changes are coalesced
    floors = [e for e in _drain(sup) if e.kind == "floor"]  # type: ignore[attr-defined]
    assert floors and all(e.seq is None for e in floors)  # broadcasts, not stored
    agent = next(x for x in floors[-1].payload["agents"] if x["agent_id"] == a)  # type: ignore[attr-defined]
    assert agent["ringing"] is True
    (row,) = [c for f in floors for c in f.payload.get("calls", [])][-1:]  # type: ignore[attr-defined]
    assert row["id"] == "CA1" and row["mode"] == "bot" and row["handoff"] == "offered"
    (queued,) = floors[-1].payload["queue"]  # type: ignore[attr-defined]
    assert queued["phase"] == "offered" and queued["offered_to"] == "Ann"
    await console.service.accept(a, rid)
    await asyncio.sleep(0.05)
    board = console.service.board()
    assert next(x for x in board["agents"] if x["agent_id"] == a)["status"] == "on_call"
    assert board["calls"][0]["mode"] == "human" and board["calls"][0]["agent"] == "Ann"
    assert board["queue"] == [] and board["counters"][0]["human"] == 1
    assert board["calls"][0]["simulated_agent"] is False
    with console.db.session() as s:  # an overflow agent is named as simulated on the floor
        s.get(Agent, a).overflow = True  # type: ignore[union-attr]
    console.service.floor.touch(agents=True)
    assert console.service.board()["calls"][0]["simulated_agent"] is True
    console.registry.unregister("CA1")
    await asyncio.sleep(0.25)
    gone = [e for e in _drain(sup) if e.kind == "floor" and e.payload.get("gone")]  # type: ignore[attr-defined]
    assert gone and gone[-1].payload["gone"] == ["CA1"]  # type: ignore[attr-defined]


async def test_presence_rules(console: Console) -> None:
    a, _b, _ = _agents(console)
    console.desk.set_presence(a, "away")
    assert console.desk.free_agents("wealth") == 1
    console.desk.set_presence(a, "available")
    with console.db.session() as s:
        s.get(Agent, a).status = "on_call"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        console.desk.set_presence(a, "available")  # only ending the call leaves on_call


async def test_closed_console_goes_offline_after_the_grace_not_on_a_reload(
    console: Console,
) -> None:
    a, _b, _ = _agents(console)
    console.desk.console_connected(a)
    console.desk.console_disconnected(a)  # a reload...
    console.desk.console_connected(a)  # ...comes back within the grace
    _clock(console).advance(10)
    await settle()
    with console.db.read() as s:
        assert s.get(Agent, a).status == "available"  # type: ignore[union-attr]
    console.desk.console_disconnected(a)  # closed for good
    _clock(console).advance(10)
    await settle()
    with console.db.read() as s:
        assert s.get(Agent, a).status == "offline"  # type: ignore[union-attr]
    assert console.desk.free_agents("wealth") == 1


async def test_restart_closes_offers_left_open_by_a_crash(console: Console) -> None:
    a, _b, _ = _agents(console)
    rid = await console.service.request_handoff(request())
    await console.service.accept(a, rid)
    await console.service.close()
    again = build_console(
        console.app_settings, console.db, settings=console.settings, clock=console.clock
    )
    assert _offers(again) == [(a, "cancelled")]
    with again.db.read() as s:
        assert s.get(Agent, a).status == "wrap_up"  # type: ignore[union-attr]
        assert s.get(HandoffRequestRow, rid).outcome == "interrupted"  # type: ignore[union-attr]
    again.desk.set_presence(a, "available")
    rid2 = await again.service.request_handoff(request("CA1"))  # the same call can be offered again
    assert _offers(again)[-1][1] == "offered" and rid2 != rid


async def test_later_scores_reach_the_agent_holding_the_offer(console: Console) -> None:
    a, _b, _ = _agents(console)
    console.registry.register(LiveCall("CA1", FakeControl()))
    rid = await console.service.request_handoff(request())
    await settle()
    assert _offers(console) == [(a, "offered")]
    later = (Reason("asked_how", "询问办理方式", "asked how to apply"),)
    console.service.score_update("CA1", 0.97, "A", later)
    console.service.score_update("CA1", 0.97, "A", later)  # unchanged: nothing new to show
    console.service.score_update("CA9", 0.5, "B", later)  # no request for that call
    with console.db.read() as s:
        events = list(s.scalars(select(ConsoleEvent).where(ConsoleEvent.kind == "score")))
    assert [(e.user_id, e.payload["request_id"], e.payload["score"]) for e in events] == [
        (a, rid, 0.97)
    ]
    assert events[0].payload["reasons"][0]["code"] == "asked_how"
    card = console.service.offer_card(console.service._active["CA1"])
    assert card["score"] == 0.97 and card["reasons"][0]["code"] == "asked_how"
    with console.db.read() as s:  # the request row keeps the score it was asked with
        row = s.get(HandoffRequestRow, rid)
        assert row is not None and row.score == 0.91
