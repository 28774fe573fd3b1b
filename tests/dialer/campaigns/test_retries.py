"""Retry rules (pure) and retries on virtual time through the real dial loop."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dialer.campaigns import outcomes, service
from dialer.campaigns.models import Attempt
from dialer.campaigns.retries import RetryPolicy, RetryRule, next_retry
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import InMemoryCarrier
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def test_default_rules() -> None:
    p = RetryPolicy()
    assert next_retry(p, "busy", {}, T0, "Asia/Shanghai") == T0 + timedelta(minutes=30)
    assert next_retry(p, "busy", {"busy": 2}, T0, "Asia/Shanghai") is not None
    assert next_retry(p, "busy", {"busy": 3}, T0, "Asia/Shanghai") is None
    assert next_retry(p, "no_answer", {"no_answer": 1}, T0, "UTC") == T0 + timedelta(hours=2)
    assert next_retry(p, "no_answer", {"no_answer": 2}, T0, "UTC") is None
    assert next_retry(p, "powered_off", {}, T0, "Asia/Shanghai") == datetime(
        2026, 5, 6, 16, 0, tzinfo=UTC
    )
    assert next_retry(p, "invalid", {}, T0, "UTC") is None
    assert next_retry(p, "answered", {}, T0, "UTC") is None
    assert next_retry(p, "not_dialed", {"not_dialed": 9}, T0, "UTC") == T0


def test_campaign_overrides_and_validation() -> None:
    p = RetryPolicy(rules={"busy": RetryRule(max_retries=1, delay_minutes=5)})
    assert next_retry(p, "busy", {}, T0, "UTC") == T0 + timedelta(minutes=5)
    assert next_retry(p, "busy", {"busy": 1}, T0, "UTC") is None
    with pytest.raises(ValueError):
        RetryRule(max_retries=2)


@pytest.mark.parametrize(
    ("status", "sip", "dials", "gap"),
    [
        ("busy", None, 4, timedelta(minutes=30)),
        ("no-answer", None, 3, timedelta(hours=2)),
        ("failed", 404, 1, None),
        ("failed", 480, 3, None),  # powered off: next local day, twice
    ],
)
def test_retries_on_virtual_time(
    db: Database, status: str, sip: int | None, dials: int, gap: timedelta | None
) -> None:
    clock = VirtualClock(T0)
    carrier = InMemoryCarrier(now=clock.now)
    ds = fast_settings()
    with db.session() as s:
        custs = add_customers(s, 1)
        cl = add_list(s, custs)
        c = service.create_campaign(s, make_spec([cl.id]), clock.now(), by=Actor.system("test"))
        service.start_campaign(s, c.id, clock.now(), ds, "Asia/Shanghai", by=Actor.system("test"))
    d = Dialer(db, db.settings, ds, carrier, clock=clock)
    dial_times: list[datetime] = []
    for _ in range(3 * 24 * 6):  # three virtual days in 10-minute steps
        d.tick()
        for sid, call in carrier.calls.items():
            if call.info.status == "queued":
                dial_times.append(clock.now())
                with db.session() as s:
                    outcomes.apply_carrier_status(
                        s,
                        now=clock.now(),
                        settings=ds,
                        default_tz="Asia/Shanghai",
                        sid=sid,
                        status=status,
                        sip_code=sip,
                    )
                carrier.set_status(sid, status, sip_code=sip)
        clock.advance(600)
    assert len(dial_times) == dials
    if gap is not None:
        assert all(b - a == gap for a, b in itertools.pairwise(dial_times))
    with db.read() as s:
        rows = s.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert [a.seq for a in rows] == list(range(1, dials + 1))
        assert Counter(a.status for a in rows) == {"ended": dials}
        assert rows[-1].next_retry_at is None
        assert service.get_campaign(s, rows[0].campaign_id).status == "completed"
