"""Free agents from the database: what any dialer process paces by."""

from __future__ import annotations

from datetime import timedelta

from handoff.capacity import DatabaseAgentCapacity, PresenceBeat
from handoff.models import HandoffRequestRow, Offer
from handoff.state import build_console
from kernel.clock import VirtualClock
from kernel.db import Database
from kernel.settings import Settings
from tests.handoff.conftest import add_user


async def test_only_agents_with_a_confirmed_console_count(settings: Settings, db: Database) -> None:
    clock = VirtualClock()
    ann = add_user(db, "ann", skills=("wealth",), status="available")
    bob = add_user(db, "bob", skills=("cards",), status="available")
    add_user(db, "cat", skills=("wealth",), status="away")
    console = build_console(settings, db, clock=clock)
    cap = DatabaseAgentCapacity(db, clock, stale_s=10)
    beat = PresenceBeat(db, console.desk, clock, owner="console-a")
    # available in the table, but no console process holds their console: not free
    assert cap.free_agents(None) == 0
    console.desk.console_connected(ann)
    console.desk.console_connected(bob)
    assert beat.beat() == 2
    assert cap.free_agents(None) == 2
    assert cap.free_agents("wealth") == 1 and cap.free_agents("cards") == 1
    # a console closed: the next beat drops its row
    console.desk.console_disconnected(bob)
    beat.beat()
    assert cap.free_agents("cards") == 0 and cap.free_agents(None) == 1
    await console.service.close()


def test_a_dead_console_process_stops_counting_once_stale(settings: Settings, db: Database) -> None:
    clock = VirtualClock()
    ann = add_user(db, "ann", skills=("wealth",), status="available")
    console = build_console(settings, db, clock=clock)
    console.desk.console_connected(ann)
    PresenceBeat(db, console.desk, clock).beat()
    cap = DatabaseAgentCapacity(db, clock, stale_s=10)
    clock.advance(9)
    assert cap.free_agents("wealth") == 1
    clock.advance(2)  # no beat since: that process is gone
    assert cap.free_agents("wealth") == 0


def test_ringing_and_on_call_agents_are_not_free(settings: Settings, db: Database) -> None:
    clock = VirtualClock()
    ann = add_user(db, "ann", status="available")
    bob = add_user(db, "bob", status="on_call")
    console = build_console(settings, db, clock=clock)
    for a in (ann, bob):
        console.desk.console_connected(a)
    beat = PresenceBeat(db, console.desk, clock)
    beat.beat()
    cap = DatabaseAgentCapacity(db, clock)
    assert cap.free_agents(None) == 1
    # ann is ringing: an offer row for her is live
    with db.session() as s:
        row = HandoffRequestRow(
            call_sid="CA1", score=80, grade="A", state="s", requested_at=clock.now()
        )
        s.add(row)
        s.flush()
        s.add(
            Offer(
                request_id=row.id,
                call_sid="CA1",
                agent_id=ann,
                offered_at=clock.now(),
                deadline=clock.now() + timedelta(seconds=15),
            )
        )
    assert cap.free_agents(None) == 0
    beat.forget()
