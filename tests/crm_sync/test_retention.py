"""A call that made no lead keeps no number in the outbox and is deleted after retention."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from crm_sync.models import Delivery, Endpoint, OutboxEvent
from crm_sync.relay import Relay
from crm_sync.retention import purge_outcome_events
from crm_sync.service import record_outcome
from kernel.clock import VirtualClock
from kernel.db import Database
from tests.crm_sync.conftest import T0, fast_settings, outcome


def _events(db: Database) -> list[OutboxEvent]:
    with db.read() as s:
        return list(s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))


def test_a_non_lead_outcome_has_no_full_number(db: Database) -> None:
    with db.session() as s:
        record_outcome(s, outcome(1, grade="D", disposition="declined"), now=T0)
    [ev] = _events(db)
    assert ev.event_type == "call.outcome"
    text = json.dumps(ev.payload)
    assert "13812345678" not in text and ev.payload["data"]["phone_masked"].endswith("5678")


def test_non_lead_outcomes_expire_leads_stay(db: Database) -> None:
    with db.session() as s:
        record_outcome(s, outcome(1, grade="D", disposition="declined"), now=T0)
        record_outcome(s, outcome(2, grade="D", disposition="declined"), now=T0)
        record_outcome(s, outcome(3), now=T0)  # a lead
        ep = Endpoint(name="crm", kind="file", url=None, config={}, enabled=True)
        s.add(ep)
        s.flush()
        first = s.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id))
        s.add(Delivery(outbox_id=first, endpoint_id=ep.id, state="pending", next_attempt_at=T0))
    keep = timedelta(days=30)
    with db.session() as s:
        assert purge_outcome_events(s, T0 + timedelta(days=29), keep) == 0
        # the first is still being delivered: kept until its delivery is over
        assert purge_outcome_events(s, T0 + timedelta(days=31), keep) == 1
    assert [e.event_type for e in _events(db)] == ["call.outcome", "lead.created"]
    with db.session() as s:
        s.execute(Delivery.__table__.update().values(state="delivered"))
        assert purge_outcome_events(s, T0 + timedelta(days=31), keep) == 1
        assert s.scalar(select(func.count()).select_from(Delivery)) == 0
    assert [e.event_type for e in _events(db)] == ["lead.created"]


def test_the_relay_purges_when_idle(db: Database) -> None:
    with db.session() as s:
        record_outcome(s, outcome(1, grade="D", disposition="declined"), now=T0)
    clock = VirtualClock(T0 + timedelta(days=31))
    relay = Relay(db, fast_settings(), clock)
    assert relay.purge_expired() == 1 and _events(db) == []
