"""A carrier call id that another attempt already has (a carrier restarted with its id
counter reset) fails that attempt alone, with the reason and its retry rule: the batch's
other attempts are dialed, nothing is left holding a line in ``dialing``."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dialer.campaigns import outcomes, service
from dialer.campaigns.models import Attempt
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import InMemoryCarrier
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def _campaign(db: Database, n: int, start: int, clock: VirtualClock) -> int:
    with db.session() as s:
        cl = add_list(s, add_customers(s, n, start=start))
        c = service.create_campaign(s, make_spec([cl.id]), clock.now(), by=Actor.system("test"))
        service.start_campaign(
            s, c.id, clock.now(), fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        return c.id


def _rows(db: Database, cid: int) -> list[Attempt]:
    with db.read() as s:
        return list(
            s.scalars(select(Attempt).where(Attempt.campaign_id == cid).order_by(Attempt.id))
        )


def test_a_reused_call_id_fails_its_attempt_alone(db: Database) -> None:
    clock = VirtualClock(T0)
    first = _campaign(db, 2, 0, clock)
    before = InMemoryCarrier(now=clock.now)
    assert Dialer(db, db.settings, fast_settings(), before, clock=clock).tick().dialed == 2
    with db.session() as s:
        s.execute(
            Attempt.__table__.update()
            .where(Attempt.campaign_id == first)
            .values(status="ended", outcome="answered")
        )
    second = _campaign(db, 3, 10, clock)
    restarted = InMemoryCarrier(now=clock.now)  # hands out the same ids again
    report = Dialer(db, db.settings, fast_settings(), restarted, clock=clock).tick()
    assert report.dialed == 1 and not report.errors
    rows = [a for a in _rows(db, second) if a.retry_of_id is None]
    assert sorted((a.status, a.outcome) for a in rows) == [
        ("dialing", None),
        ("ended", "failed"),
        ("ended", "failed"),
    ]
    failed = [a for a in rows if a.outcome == "failed"]
    assert all("already another attempt's" in (a.end_reason or "") for a in failed)
    retries = [a for a in _rows(db, second) if a.retry_of_id is not None]
    assert len(retries) == 2 and all(a.status == "queued" for a in retries)
    # the reused calls were hung up at the carrier
    hung = [c for c in restarted.calls.values() if c.info.status == "completed"]
    assert len(hung) == 2


def test_a_status_report_with_another_attempts_call_id_fails_the_attempt(db: Database) -> None:
    clock = VirtualClock(T0)
    cid = _campaign(db, 2, 0, clock)
    a1, a2 = _rows(db, cid)
    with db.session() as s:
        for a, sid in ((a1, "CA-old"), (a2, None)):
            row = s.get(Attempt, a.id)
            assert row is not None
            row.status, row.dialed_at, row.carrier_sid = "dialing", T0, sid
    with db.session() as s:  # the carrier answers a2's call under a1's id
        got = outcomes.apply_carrier_status(
            s,
            now=T0,
            settings=fast_settings(),
            default_tz="Asia/Shanghai",
            sid="CA-old",
            status="ringing",
            attempt_id=a2.id,
        )
        assert got is not None and got.id == a2.id
    with db.read() as s:
        old, new = s.get(Attempt, a1.id), s.get(Attempt, a2.id)
        assert old is not None and old.status == "dialing"  # untouched
        assert new is not None and (new.status, new.outcome) == ("ended", "failed")
        assert "CA-old" in (new.end_reason or "")
