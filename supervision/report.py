"""The daily report: a day's funnel and rates per campaign and overall, leads per branch,
handoffs per agent, QA results, and anomalies against the previous seven days.

Figures come from aggregate queries (no row is loaded one by one) over the calls dialed
that local day: a call belongs to the day it was dialed, whenever it ended.
``build`` returns plain data; ``supervision.report_files`` writes it as HTML, CSV and XLSX.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, func, literal_column, or_, select
from sqlalchemy.orm import Session

from dialer.campaigns.models import Attempt, Campaign
from dialogue.speech.models import CallTurnMetric
from handoff.models import Offer, User
from kernel.vocab import GRADES, HANDOFF_RESULTS
from supervision.anomalies import Anomaly, DayRates, anomalies
from supervision.models import CallFlag, CallRecord, CallReview

ENGAGED_S = 15.0  # a human conversation at least this long counts as engaged
COMPLAINT = "complaint"
ACCEPTED_OFFER = ("accepted", "done")  # an accepted offer is "done" once the call is over


@dataclass
class Funnel:
    campaign_id: int | None
    campaign: str
    dialed: int = 0
    answered: int = 0
    human: int = 0
    engaged: int = 0
    grades: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GRADES, 0))
    handoffs: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HANDOFF_RESULTS, 0))
    leads: int = 0
    opt_outs: int = 0
    complaints: int = 0

    @property
    def handoffs_requested(self) -> int:
        return sum(self.handoffs.values())

    def rates(self) -> dict[str, float | None]:
        def r(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "connect_rate": r(self.answered, self.dialed),
            "human_rate": r(self.human, self.answered),
            "engaged_rate": r(self.engaged, self.human),
            "ab_rate": r(self.grades["A"] + self.grades["B"], self.human),
            "handoff_accept_rate": r(self.handoffs["accepted"], self.handoffs_requested),
            "lead_rate": r(self.leads, self.human),
            "opt_out_rate": r(self.opt_outs, self.human),
        }


@dataclass(frozen=True)
class AgentFigures:
    agent_id: int
    agent: str
    offered: int
    accepted: int
    declined: int
    timed_out: int
    mean_accept_s: float | None


@dataclass
class DailyReport:
    day: date
    timezone: str
    generated_at: datetime
    overall: Funnel
    campaigns: list[Funnel]
    leads_by_branch: dict[str, int]
    agents: list[AgentFigures]
    qa_flags: dict[str, int]
    qa_checked: int
    reviews: int
    mean_review_score: float | None
    recognition_failure_rate: float | None
    anomalies: list[Anomaly]
    history: list[tuple[date, DayRates]]

    def as_dict(self) -> dict[str, Any]:
        def funnel(f: Funnel) -> dict[str, Any]:
            return {**asdict(f), "handoffs_requested": f.handoffs_requested, **f.rates()}

        return {
            "day": self.day.isoformat(),
            "timezone": self.timezone,
            "generated_at": self.generated_at.isoformat(),
            "overall": funnel(self.overall),
            "campaigns": [funnel(c) for c in self.campaigns],
            "leads_by_branch": self.leads_by_branch,
            "agents": [asdict(a) for a in self.agents],
            "qa": {
                "checked": self.qa_checked,
                "flags": self.qa_flags,
                "reviews": self.reviews,
                "mean_review_score": self.mean_review_score,
            },
            "recognition_failure_rate": self.recognition_failure_rate,
            "anomalies": [asdict(a) for a in self.anomalies],
            "history": [{"day": d.isoformat(), **asdict(r)} for d, r in self.history],
        }


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    z = ZoneInfo(tz)
    return datetime.combine(day, time(0), z), datetime.combine(day + timedelta(days=1), time(0), z)


def _funnels(s: Session, lo: datetime, hi: datetime) -> dict[int, Funnel]:
    names: dict[int, str] = {i: n for i, n in s.execute(select(Campaign.id, Campaign.name))}
    out: dict[int, Funnel] = {}

    def get(cid: int) -> Funnel:
        if cid not in out:
            out[cid] = Funnel(cid, names.get(cid, f"#{cid}"))
        return out[cid]

    # answered: the carrier said so, or the call has a finished-call record (a conversation
    # took place even if the carrier's answered status was lost)
    answered = or_(Attempt.answered_at.is_not(None), CallRecord.attempt_id.is_not(None))
    dials = s.execute(
        select(Attempt.campaign_id, func.count(), func.sum(case((answered, 1), else_=0)))
        .outerjoin(CallRecord, CallRecord.attempt_id == Attempt.id)
        .where(Attempt.dialed_at >= lo, Attempt.dialed_at < hi)
        .group_by(Attempt.campaign_id)
    )
    for cid, n, n_answered in dials:
        f = get(cid)
        f.dialed, f.answered = n, int(n_answered or 0)
    human = CallRecord.answered_by == "human"
    rows = s.execute(
        select(
            CallRecord.campaign_id,
            CallRecord.grade,
            CallRecord.handoff_result,
            func.count(),
            func.sum(case((human, 1), else_=0)),
            func.sum(case((human & (CallRecord.duration_s >= ENGAGED_S), 1), else_=0)),
            func.sum(CallRecord.leads),
            func.sum(case((CallRecord.opted_out, 1), else_=0)),
            func.sum(case((CallRecord.disposition == COMPLAINT, 1), else_=0)),
        )
        .where(CallRecord.dialed_at >= lo, CallRecord.dialed_at < hi)
        .group_by(CallRecord.campaign_id, CallRecord.grade, CallRecord.handoff_result)
    )
    for cid, grade, handoff, _n, n_human, engaged, leads, opt, complaints in rows:
        f = get(cid)
        f.human += int(n_human or 0)
        f.engaged += int(engaged or 0)
        f.leads += int(leads or 0)
        f.opt_outs += int(opt or 0)
        f.complaints += int(complaints or 0)
        if grade in f.grades:
            f.grades[grade] += int(n_human or 0)
        if handoff in f.handoffs:
            f.handoffs[handoff] += int(_n)
    return out


def _total(funnels: list[Funnel]) -> Funnel:
    t = Funnel(None, "overall")
    for f in funnels:
        t.dialed += f.dialed
        t.answered += f.answered
        t.human += f.human
        t.engaged += f.engaged
        t.leads += f.leads
        t.opt_outs += f.opt_outs
        t.complaints += f.complaints
        for g in GRADES:
            t.grades[g] += f.grades[g]
        for h in HANDOFF_RESULTS:
            t.handoffs[h] += f.handoffs[h]
    return t


def _recognition(s: Session, lo: datetime, hi: datetime) -> float | None:
    total, failed = s.execute(
        select(func.count(), func.sum(case((CallTurnMetric.accepted, 0), else_=1)))
        .select_from(CallTurnMetric)
        .join(CallRecord, CallRecord.attempt_id == CallTurnMetric.attempt_id)
        .where(CallRecord.dialed_at >= lo, CallRecord.dialed_at < hi)
    ).one()
    return round(int(failed or 0) / total, 4) if total else None


def _rates(s: Session, lo: datetime, hi: datetime) -> DayRates:
    t = _total(list(_funnels(s, lo, hi).values()))
    r = t.rates()
    return DayRates(
        calls=t.dialed,
        connect_rate=r["connect_rate"],
        opt_out_rate=r["opt_out_rate"],
        complaint_rate=round(t.complaints / t.human, 4) if t.human else None,
        recognition_failure_rate=_recognition(s, lo, hi),
    )


def _agents(s: Session, lo: datetime, hi: datetime) -> list[AgentFigures]:
    wait = (
        (func.julianday(Offer.decided_at) - func.julianday(Offer.offered_at)) * 86400.0
        if s.get_bind().dialect.name == "sqlite"
        else func.extract("epoch", Offer.decided_at - Offer.offered_at)
    )

    took = Offer.status.in_(ACCEPTED_OFFER)

    def n(*status: str) -> Any:
        return func.sum(case((Offer.status.in_(status), 1), else_=0)).cast(Integer)

    rows = s.execute(
        select(
            Offer.agent_id,
            User.username,
            func.count(),
            n(*ACCEPTED_OFFER),
            n("declined"),
            n("timed_out"),
            func.avg(case((took, wait), else_=None)),
        )
        .join(User, User.id == Offer.agent_id)
        .where(Offer.offered_at >= lo, Offer.offered_at < hi)
        .group_by(Offer.agent_id, User.username)
        .order_by(User.username)
    )
    return [
        AgentFigures(
            aid,
            name,
            int(off),
            int(acc or 0),
            int(dec or 0),
            int(to or 0),
            round(float(w), 2) if w is not None else None,
        )
        for aid, name, off, acc, dec, to, w in rows
    ]


def build(s: Session, day: date, tz: str, now: datetime) -> DailyReport:
    """The report of local ``day`` in zone ``tz``."""
    lo, hi = day_bounds(day, tz)
    funnels = sorted(_funnels(s, lo, hi).values(), key=lambda f: f.campaign)
    overall = _total(funnels)
    branch = func.coalesce(CallRecord.branch, literal_column("'-'"))
    branches = dict(
        s.execute(
            select(branch, func.sum(CallRecord.leads))
            .where(CallRecord.dialed_at >= lo, CallRecord.dialed_at < hi, CallRecord.leads > 0)
            .group_by(branch)
        ).all()
    )
    flags = dict(
        s.execute(
            select(CallFlag.code, func.count())
            .join(CallRecord, CallRecord.attempt_id == CallFlag.attempt_id)
            .where(CallRecord.dialed_at >= lo, CallRecord.dialed_at < hi)
            .group_by(CallFlag.code)
        ).all()
    )
    checked = s.scalar(
        select(func.count())
        .select_from(CallRecord)
        .where(CallRecord.dialed_at >= lo, CallRecord.dialed_at < hi, CallRecord.qa_at.is_not(None))
    )
    n_reviews, mean_score = s.execute(
        select(func.count(), func.avg(CallReview.score))
        .join(CallRecord, CallRecord.attempt_id == CallReview.attempt_id)
        .where(CallRecord.dialed_at >= lo, CallRecord.dialed_at < hi)
    ).one()
    today = DayRates(
        calls=overall.dialed,
        connect_rate=overall.rates()["connect_rate"],
        opt_out_rate=overall.rates()["opt_out_rate"],
        complaint_rate=round(overall.complaints / overall.human, 4) if overall.human else None,
        recognition_failure_rate=_recognition(s, lo, hi),
    )
    history = []
    for back in range(7, 0, -1):
        d = day - timedelta(days=back)
        history.append((d, _rates(s, *day_bounds(d, tz))))
    return DailyReport(
        day=day,
        timezone=tz,
        generated_at=now,
        overall=overall,
        campaigns=funnels,
        leads_by_branch={k: int(v) for k, v in sorted(branches.items())},
        agents=_agents(s, lo, hi),
        qa_flags={k: int(v) for k, v in sorted(flags.items())},
        qa_checked=int(checked or 0),
        reviews=int(n_reviews or 0),
        mean_review_score=round(float(mean_score), 2) if mean_score is not None else None,
        recognition_failure_rate=today.recognition_failure_rate,
        anomalies=anomalies(today, [r for _, r in history]),
        history=[*history, (day, today)],
    )
