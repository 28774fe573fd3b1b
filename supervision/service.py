"""What the supervisor's pages and API show: a call with everything it left behind, the
review queue, reviews, and an admin's reveal of one number; every look is audited.

Numbers are masked for every role in every view (the record keeps only the masked one;
transcripts are masked when stored). An admin reveals one call's number with a reason,
and that reveal is an audit entry; the number is read from the dialer's attempt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_sync.models import Lead
from dialer.campaigns.models import Attempt, Campaign
from dialogue.speech.models import CallSummaryRow, CallTranscriptRow, CallTurnMetric
from handoff.models import HandoffRequestRow, Offer, User
from kernel.audit import append
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.privacy import mask_phone
from supervision.models import CallFlag, CallRecord, CallReview
from supervision.review_form import parse, score

MIN_REASON = 4


@dataclass
class CallDetail:
    record: CallRecord
    campaign: str
    lines: list[dict[str, Any]]
    states: list[str]
    turns: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    handoffs: list[dict[str, Any]]
    leads: list[dict[str, Any]]
    recording: bool
    score_points: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "call": record_dict(self.record, self.campaign),
            "lines": self.lines,
            "states": self.states,
            "turns": self.turns,
            "flags": self.flags,
            "reviews": self.reviews,
            "handoffs": self.handoffs,
            "leads": self.leads,
            "recording": self.recording,
            "score_points": self.score_points,
        }


def record_dict(r: CallRecord, campaign: str | None = None) -> dict[str, Any]:
    return {
        "attempt_id": r.attempt_id,
        "call_sid": r.call_sid,
        "campaign_id": r.campaign_id,
        "campaign": campaign,
        "phone": r.phone_masked,
        "branch": r.branch,
        "script_id": r.script_id,
        "variant": r.variant,
        "answered_by": r.answered_by,
        "disposition": r.disposition,
        "grade": r.grade,
        "score": r.score,
        "reasons": r.reasons,
        "handoff_result": r.handoff_result,
        "agent_id": r.agent_id,
        "opted_out": r.opted_out,
        "leads": r.leads,
        "dialed_at": r.dialed_at.isoformat() if r.dialed_at else None,
        "ended_at": r.ended_at.isoformat(),
        "duration_s": r.duration_s,
        "flags": r.flags,
        "review_state": r.review_state,
        "review_reason": r.review_reason,
        "review_score": r.review_score,
    }


def _record(s: Session, attempt_id: int) -> CallRecord:
    rec = s.get(CallRecord, attempt_id)
    if rec is None:
        raise NotFound(f"call {attempt_id} has no record", where="attempt_id")
    return rec


def campaign_names(s: Session) -> dict[int, str]:
    return {i: n for i, n in s.execute(select(Campaign.id, Campaign.name))}


def agent_names(s: Session) -> dict[int, str]:
    """Console users who take calls, by id (the history's agent filter)."""
    rows = s.execute(select(User.id, User.username).where(User.role == "agent"))
    return {i: n for i, n in rows}


def call_detail(s: Session, attempt_id: int) -> CallDetail:
    rec = _record(s, attempt_id)
    sid = rec.call_sid or ""
    rows = s.scalars(
        select(CallTranscriptRow)
        .where(CallTranscriptRow.call_sid == sid)
        .order_by(CallTranscriptRow.start_s, CallTranscriptRow.seq)
    ).all()
    lines = [
        {
            "seq": r.seq,
            "speaker": r.speaker,
            "text": r.text,
            "start_s": r.start_s,
            "end_s": r.end_s,
            "state": r.state,
            "confidence": r.confidence,
            "matched": r.matched,
        }
        for r in rows
    ]
    states: list[str] = []
    for r in rows:
        if r.state and (not states or states[-1] != r.state):
            states.append(r.state)
    turns = [
        {
            "seq": t.seq,
            "state": t.state,
            "at_s": t.speech_end_s,
            "asr_s": t.asr_final_latency_s,
            "response_s": t.response_latency_s,
            "accepted": t.accepted,
        }
        for t in s.scalars(
            select(CallTurnMetric)
            .where(CallTurnMetric.call_sid == sid)
            .order_by(CallTurnMetric.seq)
        )
    ]
    flags = [
        {
            "code": f.code,
            "detail": f.detail,
            "at_s": f.at_s,
            "key": f.detail_key,
            "args": dict(f.detail_args or {}),
        }
        for f in s.scalars(select(CallFlag).where(CallFlag.attempt_id == attempt_id))
    ]
    reviews = [
        {
            "reviewer": v.reviewer,
            "at": v.at.isoformat(),
            "score": v.score,
            "checklist": v.checklist,
            "notes": v.notes,
        }
        for v in s.scalars(
            select(CallReview).where(CallReview.attempt_id == attempt_id).order_by(CallReview.id)
        )
    ]
    handoffs, points = _handoffs(s, sid)
    start = rec.answered_at or rec.dialed_at
    for e in handoffs:  # seconds into the call, as the transcript counts them
        at = datetime.fromisoformat(str(e["at"]))
        e["offset_s"] = round((at - start).total_seconds(), 1) if start is not None else None
    leads = [
        {
            "id": ld.id,
            "route": ld.route,
            "branch": ld.branch,
            "kind": ld.kind,
            "grade": ld.grade,
            "status": ld.status,
            "next_action": ld.next_action,
            "phone": mask_phone(ld.phone_e164),
        }
        for ld in s.scalars(select(Lead).where(Lead.attempt_id == attempt_id))
    ]
    summary = s.get(CallSummaryRow, sid) if sid else None
    name = campaign_names(s).get(rec.campaign_id, f"#{rec.campaign_id}")
    # the score after each turn when the live call kept it; else the scores at handoff
    points = [dict(p) for p in rec.score_history or []] or points
    return CallDetail(
        rec, name, lines, states, turns, flags, reviews, handoffs, leads,
        recording=bool(summary and summary.recording_path),
        score_points=points,
    )  # fmt: skip


def _handoffs(s: Session, sid: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    events: list[dict[str, Any]] = []
    points: list[dict[str, Any]] = []
    names = {i: n for i, n in s.execute(select(User.id, User.username))}
    for req in s.scalars(select(HandoffRequestRow).where(HandoffRequestRow.call_sid == sid)):
        events.append({"at": req.requested_at.isoformat(), "event": "requested", "state": req.state,
                       "grade": req.grade, "score": req.score})  # fmt: skip
        reasons = [r.get("text", "") if isinstance(r, Mapping) else str(r) for r in req.reasons]
        points.append({"at": req.requested_at.isoformat(), "score": req.score, "reasons": reasons})
        for o in s.scalars(select(Offer).where(Offer.request_id == req.id).order_by(Offer.id)):
            events.append({"at": o.offered_at.isoformat(), "event": "offered",
                           "agent": names.get(o.agent_id, str(o.agent_id))})  # fmt: skip
            if o.decided_at is not None:
                events.append({"at": o.decided_at.isoformat(), "event": o.status,
                               "agent": names.get(o.agent_id, str(o.agent_id))})  # fmt: skip
        if req.ended_at is not None:
            events.append({"at": req.ended_at.isoformat(), "event": f"ended:{req.outcome}"})
    events.sort(key=lambda e: str(e["at"]))
    return events, points


def recording_file(s: Session, attempt_id: int, root: Path) -> Path:
    """The call's recording, if it is a file inside ``root`` (the data dir)."""
    rec = _record(s, attempt_id)
    summary = s.get(CallSummaryRow, rec.call_sid) if rec.call_sid else None
    if summary is None or not summary.recording_path:
        raise NotFound("the call has no recording", where="attempt_id")
    path = Path(summary.recording_path).resolve()
    try:
        path.relative_to(root.resolve())
    except ValueError:
        raise NotFound("the call has no recording", where="attempt_id") from None
    if not path.is_file():
        raise NotFound("the recording was deleted", where="attempt_id")
    return path


def save_review(
    s: Session, attempt_id: int, reviewer: str, raw: Mapping[str, object], notes: str, now: datetime
) -> CallReview:
    rec = _record(s, attempt_id)
    if len(notes) > 2000:
        raise InvalidInput("notes are limited to 2000 characters", where="notes")
    answers = parse(raw)
    review = CallReview(
        attempt_id=attempt_id,
        reviewer=reviewer[:64],
        at=now,
        checklist=answers,
        score=score(answers),
        notes=notes,
    )
    s.add(review)
    rec.review_state = "reviewed"
    rec.review_score = review.score
    append(s, "review_saved", now, username=reviewer, subject=f"call:{attempt_id}",
           detail=f"score {review.score:g}")  # fmt: skip
    return review


def reveal_number(
    s: Session, attempt_id: int, who: str, role: str, reason: str, now: datetime, address: str = ""
) -> str:
    """The full number of one call, for an admin who gives a reason (audited)."""
    if role != "admin":
        raise Forbidden("only an admin may reveal a number", where="role")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(f"give a reason (at least {MIN_REASON} characters)", where="reason")
    _record(s, attempt_id)
    attempt = s.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    append(s, "number_revealed", now, username=who, address=address,
           subject=f"call:{attempt_id}", detail=reason)  # fmt: skip
    return attempt.phone_e164


def queue(s: Session, *, limit: int = 100, before: int | None = None) -> list[CallRecord]:
    """Calls waiting for review, newest first (the sweep fills the queue as calls end)."""
    stmt = (
        select(CallRecord)
        .where(CallRecord.review_state == "queued")
        .order_by(CallRecord.attempt_id.desc())
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(CallRecord.attempt_id < before)
    return list(s.scalars(stmt))
