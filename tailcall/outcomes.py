"""Record a finished call: the composition of the dialer's and the CRM's outcome writes.

Whatever ran the conversation (the speech pipeline of a live call, or the simulator's
text mode) ends with a ``CallResult`` (``dialogue.intent.live``), and hands it to
``record_call_result``: ``finished_call`` turns it into the ``FinishedCall`` record (built
here and nowhere else), and ``record_finished_call`` writes it in one transaction: who
answered and the script's disposition go on the attempt (``dialer.campaigns.service``),
an opt-out suppresses the customer for every campaign, the outcome goes to the CRM
(``crm_sync.service.record_outcome``: leads and outbox events) and the supervisor's record
of the call is written (``supervision.calls.record_call``), so they commit or roll back
together.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_sync.models import Lead
from crm_sync.outcomes import CallOutcome
from crm_sync.service import record_outcome
from dialer.campaigns.callbacks import schedule_redial
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.outcomes import (
    mark_handoff_requested,
    record_answer_class,
    record_call_facts,
    record_disposition,
    record_opt_out,
)
from dialer.campaigns.party import call_party
from dialer.campaigns.stored import compliance_of
from dialogue.intent.live import CallResult
from handoff.followups import create_follow_up
from handoff.models import HandoffRequestRow
from kernel.db import Database
from kernel.errors import TailcallError
from kernel.vocab import AnsweredBy, Grade, HandoffResult
from scripts.loader import find_script, load_script
from supervision.calls import RecordFacts, record_call
from tailcall.call_record import record_conversation

NO_DISPOSITION = "no_disposition"


@dataclass(frozen=True)
class FinishedCall:
    """What a conversation came to, as the pipeline (or the simulator) saw it."""

    attempt_id: int
    ended_at: datetime
    # None: the conversation ran, so a person answered unless the carrier flagged a machine
    answered_by: AnsweredBy | None = None
    disposition: str | None = None
    grade: Grade | None = None
    score: float | None = None  # 0..1
    reasons: tuple[str, ...] = ()
    handoff_requested_at: datetime | None = None
    handoff_result: HandoffResult | None = None
    callback_at: datetime | None = None
    opted_out: bool = False
    score_history: tuple[Mapping[str, Any], ...] = ()  # the score after each customer turn

    @property
    def opt_out_source(self) -> str:
        """The suppression's source when the customer opted out: this call."""
        return f"call:{self.attempt_id}"


def finished_call(
    attempt_id: int,
    result: CallResult,
    *,
    answered_by: AnsweredBy | None = None,
    score_history: Sequence[Mapping[str, Any]] = (),
) -> FinishedCall:
    """The record of a call the engine and the scorer saw through to its end."""
    return FinishedCall(
        attempt_id=attempt_id,
        ended_at=result.ended_at,
        answered_by=answered_by,
        disposition=result.disposition,
        grade=result.grade,
        score=round(result.score / 100.0, 4) if result.score is not None else None,
        reasons=tuple(r.text for r in result.reasons),
        handoff_requested_at=result.handoff_requested_at,
        handoff_result=result.handoff_result,
        callback_at=result.callback_at,
        opted_out=result.opted_out,
        score_history=tuple(score_history),
    )


def record_call_result(
    db: Database,
    attempt_id: int,
    result: CallResult,
    *,
    answered_by: AnsweredBy | None = None,
    score_history: Sequence[Mapping[str, Any]] = (),
) -> int:
    """Write a finished call's result in its own transaction; the number of leads it made."""
    call = finished_call(attempt_id, result, answered_by=answered_by, score_history=score_history)
    with db.session() as s:
        base = db.settings.resolved_public_base_url
        tz = db.settings.default_timezone
        return len(record_finished_call(s, call, base_url=base, default_tz=tz))


# The supervisor's page of one call (transcript, recording, score, handoff): the lead's link.
CALL_PAGE = "/console/calls/{attempt_id}"


@dataclass(frozen=True)
class AgentResult:
    """What the agent who took the call over reported when they ended it."""

    disposition: str | None
    branch_follow_up: bool


def agent_result(session: Session, call_sid: str | None) -> AgentResult | None:
    """The agent's result for the call, if an agent took it over and ended it."""
    if not call_sid:
        return None
    row = session.scalar(
        select(HandoffRequestRow)
        .where(
            HandoffRequestRow.call_sid == call_sid,
            HandoffRequestRow.agent_id.is_not(None),
            HandoffRequestRow.outcome == "ended",
        )
        .order_by(HandoffRequestRow.id.desc())
        .limit(1)
    )
    return AgentResult(row.disposition, row.branch_follow_up) if row is not None else None


