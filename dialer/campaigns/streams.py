"""A call's media stream is admitted once, for a live attempt whose carrier call id matches.

The carrier opens one media stream per answered call, naming the attempt in the stream's
parameters (``kernel.calls.StreamStart``). Before anything runs, the media endpoint claims
the attempt here: one compare-and-set ``UPDATE`` succeeds only while the attempt is live
(dialing, ringing or in progress), its carrier call id is this stream's (or not yet
recorded: the carrier can answer before the dialer has stored the id its create-call
request returned, and then the id is bound here) and no stream has started for it. A
stream naming an ended attempt, another call's attempt, or an attempt whose stream has
started already (a replay, a second stream with the same call id) is refused, across
every process sharing the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dialer.campaigns.models import Attempt

STREAM_STATES = ("dialing", "ringing", "in_progress")


def claim_media_stream(
    session: Session, attempt_id: int, call_sid: str, now: datetime
) -> str | None:
    """Claim the attempt for this stream: None when admitted, else why it is refused."""
    try:
        with session.begin_nested():
            claimed = session.execute(  # type: ignore[attr-defined]
                update(Attempt)
                .where(
                    Attempt.id == attempt_id,
                    Attempt.status.in_(STREAM_STATES),
                    or_(Attempt.carrier_sid == call_sid, Attempt.carrier_sid.is_(None)),
                    Attempt.media_started_at.is_(None),
                )
                .values(media_started_at=now, carrier_sid=call_sid)
                .execution_options(synchronize_session=False)
            ).rowcount
    except IntegrityError:  # another attempt has this call id
        return "the call id belongs to another attempt"
    if claimed == 1:
        return None
    a = session.get(Attempt, attempt_id)
    if a is None:
        return "no such attempt"
    if a.status not in STREAM_STATES:
        return f"the attempt is {a.status}, not live"
    if a.carrier_sid is not None and a.carrier_sid != call_sid:
        return "the call id is not the attempt's"
    return "a stream for this attempt has started already"
