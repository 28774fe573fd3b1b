"""The dial loop with a fake carrier: intent before dial, crash recovery, pacing, re-checks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from dialer.campaigns import outcomes, service
from dialer.campaigns.models import Attempt, SkipRecord
from dialer.campaigns.pacing import FixedAgentCapacity, PacingConfig
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import CarrierError, InMemoryCarrier
from dialer.lists.models import Suppression
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from kernel.errors import Conflict, InvalidInput
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


class Crash(BaseException):
    """Stands for the process dying (kill -9) at a precise point."""


class CrashingCarrier(InMemoryCarrier):
    """Dies before or after the carrier accepted the call, once."""

    def __init__(self, clock: VirtualClock, when: str) -> None:
        super().__init__(now=clock.now)
        self.when = when

    def originate(
        self,
        to: str,
        from_: str,
        stream_url: str,
        status_callback_url: str,
        custom_parameters: Mapping[str, str],
    ) -> str:
        if self.when == "before":
            self.when = ""
            raise Crash()
        sid = super().originate(to, from_, stream_url, status_callback_url, custom_parameters)
        if self.when == "after":
            self.when = ""
            raise Crash()
        return sid


def _campaign(db: Database, n: int, clock: VirtualClock, **kw: object) -> int:
    with db.session() as s:
        custs = add_customers(s, n)
        cl = add_list(s, custs)
        c = service.create_campaign(
            s, make_spec([cl.id], **kw), clock.now(), by=Actor.system("test")
        )
        service.start_campaign(
            s, c.id, clock.now(), fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        return c.id


def _statuses(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            k: int(v)
            for k, v in s.execute(
                select(Attempt.status, func.count()).group_by(Attempt.status)
            ).all()
        }


def test_intent_is_committed_before_the_carrier_is_asked(db: Database) -> None:
    clock = VirtualClock(T0)
    seen: list[str] = []

    class Checking(InMemoryCarrier):
        def originate(
            self,
            to: str,
            from_: str,
            stream_url: str,
            status_callback_url: str,
            custom_parameters: Mapping[str, str],
        ) -> str:
            with db.read() as s:  # another connection: sees only committed rows
                a = s.get(Attempt, int(custom_parameters["attemptId"]))
                assert a is not None
                seen.append(a.status)
            assert stream_url.endswith("/media/ws") and stream_url.startswith("ws://")
            assert "attempt_id=" in status_callback_url
            assert set(custom_parameters) == {
                "attemptId",
                "campaignId",
                "scriptId",
                "language",
                "variant",
                "token",
            }
            return super().originate(to, from_, stream_url, status_callback_url, custom_parameters)

    _campaign(db, 3, clock)
    d = Dialer(db, db.settings, fast_settings(), Checking(now=clock.now), clock=clock)
    assert d.tick().dialed == 3
    assert seen == ["dialing"] * 3
    with db.read() as s:
        assert all(a.carrier_sid for a in s.scalars(select(Attempt)))


@pytest.mark.parametrize("when", ["before", "after"])
def test_crash_around_originate_never_redials_blindly(db: Database, when: str) -> None:
    _crash_around_originate(db, when)


@pytest.mark.pg
@pytest.mark.parametrize("when", ["before", "after"])
def test_crash_around_originate_postgres(pg_db: Database, when: str) -> None:
    _crash_around_originate(pg_db, when)


def _crash_around_originate(db: Database, when: str) -> None:
    clock = VirtualClock(T0)
    carrier = CrashingCarrier(clock, when)
    ds = fast_settings()
    _campaign(db, 1, clock)
    with pytest.raises(Crash):
        Dialer(db, db.settings, ds, carrier, clock=clock, worker_id="w1").tick()
    assert _statuses(db) == {"dialing": 1}
    survivor = Dialer(db, db.settings, ds, carrier, clock=clock, worker_id="w2")
    survivor.tick()
    assert len(carrier.calls) == (1 if when == "after" else 0)  # lease not yet expired
    clock.advance(ds.lease_s + 1)
    survivor.tick()
    survivor.tick()
    assert len(carrier.calls) == 1, "exactly one call was ever placed"
    with db.read() as s:
        rows = s.scalars(select(Attempt).order_by(Attempt.id)).all()
    if when == "before":  # the carrier never got it: requeued at once, dialed once
        assert [(a.status, a.outcome) for a in rows] == [("ended", "not_dialed"), ("dialing", None)]
    else:  # the carrier got it: adopted, not redialed
        assert [(a.status, a.carrier_sid is not None) for a in rows] == [("dialing", True)]


def test_unreconcilable_attempts_go_to_review(db: Database) -> None:
    clock = VirtualClock(T0)
    ds = fast_settings()
    carrier = InMemoryCarrier(now=clock.now)
    _campaign(db, 1, clock)
    d = Dialer(db, db.settings, ds, carrier, clock=clock)
    d.tick()
    carrier.calls.clear()  # the carrier lost track of the call
    clock.advance(ds.ring_timeout_s + 1)
    d.tick()
    assert _statuses(db) == {"review": 1}
    # A customer in review is not dialed by anyone (live uniqueness).
    assert d.tick().dialed == 0


def test_carrier_down_is_not_a_dial(db: Database) -> None:
    clock = VirtualClock(T0)
    ds = fast_settings(carrier_down_backoff_s=30)
    carrier = InMemoryCarrier(now=clock.now)
    carrier.fail_next = CarrierError("refused", ambiguous=False)
    _campaign(db, 1, clock)
    d = Dialer(db, db.settings, ds, carrier, clock=clock)
    d.tick()
    assert _statuses(db) == {"ended": 1, "queued": 1}
    clock.advance(31)
    d.tick()
    assert _statuses(db) == {"ended": 1, "dialing": 1}
    assert len(carrier.calls) == 1


def test_concurrency_cap_and_callbacks_free_lines(db: Database) -> None:
    clock = VirtualClock(T0)
    ds = fast_settings()
    carrier = InMemoryCarrier(now=clock.now)
    _campaign(db, 10, clock, pacing=PacingConfig(max_concurrent=3, calls_per_second=100))
    d = Dialer(db, db.settings, ds, carrier, clock=clock)
    d.tick()
    d.tick()
    assert carrier.active() == 3
    first = next(iter(carrier.calls))
    carrier.set_status(first, "completed", answered_by="human", duration_s=42)
    with db.session() as s:
        outcomes.apply_carrier_status(
            s,
            now=clock.now(),
            settings=ds,
            default_tz="UTC",
            sid=first,
            status="in-progress",
            answered_by="human",
        )
        outcomes.apply_carrier_status(
            s,
            now=clock.now(),
            settings=ds,
            default_tz="UTC",
            sid=first,
            status="completed",
            duration_s=42,
        )
        a = s.scalar(select(Attempt).where(Attempt.carrier_sid == first))
        assert a is not None
        assert (a.status, a.outcome, a.answered_by, a.duration_s) == (
            "ended",
            "answered",
            "human",
            42,
        )
        # A late, out-of-order report changes nothing.
        outcomes.apply_carrier_status(
            s, now=clock.now(), settings=ds, default_tz="UTC", sid=first, status="ringing"
        )
        assert a.status == "ended"
    d.tick()
    assert carrier.active() == 3 and len(carrier.calls) == 4
    assert carrier.max_active == 3


def test_global_lines_cap_across_campaigns(db: Database) -> None:
    clock = VirtualClock(T0)
    ds = fast_settings(lines=4)
    carrier = InMemoryCarrier(now=clock.now)
    with db.session() as s:
        for k in range(2):
            custs = add_customers(s, 5, start=k * 100)
            cl = add_list(s, custs, name=f"l{k}")
            c = service.create_campaign(s, make_spec([cl.id]), clock.now(), by=Actor.system("test"))
            service.start_campaign(s, c.id, clock.now(), ds, "UTC", by=Actor.system("test"))
    d = Dialer(db, db.settings, ds, carrier, clock=clock)
    d.tick()
    d.tick()
    assert carrier.active() == 4


def test_calls_per_second(db: Database) -> None:
    clock = VirtualClock(T0)
    carrier = InMemoryCarrier(now=clock.now)
    _campaign(db, 20, clock, pacing=PacingConfig(max_concurrent=100, calls_per_second=2))
    d = Dialer(db, db.settings, fast_settings(), carrier, clock=clock)
    d.tick()
    d.tick()
    assert len(carrier.calls) == 2
    clock.advance(1.0)
    d.tick()
    assert len(carrier.calls) == 4


def test_handoff_aware_pacing_holds_dials_to_free_agents(db: Database) -> None:
    clock = VirtualClock(T0)
    carrier = InMemoryCarrier(now=clock.now)
    agents = FixedAgentCapacity(0)
    pacing = PacingConfig(
        max_concurrent=100, calls_per_second=1000, prior_answer_rate=0.5, prior_handoff_rate=0.5
    )
    _campaign(db, 20, clock, pacing=pacing, live_handoff=True)
    d = Dialer(db, db.settings, fast_settings(), carrier, clock=clock, agents=agents)
    d.tick()
    assert len(carrier.calls) == 0, "no free agent: no dials"
    agents.free = 2  # 0.5 x 0.5 x calls <= 2  ->  8 calls
    d.tick()
    d.tick()
    assert len(carrier.calls) == 8


def test_eligibility_is_rechecked_at_claim_time(db: Database) -> None:
    clock = VirtualClock(T0)
    carrier = InMemoryCarrier(now=clock.now)
    _campaign(db, 2, clock)
    with db.session() as s:  # opted out after the campaign was built
        s.add(Suppression(kind="dnc", phone_e164="+8613800000000", source="test"))
    d = Dialer(db, db.settings, fast_settings(), carrier, clock=clock)
    d.tick()
    assert len(carrier.calls) == 1
    with db.read() as s:
        skips = s.scalars(select(SkipRecord)).all()
        assert [(k.reason, k.final) for k in skips] == [("dnc", True)]
    assert _statuses(db) == {"skipped": 1, "dialing": 1}


def test_pause_and_cancel(db: Database) -> None:
    clock = VirtualClock(T0)
    carrier = InMemoryCarrier(now=clock.now)
    cid = _campaign(db, 5, clock, pacing=PacingConfig(max_concurrent=2, calls_per_second=100))
    d = Dialer(db, db.settings, fast_settings(), carrier, clock=clock)
    d.tick()
    with db.session() as s:
        service.pause_campaign(s, cid, clock.now(), by=Actor.system("test"))
    for sid in list(carrier.calls):
        with db.session() as s:
            outcomes.apply_carrier_status(
                s,
                now=clock.now(),
                settings=fast_settings(),
                default_tz="UTC",
                sid=sid,
                status="completed",
            )
    d.tick()
    assert len(carrier.calls) == 2, "paused: live calls finished, no new dials"
    with db.session() as s:
        service.resume_campaign(s, cid, clock.now(), by=Actor.system("test"))
    d.tick()
    assert len(carrier.calls) == 4
    with db.session() as s:
        n = service.cancel_campaign(
            s, cid, clock.now(), "budget exhausted", by=Actor.system("test")
        )
    assert n >= 1
    with db.read() as s:
        cancelled = s.scalars(select(Attempt).where(Attempt.status == "cancelled")).all()
        assert cancelled and all(a.end_reason == "budget exhausted" for a in cancelled)


def test_review_is_resolved_by_a_supervisor(db: Database) -> None:
    clock = VirtualClock(T0)
    ds = fast_settings()
    carrier = InMemoryCarrier(now=clock.now)
    _campaign(db, 1, clock)
    d = Dialer(db, db.settings, ds, carrier, clock=clock)
    d.tick()
    carrier.calls.clear()
    clock.advance(ds.ring_timeout_s + 1)
    d.tick()
    with db.session() as s:
        a = s.scalars(select(Attempt)).one()
        assert a.status == "review"
        with pytest.raises(InvalidInput):
            outcomes.resolve_review(s, a.id, "maybe", clock.now(), default_tz="UTC")
        nxt = outcomes.resolve_review(s, a.id, "busy", clock.now(), default_tz="UTC")
        assert nxt is not None and nxt.status == "queued" and a.outcome == "busy"
        with pytest.raises(Conflict):
            outcomes.resolve_review(s, a.id, "busy", clock.now(), default_tz="UTC")


def test_pipeline_answer_class_wins(db: Database) -> None:
    clock = VirtualClock(T0)
    ds = fast_settings()
    carrier = InMemoryCarrier(now=clock.now)
    _campaign(db, 1, clock)
    Dialer(db, db.settings, ds, carrier, clock=clock).tick()
    sid = next(iter(carrier.calls))
    with db.session() as s:
        outcomes.apply_carrier_status(
            s,
            now=clock.now(),
            settings=ds,
            default_tz="UTC",
            sid=sid,
            status="in-progress",
            answered_by="unknown",
        )
        a = s.scalars(select(Attempt)).one()
        outcomes.record_answer_class(s, a.id, "announcement")
        outcomes.record_disposition(s, a.id, "no_interest")
        outcomes.apply_carrier_status(
            s,
            now=clock.now(),
            settings=ds,
            default_tz="UTC",
            sid=sid,
            status="completed",
            duration_s=9,
        )
        assert (a.outcome, a.answered_by, a.disposition) == (
            "announcement",
            "announcement",
            "no_interest",
        )
        assert a.answered_at is not None and a.ended_at is not None


def test_a_lease_about_to_expire_is_not_dialed(db: Database) -> None:
    clock = VirtualClock(T0)
    ds = fast_settings()
    carrier = InMemoryCarrier(now=clock.now)
    _campaign(db, 1, clock)
    d = Dialer(db, db.settings, ds, carrier, clock=clock)
    (attempt_id,) = d.claim_due()
    clock.advance(ds.lease_s * 0.75)  # the worker stalled after claiming
    assert d.dial(attempt_id) == "deferred"
    assert len(carrier.calls) == 0
    assert d.tick().dialed == 1
