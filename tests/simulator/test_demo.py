"""The live demo's simulated world: personas by number, the customer feed, simulated
overflow agents, and persona customers talking to a live agent."""

from __future__ import annotations

import asyncio
import csv
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from dialer.campaigns.models import Attempt
from dialer.campaigns.service import create_campaign, start_campaign
from dialer.campaigns.spec import AudienceFilter, AudienceSpec
from dialer.lists.models import Customer
from dialer.lists.phones import PhoneNormalizer
from dialogue.intent.scorer import HandoffRequest, Reason
from handoff.models import Agent, HandoffRequestRow
from handoff.settings import HandoffSettings
from handoff.state import build_console
from kernel.actors import Actor
from kernel.db import Database
from simulator.demo import DEMO_TAG, CustomerFeed, DemoPersonas, SimulatedAgents, write_batch
from simulator.personas import PersonaPolicy, load_personas
from tests.dialer.conftest import fast_settings, make_spec
from tests.handoff.conftest import add_user


def test_every_number_has_the_same_persona_on_every_run() -> None:
    personas, again = DemoPersonas(), DemoPersonas()  # again: a restart
    numbers = [f"+82100000{i:04d}" for i in range(400)]
    grades = Counter(personas[n].grade for n in numbers)
    assert [personas[n].id for n in numbers] == [again[n].id for n in numbers]
    assert grades["A"] > grades["B"] > grades["D"] > 0  # keen customers are common


def test_a_persona_talks_to_a_live_agent_by_its_grade() -> None:
    every = load_personas()
    keen = PersonaPolicy(every["interested"], "ko-KR", seed=1, call_key="x")
    said = [keen.agent_reply() for _ in range(4)]
    assert [r.intent for r in said] == ["ask_how", "yes", "yes", "bye"]
    assert said[-1].hangup and said[-1].text  # says goodbye, then hangs up
    hostile = PersonaPolicy(every["hostile"], "ko-KR", seed=1, call_key="x")
    assert [hostile.agent_reply().intent for _ in range(2)] == ["no", "bye"]


def test_the_feed_tops_up_the_running_campaign(db: Database) -> None:
    now = datetime.now(UTC)
    spec = make_spec(
        [],
        script_id="points_reminder",
        language="ko-KR",
        audience=AudienceSpec(filter=AudienceFilter(tags_all=[DEMO_TAG])),
    )
    with db.session() as s:
        cid = create_campaign(s, spec, now, by=Actor.system("test")).id
    feed = CustomerFeed(
        db, db.settings, fast_settings(), cid, DemoPersonas(), "points_reminder", batch=4
    )
    feed.import_batch()
    with db.session() as s:
        assert (
            start_campaign(
                s, cid, now, fast_settings(), "Asia/Seoul", by=Actor.system("test")
            ).queued
            == 4
        )
    assert feed.top_up() == 4  # fewer than low_water (6) due: four more
    feed.low_water = 1
    assert feed.top_up() == 0
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 8
        c = s.scalar(select(Customer).limit(1))
        assert c is not None and DEMO_TAG in c.tags and "segment" in c.attributes


async def test_a_simulated_agent_takes_only_what_the_person_let_ring(db: Database) -> None:
    person = add_user(db, "ann", skills=("points",), status="available")
    sim = add_user(db, "sim-1", skills=("points",), status="available")
    with db.session() as s:
        agent = s.get(Agent, sim)
        assert agent is not None
        agent.overflow = True
    console = build_console(
        db.settings, db, settings=HandoffSettings(offer_timeout_s=0.3, max_offers=3)
    )
    service = console.service
    agents = SimulatedAgents(
        service, [sim], accept_after_s=(0.05, 0.1), lines=(), bridging_s=0, wrap_up_s=0.05
    )
    stop = asyncio.Event()
    running = asyncio.create_task(agents.run(stop))
    try:
        seen = service.bus.subscribe(person, "agent")
        req = HandoffRequest(
            call_sid="CA-demo",
            customer_id=None,
            score=0.9,
            grade="A",
            reasons=(Reason("interested", "有兴趣", "interested", 1.0),),
            skill="points",
            state="transfer_agent",
            requested_at=datetime.now(UTC),
        )
        rid = await service.request_handoff(req)
        first = await asyncio.wait_for(seen.queue.get(), 2)
        assert first is not None and first.kind == "offer"  # the person was alerted first
        for _ in range(100):  # the person lets it ring; the simulated agent takes it
            await asyncio.sleep(0.05)
            with db.read() as s:
                row = s.get(HandoffRequestRow, rid)
                if row is not None and row.outcome == "ended":
                    break
        assert row is not None and row.outcome == "ended" and agents.taken == 1
        assert "simulated" in (row.notes or "")
    finally:
        stop.set()
        await running
        await service.close()


async def test_simulated_agents_count_as_free_for_every_dial_loop(db: Database) -> None:
    """Nobody is logged in: the demo still dials, because its simulated agents' consoles are
    open in the serving process and confirmed in the database like a person's."""
    from handoff.capacity import DatabaseAgentCapacity, PresenceBeat

    sim = add_user(db, "sim-1", skills=("points",), status="available")
    console = build_console(db.settings, db, settings=HandoffSettings())
    agents = SimulatedAgents(console.service, [sim], lines=(), bridging_s=0, wrap_up_s=0.05)
    capacity = DatabaseAgentCapacity(db)
    assert capacity.free_agents("points") == 0
    stop = asyncio.Event()
    running = asyncio.create_task(agents.run(stop))
    try:
        await asyncio.sleep(0.1)
        PresenceBeat(db, console.desk).beat()
        assert capacity.free_agents("points") == 1
    finally:
        stop.set()
        await running
        await console.service.close()


def test_every_demo_customer_has_a_number_the_import_takes(tmp_path: Path) -> None:
    """phonenumbers refuses some 010 ranges: a batch with one such number queued one
    customer fewer (the feed's top-up came out 3 instead of 4)."""
    phones = PhoneNormalizer("KR")
    path = tmp_path / "batch.csv"
    for batch in range(300):
        write_batch(path, batch, 4)
        with path.open(encoding="utf-8") as f:
            numbers = [row[2] for row in list(csv.reader(f))[1:]]
        assert len(numbers) == 4
        assert all(phones.normalize(n).ok for n in numbers), (batch, numbers)
