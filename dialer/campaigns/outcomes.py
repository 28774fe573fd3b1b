"""outcomes: split from dialer.campaigns.service (docstring to write)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dialer.campaigns.config import DialerSettings
from dialer.campaigns.dial_record import record_end
from dialer.campaigns.models import LIVE_STATES, Attempt, Campaign, SkipRecord
from dialer.campaigns.retries import OUTCOMES, next_retry
from dialer.campaigns.service import _STATE_ORDER
from dialer.campaigns.spec import pick_variant
from dialer.campaigns.stored import retry_of, variants_of
from dialer.campaigns.windows import resolve_zones
from dialer.carriers.base import classify
from dialer.lists.models import Customer, Suppression
from kernel.errors import Conflict, InvalidInput, NotFound


def record_skip(session: Session, a: Attempt, reason: str, final: bool, now: datetime) -> None:
    session.add(
        SkipRecord(
            campaign_id=a.campaign_id,
            customer_id=a.customer_id,
            attempt_id=a.id,
            reason=reason,
            final=final,
            at=now,
        )
    )


def _prior_outcomes(session: Session, a: Attempt) -> Counter[str]:
    """Outcomes of the earlier attempts of this customer in this campaign."""
    rows = session.scalars(
        select(Attempt.outcome).where(
            Attempt.campaign_id == a.campaign_id,
            Attempt.customer_id == a.customer_id,
            Attempt.id != a.id,
            Attempt.status == "ended",
        )
    )
    return Counter(o for o in rows if o)


def _retry_variant(c: Campaign, a: Attempt) -> str | None:
    """The retry keeps the call's variant unless that variant was stopped meanwhile."""
    variants = variants_of(c)
    if a.variant is None or any(v.name == a.variant and v.weight > 0 for v in variants):
        return a.variant
    return pick_variant([v for v in variants if v.weight > 0], c.id, a.customer_id)


def finish_attempt(
    session: Session,
    a: Attempt,
    outcome: str,
    now: datetime,
    *,
    default_tz: str,
    requeue_delay: timedelta = timedelta(),
) -> Attempt | None:
    """End an attempt with its outcome and queue the retry its rules give (returned)."""
    a.status = "ended"
    a.outcome = outcome
    a.ended_at = a.ended_at or now
    a.lease_owner = None
    a.lease_until = None
    c = session.get(Campaign, a.campaign_id)
    assert c is not None
    if c.status in ("cancelled", "completed"):
        record_end(session, a, now)
        return None
    nxt = _queue_retry(session, a, c, outcome, now, default_tz, requeue_delay)
    record_end(session, a, now)
    return nxt


def _queue_retry(
    session: Session,
    a: Attempt,
    c: Campaign,
    outcome: str,
    now: datetime,
    default_tz: str,
    requeue_delay: timedelta,
) -> Attempt | None:
    cust = session.get(Customer, a.customer_id)
    zone_name = resolve_zones(cust.timezone if cust else None, a.phone_e164, default_tz).zones[0]
    when = next_retry(retry_of(c), outcome, _prior_outcomes(session, a), now, zone_name)
    if when is None:
        return None
    when = max(when, now + requeue_delay)
    a.next_retry_at = when
    nxt = Attempt(
        campaign_id=a.campaign_id,
        customer_id=a.customer_id,
        phone_e164=a.phone_e164,
        seq=a.seq + 1,
        retry_of_id=a.id,
        variant=_retry_variant(c, a),
        status="queued",
        due_at=when,
        queued_at=now,
        callback_asked_at=a.callback_asked_at,  # a retry of an asked call back is one too
    )
    session.add(nxt)
    session.flush()
    return nxt


def apply_carrier_status(
    session: Session,
    *,
    now: datetime,
    settings: DialerSettings,
    default_tz: str,
    sid: str | None,
    status: str,
    attempt_id: int | None = None,
    answered_by: str | None = None,
    duration_s: float | None = None,
    sip_code: int | None = None,
) -> Attempt | None:
    """Apply one carrier progress report (callback or poll). Idempotent; never goes back."""
    a: Attempt | None = None
    if attempt_id is not None:  # the callback names its attempt: that wins over the sid
        a = session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
        if a is not None and a.carrier_sid and sid and a.carrier_sid != sid:
            return None  # a report for some other call
    elif sid:
        a = session.scalar(select(Attempt).where(Attempt.carrier_sid == sid).with_for_update())
    if a is None or a.status not in LIVE_STATES:
        return a
    if sid and not a.carrier_sid:
        try:
            with session.begin_nested():
                a.carrier_sid = sid
                session.flush()
        except IntegrityError:  # the carrier reused another attempt's call id
            session.refresh(a)
            a.end_reason = f"carrier call id {sid[:64]} is already another attempt's"
            finish_attempt(session, a, "failed", now, default_tz=default_tz)
            return a
    # Who answered: the speech pipeline's verdict (or the first one heard) wins over a
    # later callback's answering-machine guess.
    cl = classify(
        status,
        a.answered_by or answered_by,
        sip_code,
        answered=a.answered_at is not None,
        duration_s=duration_s,
    )
    a.carrier_status = status
    a.last_event_at = now
    if cl.answered_by and not a.answered_by:
        a.answered_by = cl.answered_by
    if cl.state == "ringing" and a.ringing_at is None:
        a.ringing_at = now
    if cl.state == "in_progress" and a.answered_at is None:
        a.answered_at = now
    if cl.state == "ended":
        if duration_s is not None:
            a.duration_s = duration_s
        if a.answered_at is None and cl.answered_by is not None and duration_s:
            # the answer report was lost: the call began its talk time this long ago
            a.answered_at = now - timedelta(seconds=duration_s)
        if a.status == "review":
            a.end_reason = "reconciled from review"
        outcome = cl.outcome or "failed"
        if a.heard_outcome and a.answered_by != "human":
            outcome = a.heard_outcome  # the announcement heard says more than a SIP code
        finish_attempt(session, a, outcome, now, default_tz=default_tz)
        return a
    if a.status == "review" or _STATE_ORDER[cl.state] <= _STATE_ORDER.get(a.status, 0):
        return a
    a.status = cl.state
    watchdog = settings.max_call_s if cl.state == "in_progress" else settings.ring_timeout_s
    a.lease_until = now + timedelta(seconds=watchdog)
    return a


