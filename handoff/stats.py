"""How long a campaign's customers waited for an agent: from the request for an agent to
the offer an agent accepted, averaged per time bucket (for the campaign's live page)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from dialer.campaigns.dashboard import epoch_seconds
from dialer.campaigns.models import Attempt
from handoff.models import HandoffRequestRow, Offer


@dataclass(frozen=True)
class WaitPoint:
    bucket: int  # seconds since 1970 // bucket_s
    accepted: int
    mean_wait_s: float
    max_wait_s: float


def handoff_waits(session: Session, campaign_id: int, bucket_s: int) -> list[WaitPoint]:
    """Accepted handoffs of the campaign's calls by the time they were asked for."""
    asked = epoch_seconds(session, HandoffRequestRow.requested_at)
    wait = epoch_seconds(session, Offer.decided_at) - asked
    key = func.floor(asked / literal_column(str(int(bucket_s)))).label("k")
    q = (
        select(key, func.count(), func.avg(wait), func.max(wait))
        .select_from(HandoffRequestRow)
        .join(Offer, Offer.request_id == HandoffRequestRow.id)
        .join(Attempt, Attempt.carrier_sid == HandoffRequestRow.call_sid)
        .where(Attempt.campaign_id == campaign_id, Offer.status == "accepted")
        .group_by(key)
        .order_by(key)
    )
    return [
        WaitPoint(int(k), int(n), round(float(avg or 0), 2), round(float(mx or 0), 2))
        for k, n, avg, mx in session.execute(q)
    ]
