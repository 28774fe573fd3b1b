"""The QA sweep: every finished call gets its flags, its agent and its review decision.

A call's transcript is written off the event loop and may land a little after its outcome,
so the sweep takes records whose call ended at least ``settle_s`` ago and that have not
been checked (``qa_at`` empty), gathers their facts (the transcript, the script's
disclosure states, the dial time in the customer's zone against the campaign's window, the
dials that day, a suppression that stood at dial time, the agent who took a handoff), runs
the pure rules (``supervision.qa``) and the sampling (``supervision.sampling``), and writes
flags and the review state in one transaction per batch. Run by ``serve`` every
``interval_s`` and by ``tailcall qa run``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.windows import CallingWindow, valid_zone
from dialer.lists.models import Customer, Suppression
from dialogue.speech.models import CallTranscriptRow
from handoff.models import HandoffRequestRow
from kernel.db import Database
from scripts.loader import find_script, load_script
from supervision.models import CallFlag, CallRecord
from supervision.qa import Line, QaFacts, QaPolicy, check
from supervision.sampling import SamplingPolicy, review_reason

HARD_SUPPRESSIONS = ("opt_out", "dnc", "blacklist")


@dataclass(frozen=True)
class SweepSettings:
    settle_s: float = 10.0
    batch: int = 200
    max_dials_per_day: int | None = 2
    default_timezone: str = "Asia/Shanghai"
    policy: QaPolicy = field(default_factory=QaPolicy)
    sampling: SamplingPolicy = field(default_factory=SamplingPolicy)


@lru_cache(maxsize=64)
def disclosure_states(script_id: str, language: str) -> frozenset[str]:
    """The states of a shipped script that carry its disclosure (none if not found)."""
    try:
        script = load_script(find_script(script_id, language))
    except Exception:  # a script that is gone: no disclosure rule for its calls
        return frozenset()
    return frozenset(sid for sid, st in script.states.items() if st.disclosure is not None)


def _window(campaign: Campaign) -> CallingWindow:
    try:
        return CallingWindow.model_validate(campaign.window or {})
    except ValueError:
        return CallingWindow()


def gather(s: Session, rec: CallRecord, cfg: SweepSettings) -> QaFacts:
    """The facts the rules read, for one record."""
    rows = s.scalars(
        select(CallTranscriptRow)
        .where(CallTranscriptRow.attempt_id == rec.attempt_id)
        .order_by(CallTranscriptRow.seq)
    ).all()
    if not rows and rec.call_sid:
        rows = s.scalars(
            select(CallTranscriptRow)
            .where(CallTranscriptRow.call_sid == rec.call_sid)
            .order_by(CallTranscriptRow.seq)
        ).all()
    lines = tuple(Line(r.speaker, r.text, r.start_s, r.end_s, r.state) for r in rows)
    campaign = s.get(Campaign, rec.campaign_id)
    customer = s.get(Customer, rec.customer_id)
    window = _window(campaign) if campaign is not None else CallingWindow()
    zone_name = customer.timezone if customer and valid_zone(customer.timezone) else None
    tz = ZoneInfo(zone_name or cfg.default_timezone)
    local = rec.dialed_at.astimezone(tz) if rec.dialed_at else None
    dials = 1
    suppressed = False
    if local is not None and rec.dialed_at is not None:
        day0 = datetime.combine(local.date(), time(0), tz)
        dials = (
            s.scalar(
                select(func.count())
                .select_from(Attempt)
                .where(
                    Attempt.customer_id == rec.customer_id,
                    Attempt.dialed_at >= day0,
                    Attempt.dialed_at <= rec.dialed_at,
                )
            )
            or 1
        )
        attempt = s.get(Attempt, rec.attempt_id)
        ext = customer.external_id if customer else None
        phone = attempt.phone_e164 if attempt else None
        who = [Suppression.phone_e164 == phone] if phone else []
        if ext:
            who.append(Suppression.external_id == ext)
        if who:
            suppressed = bool(
                s.scalar(
                    select(func.count())
                    .select_from(Suppression)
                    .where(
                        Suppression.kind.in_(HARD_SUPPRESSIONS),
                        Suppression.created_at < rec.dialed_at,
                        or_(*who),
                    )
                )
            )
    return QaFacts(
        lines=lines,
        disclosure_states=(
            disclosure_states(rec.script_id, campaign.language) if campaign else frozenset()
        ),
        opted_out=rec.opted_out,
        suppressed_before_dial=suppressed,
        handoff_result=rec.handoff_result,
        dialed_local=local.replace(tzinfo=None) if local else None,
        window_weekdays=tuple(window.weekdays),
        window_hours=tuple((a, b) for a, b in window.hours),
        dials_that_day=dials,
        max_dials_per_day=cfg.max_dials_per_day,
        language=campaign.language if campaign else "zh-CN",
    )


def _agent(s: Session, call_sid: str | None) -> int | None:
    if not call_sid:
        return None
    return s.scalar(
        select(HandoffRequestRow.agent_id)
        .where(HandoffRequestRow.call_sid == call_sid, HandoffRequestRow.agent_id.is_not(None))
        .order_by(HandoffRequestRow.id.desc())
        .limit(1)
    )


def sweep(db: Database, now: datetime, cfg: SweepSettings | None = None) -> int:
    """Check the records that are due; the number checked (call until it returns 0)."""
    cfg = cfg or SweepSettings()
    with db.session() as s:
        recs = s.scalars(
            select(CallRecord)
            .where(
                CallRecord.qa_at.is_(None),
                CallRecord.ended_at <= now - timedelta(seconds=cfg.settle_s),
            )
            .order_by(CallRecord.ended_at)
            .limit(cfg.batch)
        ).all()
        for rec in recs:
            apply_flags(s, rec, gather(s, rec, cfg), now, cfg)
        return len(recs)


def apply_flags(
    s: Session, rec: CallRecord, facts: QaFacts, now: datetime, cfg: SweepSettings
) -> None:
    flags = check(facts, cfg.policy)
    s.execute(delete(CallFlag).where(CallFlag.attempt_id == rec.attempt_id))
    for f in flags:
        s.add(
            CallFlag(
                attempt_id=rec.attempt_id,
                code=f.code,
                detail=f.detail[:300],
                at_s=f.at_s,
                detail_key=f.key,
                detail_args={k: v[:200] for k, v in f.args},
            )
        )
    codes = sorted({f.code for f in flags})
    rec.flags = codes
    rec.qa_at = now
    rec.agent_id = _agent(s, rec.call_sid)
    if rec.review_state == "none":
        reason = review_reason(rec.attempt_id, codes, cfg.sampling)
        if reason is not None:
            rec.review_state = "queued"
            rec.review_reason = reason