def fail_after_answer(
    session: Session, attempt_id: int, reason: str, now: datetime, *, default_tz: str
) -> Attempt | None:
    """A call that was answered but could not be run (its pipeline failed: no speech model
    for the language, say): the attempt ends ``failed`` with the reason and its retry rule,
    before the carrier reports the call completed (which would read as ``answered``)."""
    a = session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
    if a is None or a.status not in LIVE_STATES:
        return None
    a.end_reason = reason[:200]
    return finish_attempt(session, a, "failed", now, default_tz=default_tz)


def record_answer_class(session: Session, attempt_id: int, kind: str | None) -> None:
    """Who answered: the speech pipeline's verdict (human | voicemail | announcement) wins;
    without one (None) a conversation that ran keeps the carrier's flag (a machine stays a
    machine) and is a person's only when the carrier said nothing."""
    if kind is not None and kind not in ("human", "voicemail", "announcement"):
        raise InvalidInput("unknown answer class", where="answered_by")
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    if kind is not None:
        a.answered_by = kind
    elif a.answered_by is None:
        a.answered_by = "human"


def record_heard_answer(
    session: Session, attempt_id: int, kind: str, outcome: str | None, label: str
) -> str:
    """Who answered, as the call's first audio told it (``dialogue.speech.answering``):
    a person, or a machine with the outcome it means (its retry rule applies at the end).

    Audio before the carrier reported an answer is early media: whatever speaks there is
    the network, never the customer, so a "person" heard there is recorded as an
    announcement (its outcome then comes from the carrier's SIP code). Returns the class
    recorded: human | voicemail | announcement.
    """
    answered_by = {"human": "human", "voicemail": "voicemail"}.get(kind, "announcement")
    if outcome is not None and outcome not in OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome!r}", where="outcome")
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    if answered_by == "human" and a.answered_at is None:
        answered_by, label = "announcement", "early media"
    a.answered_by = answered_by
    a.heard_outcome = outcome
    a.heard_label = label[:64] or None
    return answered_by


def record_disposition(session: Session, attempt_id: int, disposition: str) -> None:
    """The script's disposition at hang-up."""
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    a.disposition = disposition[:64]


def record_call_facts(
    session: Session,
    attempt_id: int,
    grade: str | None,
    handoff_result: str | None,
    opted_out: bool,
) -> None:
    """The scorer's grade at the end of the call, how a request for an agent ended and
    whether the customer opted out: what a campaign's funnel and its script race count
    per attempt and variant."""
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    a.grade = grade
    a.handoff_result = handoff_result
    a.opted_out = opted_out


def resolve_review(
    session: Session,
    attempt_id: int,
    outcome: str,
    now: datetime,
    *,
    default_tz: str,
    note: str | None = None,
) -> Attempt | None:
    """A supervisor settles an ambiguous attempt; its retry rule then applies as usual."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"unknown outcome {outcome!r}", where="outcome")
    a = session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    if a.status != "review":
        raise Conflict(f"attempt is {a.status}, not in review", where="status")
    a.end_reason = (note or "resolved by supervisor")[:200]
    return finish_attempt(session, a, outcome, now, default_tz=default_tz)


def list_attempts(
    session: Session,
    campaign_id: int,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Attempt]:
    q = select(Attempt).where(Attempt.campaign_id == campaign_id)
    if status:
        q = q.where(Attempt.status == status)
    return list(session.scalars(q.order_by(Attempt.id).limit(limit).offset(offset)))


def mark_handoff_requested(session: Session, attempt_id: int, now: datetime) -> None:
    """The call asked for a live agent (feeds handoff-aware pacing)."""
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    if a.handoff_requested_at is None:
        a.handoff_requested_at = now


def record_opt_out(
    session: Session, customer_id: int, source: str, now: datetime | None = None
) -> int:
    """The customer opted out: suppress them and cancel their queued attempts everywhere.

    Returns how many queued attempts were cancelled. Runs in the caller's transaction, so
    when it commits no campaign can dial the customer again (claim-time checks see it).
    """
    cust = session.get(Customer, customer_id)
    if cust is None:
        raise NotFound(f"customer {customer_id} does not exist", where="customer_id")
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row: dict[str, Any] = {
        "kind": "opt_out",
        "phone_e164": cust.phone_e164,
        "external_id": cust.external_id,
        "reason": "said during a call",
        "source": source[:100],
    }
    if now is not None:
        row["created_at"] = now
    session.execute(ins(Suppression).values(row).on_conflict_do_nothing())
    res = session.execute(
        update(Attempt)
        .where(Attempt.customer_id == customer_id, Attempt.status == "queued")
        .values(
            status="cancelled",
            end_reason="opt_out",
            ended_at=now,
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(res.rowcount)  # type: ignore[attr-defined]
