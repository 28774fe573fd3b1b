from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm_sync.models import Label, Lead, OutboxEvent
from crm_sync.service import apply_lead_status, labels_since, record_outcome
from kernel.db import Database
from kernel.errors import NotFound
from tests.crm_sync.conftest import T0, outcome


def _count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_lead_and_outbox_commit_or_roll_back_with_the_callers_transaction(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as s:
        record_outcome(s, outcome(1), now=T0)
        raise RuntimeError("the dialer's transaction failed")
    assert _count(db, Lead) == 0 and _count(db, OutboxEvent) == 0
    with db.session() as s:
        [lead] = record_outcome(s, outcome(1), now=T0)
    assert lead.status == "new" and lead.version == 1
    with db.read() as s:
        [ev] = s.scalars(select(OutboxEvent)).all()
    assert ev.event_type == "lead.created" and ev.lead_version == 1
    data = ev.payload["data"]
    assert data["phone_masked"] == "+86138****5678"
    assert data["score"] == 0.91 and data["transcript_url"].endswith("/transcript")
    assert data["next_action"] and data["route"] == "remote_center"


def test_same_facts_twice_write_nothing_and_a_new_fact_bumps_the_version(db: Database) -> None:
    with db.session() as s:
        record_outcome(s, outcome(1, handoff_result="accepted"), now=T0)
    with db.session() as s:
        record_outcome(s, outcome(1, handoff_result="accepted"), now=T0)
    assert _count(db, OutboxEvent) == 1
    later = T0 + timedelta(minutes=5)
    with db.session() as s:
        [lead] = record_outcome(
            s, outcome(1, handoff_result="accepted", agent_outcome="appointment"), now=later
        )
        assert lead.version == 2
    with db.read() as s:
        events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [(e.event_type, e.lead_version) for e in events] == [
        ("lead.created", 1),
        ("lead.updated", 2),
    ]
    assert events[1].payload["data"]["agent_outcome"] == "appointment"


def test_non_lead_outcomes_still_reach_the_crm(db: Database) -> None:
    with db.session() as s:
        assert record_outcome(s, outcome(2, grade="D", disposition="not_interested"), now=T0) == []
    with db.read() as s:
        [ev] = s.scalars(select(OutboxEvent)).all()
    assert ev.event_type == "call.outcome" and ev.lead_id is None
    assert ev.payload["data"]["disposition"] == "not_interested"


def test_branch_and_remote_leads_from_one_call(db: Database) -> None:
    with db.session() as s:
        leads = record_outcome(s, outcome(3, needs_branch_visit=True, branch="Jongno"), now=T0)
    assert sorted(x.route for x in leads) == ["branch", "remote_center"]
    assert _count(db, OutboxEvent) == 2


def test_won_and_lost_become_labels_and_stale_updates_are_ignored(db: Database) -> None:
    with db.session() as s:
        [a] = record_outcome(s, outcome(1), now=T0)
        [b] = record_outcome(s, outcome(2), now=T0)
    at = datetime(2026, 1, 9, tzinfo=UTC)
    with db.session() as s:
        assert apply_lead_status(s, a.id, "worked", source="crm", now=at)
        assert apply_lead_status(s, a.id, "won", source="crm", now=at)
        assert not apply_lead_status(s, a.id, "accepted", source="crm", now=at)
        assert not apply_lead_status(s, a.id, "lost", source="crm", now=at)
        assert apply_lead_status(s, b.id, "lost", source="crm", now=at)
    with db.read() as s:
        labels = labels_since(s)
        assert [(x.lead_id, x.label, x.grade, x.score) for x in labels] == [
            (a.id, "won", "A", 0.91),
            (b.id, "lost", "A", 0.91),
        ]
        assert s.get(Lead, a.id).status == "won"  # type: ignore[union-attr]
    assert _count(db, Label) == 2
    with db.session() as s, pytest.raises(NotFound):
        apply_lead_status(s, 999, "won", source="crm", now=at)