@lru_cache(maxsize=64)
def _branch_dispositions(script_id: str, language: str) -> frozenset[str]:
    try:
        return load_script(find_script(script_id, language)).branch_dispositions()
    except (TailcallError, OSError):
        return frozenset()


def record_finished_call(
    session: Session, call: FinishedCall, *, base_url: str = "", default_tz: str = "Asia/Shanghai"
) -> list[Lead]:
    """Write the call's outcome in the caller's transaction; returns the leads it made.

    The CRM outcome carries the agent's result when an agent took the call over and ended
    it (``handoff``: the request is closed before the call ends), a branch follow-up when
    the script's end state or the agent asks for one, and the link to the call's page. A
    call back time the customer gave becomes scheduled work, as the campaign chose
    (``compliance.callbacks``): a redial at that time (``dialer.campaigns.callbacks``) or a
    follow-up task for an agent (``handoff.followups``)."""
    party = call_party(session, call.attempt_id)
    attempt = session.get(Attempt, call.attempt_id)
    campaign = session.get(Campaign, party.campaign_id)
    agent = agent_result(session, attempt.carrier_sid if attempt is not None else None)
    language = campaign.language if campaign is not None else "zh-CN"
    by_script = bool(call.disposition) and call.disposition in _branch_dispositions(
        party.script_id, language
    )
    needs_branch = by_script or (agent is not None and agent.branch_follow_up)
    link = base_url.rstrip("/") + CALL_PAGE.format(attempt_id=call.attempt_id)
    record_answer_class(session, call.attempt_id, call.answered_by)
    if call.disposition:
        record_disposition(session, call.attempt_id, call.disposition)
    if call.handoff_requested_at is not None:
        mark_handoff_requested(session, call.attempt_id, call.handoff_requested_at)
    record_call_facts(session, call.attempt_id, call.grade, call.handoff_result, call.opted_out)
    cancelled = 0
    if call.opted_out:
        cancelled = record_opt_out(session, party.customer_id, call.opt_out_source, call.ended_at)
    scheduled = None
    if call.callback_at is not None and not call.opted_out:
        scheduled = _schedule_callback(session, call, party.customer_id, default_tz)
    record_conversation(
        session,
        call.attempt_id,
        at=call.ended_at,
        disposition=call.disposition,
        opted_out=call.opted_out,
        cancelled=cancelled,
        handoff_result=call.handoff_result,
        callback=scheduled,
    )
    outcome = CallOutcome(
        call_id=call.attempt_id,
        attempt_id=call.attempt_id,
        campaign_id=party.campaign_id,
        customer_id=party.customer_id,
        branch=party.branch,
        phone_e164=party.phone_e164,
        script_id=party.script_id,
        variant=party.variant,
        disposition=(call.disposition or NO_DISPOSITION)[:40],
        grade=call.grade,
        score=call.score,
        reasons=call.reasons,
        handoff_result=call.handoff_result,
        agent_outcome=(agent.disposition or None) if agent is not None else None,
        callback_at=call.callback_at,
        needs_branch_visit=needs_branch,
        transcript_url=link,
        ended_at=call.ended_at,
    )
    leads = record_outcome(session, outcome, now=call.ended_at)
    record_call(
        session,
        RecordFacts(
            attempt_id=call.attempt_id,
            ended_at=call.ended_at,
            # who answered as recorded: the first audio's or the carrier's verdict
            answered_by=(attempt.answered_by if attempt is not None else None) or "human",
            disposition=call.disposition,
            grade=call.grade,
            score=call.score,
            reasons=call.reasons,
            handoff_result=call.handoff_result,
            opted_out=call.opted_out,
            leads=len(leads),
            score_history=call.score_history,
        ),
    )
    return leads


def _schedule_callback(
    session: Session, call: FinishedCall, customer_id: int, default_tz: str
) -> dict[str, Any]:
    """The customer's asked time as the campaign's choice of work; what was scheduled."""
    assert call.callback_at is not None
    a = session.get(Attempt, call.attempt_id)
    assert a is not None
    c = session.get(Campaign, a.campaign_id)
    assert c is not None
    asked = call.callback_at.isoformat()
    if compliance_of(c).callbacks == "agent_task":
        task = create_follow_up(
            session,
            a.carrier_sid or f"attempt-{a.id}",
            customer_id,
            "customer asked to be called back",
            call.grade or "B",
            call.callback_at,
            None,
        )
        return {"asked_at": asked, "as": "agent_task", "task_id": task.id}
    redial = schedule_redial(session, a.id, call.callback_at, call.ended_at, default_tz)
    if redial is None:
        return {"asked_at": asked, "as": "redial", "scheduled": False, "why": "no_window"}
    return {
        "asked_at": asked,
        "as": "redial",
        "attempt_id": redial.id,
        "due_at": redial.due_at.isoformat(),
    }
