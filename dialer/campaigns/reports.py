"""reports: split from dialer.campaigns.service (docstring to write)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.campaigns.models import LIVE_STATES, Attempt, SkipRecord
from dialer.campaigns.service import get_campaign


def campaign_status(session: Session, campaign_id: int) -> dict[str, Any]:
    c = get_campaign(session, campaign_id)
    by_status = dict(
        session.execute(
            select(Attempt.status, func.count())
            .where(Attempt.campaign_id == c.id)
            .group_by(Attempt.status)
        ).all()
    )
    outcomes = dict(
        session.execute(
            select(Attempt.outcome, func.count())
            .where(Attempt.campaign_id == c.id, Attempt.outcome.is_not(None))
            .group_by(Attempt.outcome)
        ).all()
    )
    skips = skip_counts(session, c.id)
    return {
        "id": c.id,
        "name": c.name,
        "status": c.status,
        "end_reason": c.end_reason,
        "attempts": by_status,
        "outcomes": outcomes,
        "skips": skips,
        "started_at": c.started_at.isoformat() if c.started_at else None,
        "ended_at": c.ended_at.isoformat() if c.ended_at else None,
    }


def skip_counts(session: Session, campaign_id: int) -> dict[str, int]:
    return dict(
        session.execute(
            select(SkipRecord.reason, func.count())
            .where(SkipRecord.campaign_id == campaign_id)
            .group_by(SkipRecord.reason)
        ).all()
    )


def list_skips(
    session: Session,
    campaign_id: int,
    *,
    reason: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[SkipRecord]:
    q = select(SkipRecord).where(SkipRecord.campaign_id == campaign_id)
    if reason:
        q = q.where(SkipRecord.reason == reason)
    return list(session.scalars(q.order_by(SkipRecord.id).limit(limit).offset(offset)))


def in_flight(session: Session, now: datetime, campaign_id: int | None = None) -> int:
    """Attempts holding a line or about to (live, or claimed under an unexpired lease).

    Two counts of disjoint sets rather than one OR, so each is answered from an index
    (the live partial indexes or (campaign, status, due); the leased partial index)
    instead of a scan of the attempts."""
    live = select(func.count()).select_from(Attempt).where(Attempt.status.in_(LIVE_STATES))
    leased = (
        select(func.count())
        .select_from(Attempt)
        .where(Attempt.status == "queued", Attempt.lease_until.is_not(None))
        .where(Attempt.lease_until > now)
    )
    if campaign_id is not None:
        live = live.where(Attempt.campaign_id == campaign_id)
        leased = leased.where(Attempt.campaign_id == campaign_id)
    return int(session.scalar(live) or 0) + int(session.scalar(leased) or 0)
