"""A live call's services on a real database: the attempt's customer, the campaign's
scorer, handoff routing, and the outcome written when the call ends."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from crm_sync.models import Lead
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.service import create_campaign, start_campaign
from dialer.lists.models import Suppression
from dialogue.engine import CustomerHangup, HandoffDeclined, ScriptEngine, Utterance
from dialogue.intent.live import CallScoring, Feed
from dialogue.intent.scorer import HandoffRequest, ScoreUpdate
from dialogue.speech.pipeline import CallInfo
from dialogue.speech.script_brain import ScriptBrainFactory
from handoff.models import HandoffRequestRow
from handoff.state import build_console
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from kernel.settings import Settings
from tailcall.live_calls import ConsoleRouter, LiveCallServices
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def _attempt(db: Database, **spec: object) -> int:
    with db.session() as s:
        customers = add_customers(s, 1, star_level=4, points=12000)
        customers[0].name = "王芳"
        cl = add_list(s, customers)
        c = create_campaign(
            s,
            make_spec([cl.id], script_id="points_reminder", language="zh-CN", **spec),
            NOW,
            by=Actor.system("test"),
        )
        start_campaign(s, c.id, NOW, fast_settings(), "Asia/Shanghai", by=Actor.system("test"))
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.status, a.answered_at = "in_progress", NOW
        return a.id


class Routed:
    def __init__(self) -> None:
        self.requests: list[HandoffRequest] = []
        self.updates: list[tuple[str, ScoreUpdate]] = []

    def score_update(self, call_sid: str, update: ScoreUpdate) -> None:
        self.updates.append((call_sid, update))

    async def route(self, req: HandoffRequest, feed: Feed) -> None:
        self.requests.append(req)
        await feed(HandoffDeclined())


def _run_turns(setup_brain: ScriptEngine, observer: CallScoring, texts: list[str]) -> str:
    """The turns through engine and observer; returns what the bot said first."""
    opening = setup_brain.start()
    observer.observe(setup_brain, None, opening, barge_in=False)
    for text in texts:
        ev = Utterance(text, 0.9)
        later = observer.observe(setup_brain, ev, setup_brain.handle(ev), barge_in=False)
        if later is not None:
            asyncio.run(later)  # type: ignore[arg-type]
    return " ".join(str(getattr(a, "text", "")) for a in opening)


def _wait(cond: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(cond) and cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_dialer_call_gets_its_customer_scorer_and_outcome(db: Database) -> None:
    aid = _attempt(db, live_handoff=True, thresholds={"live_handoff": 0.6, "follow_up": 0.4})
    router = Routed()
    services = LiveCallServices(db, clock=VirtualClock(NOW), router=router)
    factory = ScriptBrainFactory(default_language="zh-CN", services=services)
    info = CallInfo.from_parameters(
        "CA1", "MZ1", {"attemptId": str(aid), "scriptId": "points_reminder"}
    )
    setup = factory(info)
    engine = setup.brain
    assert isinstance(engine, ScriptEngine) and isinstance(setup.observer, CallScoring)
    observer = setup.observer
    assert observer.scorer.thresholds.live == 60.0 and observer.scorer.thresholds.b == 40.0
    fed: list[object] = []

    async def feed(event: object) -> None:
        fed.append(event)

    observer.bind(feed)
    said = _run_turns(engine, observer, ["是我", "想了解", "怎么兑换"])
    assert "王芳" in said  # the customer came from the attempt, not the stream
    assert router.requests and router.requests[0].customer_id is not None
    # the router's answer to each request (the score's, then the script's offer after
    # "怎么兑换") went back to the engine
    assert fed == [HandoffDeclined()] * len(router.requests)
    # every turn's score went to the router too (the agent's card follows the call)
    assert [sid for sid, _ in router.updates] == ["CA1"] * 4
    assert router.updates[-1][1].score == router.requests[-1].score
    observer.observe(engine, fed[0], engine.handle(fed[0]), barge_in=False)
    observer.finished(engine, engine.disposition or "customer_hangup")

    def recorded() -> bool:
        with db.read() as s:
            a = s.get(Attempt, aid)
            return a is not None and a.handoff_requested_at is not None
        return False

    _wait(recorded)
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None and a.answered_by == "human"
        leads = list(s.scalars(select(Lead).where(Lead.attempt_id == aid)))
    grade = observer.result.grade if observer.result else None
    assert (len(leads) > 0) == (grade in ("A", "B"))


def test_no_live_handoff_campaign_keeps_score_requests_local(db: Database) -> None:
    aid = _attempt(db, live_handoff=False, thresholds={"live_handoff": 0.05})
    router = Routed()
    services = LiveCallServices(db, clock=VirtualClock(NOW), router=router)
    setup = ScriptBrainFactory(default_language="zh-CN", services=services)(
        CallInfo.from_parameters(
            "CA2", "MZ2", {"attemptId": str(aid), "scriptId": "points_reminder"}
        )
    )
    assert isinstance(setup.brain, ScriptEngine) and isinstance(setup.observer, CallScoring)
    setup.observer.bind(_no_feed)
    _run_turns(setup.brain, setup.observer, ["是我", "好的"])
    assert setup.observer.requests  # the scorer asked ...
    assert all(r.trigger == "script" for r in router.requests)  # ... only script offers left


async def _no_feed(_event: object) -> None:
    return None


def test_a_stream_without_an_attempt_is_not_scored(db: Database) -> None:
    services = LiveCallServices(db, router=ConsoleRouter(None))
    setup = ScriptBrainFactory(default_language="zh-CN", services=services)(
        CallInfo.from_parameters("CA3", "MZ3", {"scriptId": "points_reminder"})
    )
    assert setup.observer is None


def test_console_router_routes_to_the_handoff_service(db: Database, settings: Settings) -> None:
    aid = _attempt(db, live_handoff=True)
    with db.read() as s:
        cust = s.get(Attempt, aid)
        assert cust is not None
        customer_id = cust.customer_id

    async def go() -> None:
        console = build_console(settings, db, clock=VirtualClock(NOW))
        try:
            req = HandoffRequest(
                call_sid="CA4",
                customer_id=customer_id,
                score=88.0,
                grade="A",
                reasons=(),
                skill="points",
                state="points_info",
                requested_at=NOW,
            )
            await ConsoleRouter(console.service).route(req, _no_feed)
        finally:
            await console.service.close()

    asyncio.run(go())
    with db.read() as s:
        row = s.scalar(select(HandoffRequestRow).where(HandoffRequestRow.call_sid == "CA4"))
        assert row is not None and row.score == 88.0 and row.skill == "points"


def test_console_router_without_a_console_declines_script_offers() -> None:
    fed: list[object] = []

    async def feed(event: object) -> None:
        fed.append(event)

    base = dict(
        call_sid="CA5",
        customer_id=None,
        score=10.0,
        grade="D",
        reasons=(),
        skill=None,
        state="s",
        requested_at=NOW,
    )
    asyncio.run(ConsoleRouter(None).route(HandoffRequest(**base, trigger="script"), feed))  # type: ignore[arg-type]
    asyncio.run(ConsoleRouter(None).route(HandoffRequest(**base, trigger="score"), feed))  # type: ignore[arg-type]
    assert fed == [HandoffDeclined()]


def test_campaign_language_is_stored(db: Database) -> None:
    aid = _attempt(db)
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        c = s.get(Campaign, a.campaign_id)
        assert c is not None and c.language == "zh-CN"


@pytest.mark.parametrize(
    ("said", "state"),
    [
        (["你们以后别给我来电了，谢谢"], "end_opt_out"),  # at the identity question
        (["是我", "再打过来我就投诉你们"], "complaint_handoff"),  # the complaint is handled too
    ],
)
def test_an_opt_out_in_any_wording_suppresses_the_customer(
    db: Database, said: list[str], state: str
) -> None:
    aid = _attempt(db)
    services = LiveCallServices(db, clock=VirtualClock(NOW), router=Routed())
    factory = ScriptBrainFactory(default_language="zh-CN", services=services)
    info = CallInfo.from_parameters(
        "CA2", "MZ2", {"attemptId": str(aid), "scriptId": "points_reminder"}
    )
    setup = factory(info)
    engine, observer = setup.brain, setup.observer
    assert isinstance(engine, ScriptEngine) and isinstance(observer, CallScoring)
    _run_turns(engine, observer, said)
    assert engine.state == state and "opted_out" in engine.signals
    engine.handle(CustomerHangup())
    observer.finished(engine, engine.disposition or "customer_hangup")

    def suppressed() -> bool:
        with db.read() as s:
            return s.scalar(select(Suppression).where(Suppression.kind == "opt_out")) is not None

    _wait(suppressed)
