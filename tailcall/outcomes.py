"""Record a finished call: the composition of the dialer's and the CRM's outcome writes.

Whatever ran the conversation (the speech pipeline, or the simulator's text mode) ends a
call by handing a ``FinishedCall`` to ``record_finished_call`` inside one transaction:
who answered and the script's disposition go on the attempt (``dialer.campaigns.service``), an
opt-out suppresses the customer for every campaign, and the outcome goes to the CRM
(``crm_sync.service.record_outcome``: leads and outbox events) in the same transaction,
so they commit or roll back together. ``call_party`` reads what a conversation needs to
know about the attempt it runs for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from crm_sync.models import Lead
from crm_sync.outcomes import CallOutcome
from crm_sync.service import record_outcome
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.service import (
    mark_handoff_requested,
    record_answer_class,
    record_disposition,
    record_opt_out,
)
from dialer.lists.models import Customer
from kernel.errors import NotFound

AnsweredBy = Literal["human", "voicemail", "announcement"]
HandoffResult = Literal["accepted", "declined", "timeout", "no_agent"]
Grade = Literal["A", "B", "C", "D"]
NO_DISPOSITION = "no_disposition"


@dataclass(frozen=True)
class CallParty:
    """The attempt a call belongs to and the customer it reached."""

    attempt_id: int
    campaign_id: int
    customer_id: int
    external_id: str | None
    phone_e164: str
    script_id: str
    branch: str | None
    customer: Mapping[str, Any]  # the script's variables (name, points, ...) and profile


def call_party(session: Session, attempt_id: int) -> CallParty:
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    c = session.get(Campaign, a.campaign_id)
    cust = session.get(Customer, a.customer_id)
    if c is None or cust is None:
        raise NotFound(f"attempt {attempt_id} lost its campaign or customer", where="attempt_id")
    customer: dict[str, Any] = dict(cust.attributes or {})
    customer.update(
        name=cust.name,
        points=cust.points,
        star_level=cust.star_level,
        aum_band=cust.aum_band,
        branch=cust.branch,
        tags=list(cust.tags or []),
        attributes=dict(cust.attributes or {}),
    )
    return CallParty(
        attempt_id=a.id,
        campaign_id=c.id,
        customer_id=cust.id,
        external_id=cust.external_id,
        phone_e164=a.phone_e164,
        script_id=c.script_id,
        branch=cust.branch,
        customer=customer,
    )


@dataclass(frozen=True)
class FinishedCall:
    """What a conversation came to, as the pipeline (or the simulator) saw it."""

    attempt_id: int
    ended_at: datetime
    answered_by: AnsweredBy = "human"
    disposition: str | None = None
    grade: Grade | None = None
    score: float | None = None  # 0..1
    reasons: tuple[str, ...] = ()
    handoff_requested_at: datetime | None = None
    handoff_result: HandoffResult | None = None
    callback_at: datetime | None = None
    opted_out: bool = False
    opt_out_source: str = "call"


def record_finished_call(session: Session, call: FinishedCall) -> list[Lead]:
    """Write the call's outcome in the caller's transaction; returns the leads it made."""
    party = call_party(session, call.attempt_id)
    record_answer_class(session, call.attempt_id, call.answered_by)
    if call.disposition:
        record_disposition(session, call.attempt_id, call.disposition)
    if call.handoff_requested_at is not None:
        mark_handoff_requested(session, call.attempt_id, call.handoff_requested_at)
    if call.opted_out:
        record_opt_out(session, party.customer_id, call.opt_out_source, call.ended_at)
    outcome = CallOutcome(
        call_id=call.attempt_id,
        attempt_id=call.attempt_id,
        campaign_id=party.campaign_id,
        customer_id=party.customer_id,
        branch=party.branch,
        phone_e164=party.phone_e164,
        script_id=party.script_id,
        disposition=(call.disposition or NO_DISPOSITION)[:40],
        grade=call.grade,
        score=call.score,
        reasons=call.reasons,
        handoff_result=call.handoff_result,
        callback_at=call.callback_at,
        ended_at=call.ended_at,
    )
    return record_outcome(session, outcome, now=call.ended_at)
