"""Turn latency of a campaign's calls (customer stops speaking -> the bot answers),
averaged per time bucket of when the call was dialed (for the campaign's live page)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from dialer.campaigns.dashboard import epoch_seconds
from dialer.campaigns.models import Attempt
from dialogue.speech.models import CallTurnMetric


@dataclass(frozen=True)
class LatencyPoint:
    bucket: int  # seconds since 1970 // bucket_s
    turns: int
    mean_s: float
    max_s: float


def turn_latency(session: Session, campaign_id: int, bucket_s: int) -> list[LatencyPoint]:
    lat = CallTurnMetric.response_latency_s
    key = func.floor(
        epoch_seconds(session, Attempt.dialed_at) / literal_column(str(int(bucket_s)))
    ).label("k")
    q = (
        select(key, func.count(), func.avg(lat), func.max(lat))
        .select_from(CallTurnMetric)
        .join(Attempt, Attempt.id == CallTurnMetric.attempt_id)
        .where(Attempt.campaign_id == campaign_id, lat.is_not(None))
        .group_by(key)
        .order_by(key)
    )
    return [
        LatencyPoint(int(k), int(n), round(float(avg or 0), 3), round(float(mx or 0), 3))
        for k, n, avg, mx in session.execute(q)
    ]
