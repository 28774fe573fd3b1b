"""The supervisor's record of a finished call, written with the call's outcome.

``record_call`` runs inside the finished-call transaction (``tailcall.outcomes``): what
the conversation came to, plus the attempt's campaign, variant, customer and times. The
number is stored masked; the full one stays on the dialer's attempt.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dialer.campaigns.models import Attempt
from dialer.campaigns.party import call_party
from kernel.privacy import mask_phone
from supervision.models import CallRecord


@dataclass(frozen=True)
class RecordFacts:
    """What the finished-call record knows of a conversation."""

    attempt_id: int
    ended_at: datetime
    answered_by: str = "human"
    disposition: str | None = None
    grade: str | None = None
    score: float | None = None  # 0..1
    reasons: Sequence[str] = ()
    handoff_result: str | None = None
    opted_out: bool = False
    leads: int = 0
    score_history: Sequence[Mapping[str, Any]] = ()


def record_call(session: Session, facts: RecordFacts) -> CallRecord:
    """Insert (or, for a later fact about the same attempt, update) the call's record."""
    party = call_party(session, facts.attempt_id)
    attempt = session.get(Attempt, facts.attempt_id)
    assert attempt is not None  # call_party found it
    rec = session.get(CallRecord, facts.attempt_id)
    if rec is None:
        rec = CallRecord(attempt_id=facts.attempt_id, flags=[], review_state="none")
        session.add(rec)
    rec.call_sid = attempt.carrier_sid
    rec.campaign_id = party.campaign_id
    rec.customer_id = party.customer_id
    rec.phone_masked = mask_phone(party.phone_e164)
    rec.branch = party.branch
    rec.script_id = party.script_id
    rec.variant = attempt.variant
    rec.answered_by = facts.answered_by
    rec.disposition = facts.disposition
    rec.grade = facts.grade
    rec.score = facts.score
    rec.reasons = list(facts.reasons)
    rec.score_history = [dict(p) for p in facts.score_history]
    rec.handoff_result = facts.handoff_result
    rec.opted_out = facts.opted_out
    rec.leads = facts.leads
    rec.dialed_at = attempt.dialed_at
    rec.answered_at = attempt.answered_at
    rec.ended_at = facts.ended_at
    start = attempt.answered_at or attempt.dialed_at
    # a simulated conversation keeps its own clock: no duration rather than a wrong one
    length = (facts.ended_at - start).total_seconds() if start is not None else None
    rec.duration_s = length if length is not None and length >= 0 else None
    rec.qa_at = None  # (re)checked by the QA sweep
    return rec
