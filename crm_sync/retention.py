"""How long the CRM outbox keeps a call that made no lead.

A ``call.outcome`` event (an outcome with no lead) carries no phone number, only the
masked one, and is deleted ``outcome_retention_days`` after it was written, once every
delivery of it is over (delivered or dead), with its deliveries, their attempts and dead
letters. Leads and their events are the CRM's business records and are kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crm_sync.models import DeadLetter, Delivery, DeliveryAttempt, OutboxEvent

BATCH = 2000
OPEN_STATES = ("pending", "failed")


def purge_outcome_events(session: Session, now: datetime, keep: timedelta) -> int:
    """Delete up to ``BATCH`` expired ``call.outcome`` events; how many were deleted."""
    still_open = select(Delivery.outbox_id).where(Delivery.state.in_(OPEN_STATES))
    ids = list(
        session.scalars(
            select(OutboxEvent.id)
            .where(
                OutboxEvent.lead_id.is_(None),
                OutboxEvent.created_at < now - keep,
                OutboxEvent.id.not_in(still_open),
            )
            .limit(BATCH)
        )
    )
    if not ids:
        return 0
    deliveries = select(Delivery.id).where(Delivery.outbox_id.in_(ids))
    session.execute(delete(DeadLetter).where(DeadLetter.delivery_id.in_(deliveries)))
    session.execute(delete(DeliveryAttempt).where(DeliveryAttempt.delivery_id.in_(deliveries)))
    session.execute(delete(Delivery).where(Delivery.outbox_id.in_(ids)))
    session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(ids)))
    return len(ids)
