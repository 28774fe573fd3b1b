"""The compliance circuit breaker: a campaign pauses itself when its calls go wrong.

Over a sliding window (``window_minutes``) the campaign's own recent calls are counted:
opt-outs (customers who said "stop calling me"), complaints (customers the bank put on
its do-not-call list after a call of this campaign) and carrier interceptions (calls the
network refused as restricted or with special-information tones). When one of them
crosses the campaign's threshold, the campaign is paused, the reason is written on it and
in the compliance record, and the operator is alerted. A supervisor resumes it.

``decide`` is pure; ``check_campaign`` loads the counts and carries out a trip.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.campaigns.ledger import append
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.policy import BreakerThresholds
from dialer.campaigns.service import pause_campaign
from dialer.lists.models import Suppression
from kernel.actors import Actor

log = logging.getLogger(__name__)
INTERCEPTED = ("restricted", "sit")


@dataclass(frozen=True)
class WindowCounts:
    dials: int = 0
    answered: int = 0
    opt_outs: int = 0
    complaints: int = 0
    interceptions: int = 0


@dataclass(frozen=True)
class Trip:
    reason: str  # opt_outs | complaints | interceptions
    detail: str


def decide(t: BreakerThresholds, c: WindowCounts) -> Trip | None:
    """Whether the window's counts cross a threshold (pure)."""
    if c.complaints >= t.max_complaints:
        return Trip("complaints", f"{c.complaints} complaints in {t.window_minutes} min")
    if c.answered >= t.min_answered and c.opt_outs / c.answered > t.max_opt_out_rate:
        rate = c.opt_outs / c.answered
        return Trip(
            "opt_outs",
            f"{c.opt_outs} opt-outs in {c.answered} answered calls ({rate:.0%}) "
            f"in {t.window_minutes} min, above {t.max_opt_out_rate:.0%}",
        )
    if c.dials >= t.min_dials and c.interceptions / c.dials > t.max_interception_rate:
        rate = c.interceptions / c.dials
        return Trip(
            "interceptions",
            f"{c.interceptions} of {c.dials} dials intercepted by the carrier ({rate:.0%}) "
            f"in {t.window_minutes} min, above {t.max_interception_rate:.0%}",
        )
    return None


def window_counts(session: Session, campaign_id: int, since: datetime) -> WindowCounts:
    recent = select(Attempt.id, Attempt.outcome, Attempt.answered_by).where(
        Attempt.campaign_id == campaign_id, Attempt.dialed_at >= since
    )
    rows = session.execute(recent).all()
    if not rows:
        return WindowCounts()
    ids = {r.id for r in rows}
    sources = session.scalars(
        select(Suppression.source).where(
            Suppression.kind == "opt_out",
            Suppression.created_at >= since,
            Suppression.source.like("call:%"),
        )
    )
    opt_outs = sum(1 for src in sources if src and src[5:].isdigit() and int(src[5:]) in ids)
    phones = select(Attempt.phone_e164).where(Attempt.id.in_(ids))
    complaints = session.scalar(
        select(func.count())
        .select_from(Suppression)
        .where(
            Suppression.kind == "dnc",
            Suppression.created_at >= since,
            Suppression.phone_e164.in_(phones),
        )
    )
    return WindowCounts(
        dials=len(rows),
        answered=sum(1 for r in rows if r.answered_by == "human"),
        opt_outs=opt_outs,
        complaints=int(complaints or 0),
        interceptions=sum(1 for r in rows if r.outcome in INTERCEPTED),
    )


Alert = Callable[[int, Trip], None]
BREAKER = Actor.system("breaker")


def check_campaign(
    session: Session, c: Campaign, t: BreakerThresholds, now: datetime, alert: Alert | None
) -> Trip | None:
    """Count the window and, on a trip, pause the campaign and record why."""
    trip = decide(t, window_counts(session, c.id, now - timedelta(minutes=t.window_minutes)))
    if trip is None or c.status != "running":
        return None
    pause_campaign(session, c.id, now, by=BREAKER, reason=f"compliance breaker: {trip.detail}")
    append(
        session,
        "breaker",
        now,
        {"event": "paused by the compliance breaker", "reason": trip.reason, "detail": trip.detail,
         "thresholds": t.model_dump()},
        campaign_id=c.id,
    )  # fmt: skip
    log.warning(
        "campaign paused by the compliance breaker",
        extra={"campaign_id": c.id, "reason": trip.reason, "detail": trip.detail},
    )
    if alert is not None:
        alert(c.id, trip)
    return trip
