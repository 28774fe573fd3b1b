"""Campaign service: lifecycle, audience, eligibility facts, outcomes, retries, opt-outs.

Functions take a ``Session`` inside the caller's unit of work; nothing here does HTTP.
The dial loop (``dialer.campaigns.worker``) and the API/CLI call these.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dialer.campaigns.config import DialerSettings
from dialer.campaigns.eligibility import (
    ContactHistory,
    CustomerFacts,
    Decision,
    FrequencyCaps,
    decide,
)
from dialer.campaigns.holidays import HolidayCalendar, HolidayEntry, packaged_calendar
from dialer.campaigns.models import LIVE_STATES, Attempt, Campaign, HolidayDay, SkipRecord
from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.retries import RetryPolicy, next_retry
from dialer.campaigns.spec import CampaignSpec, VariantSpec, pick_variant
from dialer.campaigns.windows import CallingWindow, ZoneSpec, resolve_zones
from dialer.carriers.base import classify
from dialer.lists.models import CallList, Customer, ListMember, Suppression
from kernel.errors import Conflict, InvalidInput, NotFound

log = logging.getLogger(__name__)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "schedule": ("draft",),
    "pause": ("running", "scheduled"),
    "resume": ("paused",),
    "cancel": ("draft", "scheduled", "running", "paused"),
}
_STATE_ORDER = {"queued": 0, "dialing": 1, "ringing": 2, "in_progress": 3, "ended": 4}


# ---------------------------------------------------------------- campaigns


def create_campaign(session: Session, spec: CampaignSpec, now: datetime) -> Campaign:
    if session.scalar(select(Campaign.id).where(Campaign.name == spec.name)) is not None:
        raise Conflict("a campaign with this name exists", where="name")
    _check_lists(session, spec.audience.list_ids)
    _check_calendar(session, spec.window.holiday_calendar)
    c = Campaign(status="draft", created_at=now, updated_at=now)
    _apply_spec(c, spec)
    session.add(c)
    session.flush()
    return c


def update_campaign(
    session: Session, campaign_id: int, spec: CampaignSpec, now: datetime
) -> Campaign:
    c = get_campaign(session, campaign_id)
    if c.status != "draft":
        raise Conflict(f"only a draft campaign can be edited (it is {c.status})", where="status")
    _check_lists(session, spec.audience.list_ids)
    _check_calendar(session, spec.window.holiday_calendar)
    _apply_spec(c, spec)
    c.updated_at = now
    return c


def _apply_spec(c: Campaign, spec: CampaignSpec) -> None:
    c.name = spec.name
    c.script_id = spec.script_id
    c.language = spec.language
    c.caller_id = spec.caller_id
    c.variants = [v.model_dump(mode="json") for v in spec.variants]
    c.audience = spec.audience.model_dump(mode="json")
    c.window = spec.window.model_dump(mode="json")
    c.pacing = spec.pacing.model_dump(mode="json")
    c.retry_rules = spec.retry.model_dump(mode="json")
    c.thresholds = dict(spec.thresholds)
    c.live_handoff = spec.live_handoff
    c.handoff_skill = spec.handoff_skill
    c.start_at = spec.start_at


def spec_of(c: Campaign) -> CampaignSpec:
    return CampaignSpec.model_validate(
        {
            "name": c.name,
            "script_id": c.script_id,
            "language": c.language,
            "caller_id": c.caller_id,
            "variants": c.variants,
            "audience": c.audience,
            "window": c.window,
            "pacing": c.pacing,
            "retry": c.retry_rules,
            "thresholds": c.thresholds,
            "live_handoff": c.live_handoff,
            "handoff_skill": c.handoff_skill,
            "start_at": c.start_at,
        }
    )


def window_of(c: Campaign) -> CallingWindow:
    return CallingWindow.model_validate(c.window)


def pacing_of(c: Campaign) -> PacingConfig:
    return PacingConfig.model_validate(c.pacing)


def retry_of(c: Campaign) -> RetryPolicy:
    return RetryPolicy.model_validate(c.retry_rules)


def variants_of(c: Campaign) -> list[VariantSpec]:
    return [VariantSpec.model_validate(v) for v in c.variants]


def _check_lists(session: Session, list_ids: Sequence[int]) -> None:
    if not list_ids:
        return
    found = set(session.scalars(select(CallList.id).where(CallList.id.in_(list_ids))))
    for i, lid in enumerate(list_ids):
        if lid not in found:
            raise InvalidInput(f"call list {lid} does not exist", where=f"audience.list_ids[{i}]")


def _check_calendar(session: Session, name: str | None) -> None:
    if name:
        load_calendars(session, [name])


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    c = session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound(f"campaign {campaign_id} does not exist", where="campaign_id")
    return c


def find_campaign(session: Session, ref: str) -> Campaign:
    """By id or by name (CLI)."""
    if ref.isdigit():
        return get_campaign(session, int(ref))
    c = session.scalar(select(Campaign).where(Campaign.name == ref))
    if c is None:
        raise NotFound("no campaign with this name", where="campaign")
    return c


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def _transition(c: Campaign, action: str) -> None:
    if c.status not in TRANSITIONS[action]:
        raise Conflict(f"cannot {action} a campaign that is {c.status}", where="status")


# ---------------------------------------------------------------- lifecycle


@dataclass(frozen=True)
class AudienceReport:
    members: int
    queued: int
    skipped: Counter[str]


def start_campaign(
    session: Session,
    campaign_id: int,
    now: datetime,
    settings: DialerSettings,
    default_tz: str,
) -> AudienceReport:
    """draft -> scheduled (start_at in the future) or running; builds the attempts."""
    c = get_campaign(session, campaign_id)
    _transition(c, "schedule")
    start = c.start_at if c.start_at and c.start_at > now else now
    report = build_audience(session, c, start, settings, default_tz)
    c.status = "scheduled" if start > now else "running"
    if c.status == "running":
        c.started_at = now
    c.updated_at = now
    return report


def pause_campaign(session: Session, campaign_id: int, now: datetime) -> Campaign:
    """No new dials; live calls finish."""
    c = get_campaign(session, campaign_id)
    _transition(c, "pause")
    c.status = "paused"
    c.updated_at = now
    return c


def resume_campaign(session: Session, campaign_id: int, now: datetime) -> Campaign:
    c = get_campaign(session, campaign_id)
    _transition(c, "resume")
    c.status = "running" if c.started_at else "scheduled"
    if c.status == "scheduled" and (c.start_at is None or c.start_at <= now):
        c.status, c.started_at = "running", now
    c.updated_at = now
    return c


def cancel_campaign(session: Session, campaign_id: int, now: datetime, reason: str) -> int:
    """Ends queued attempts with the reason; live calls finish. Returns attempts cancelled."""
    c = get_campaign(session, campaign_id)
    _transition(c, "cancel")
    c.status = "cancelled"
    c.ended_at = now
    c.end_reason = reason[:200]
    c.updated_at = now
    res = session.execute(
        update(Attempt)
        .where(Attempt.campaign_id == c.id, Attempt.status == "queued")
        .values(
            status="cancelled",
            ended_at=now,
            end_reason=reason[:200],
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    return int(res.rowcount)  # type: ignore[attr-defined]


def promote_and_complete(session: Session, now: datetime) -> None:
    """scheduled -> running at start time; running -> completed when nothing is left."""
    for c in session.scalars(
        select(Campaign).where(Campaign.status == "scheduled", Campaign.start_at <= now)
    ):
        c.status, c.started_at, c.updated_at = "running", now, now
    open_attempts = (
        select(Attempt.id)
        .where(Attempt.campaign_id == Campaign.id, Attempt.status.in_(("queued", *LIVE_STATES)))
        .exists()
    )
    for c in session.scalars(select(Campaign).where(Campaign.status == "running", ~open_attempts)):
        c.status, c.ended_at, c.updated_at, c.end_reason = (
            "completed",
            now,
            now,
            "all attempts done",
        )


# ---------------------------------------------------------------- audience


@dataclass
class CustomerRow:
    id: int
    phone: str
    external_id: str | None
    timezone: str | None


def audience_customers(session: Session, c: Campaign) -> list[CustomerRow]:
    spec = spec_of(c).audience
    f = spec.filter
    cols = [Customer.id, Customer.phone_e164, Customer.external_id, Customer.timezone]
    if f is not None:
        cols += [
            Customer.star_level,
            Customer.aum_band,
            Customer.branch,
            Customer.tags,
            Customer.attributes,
        ]
    q = select(*cols)
    if spec.list_ids:
        q = q.where(
            Customer.id.in_(
                select(ListMember.customer_id).where(ListMember.list_id.in_(spec.list_ids))
            )
        )
    if f is None:
        plain: Sequence[Any] = session.execute(q.order_by(Customer.id)).all()
        return [CustomerRow(r[0], r[1], r[2], r[3]) for r in plain]
    if f.star_min is not None:
        q = q.where(Customer.star_level >= f.star_min)
    if f.star_max is not None:
        q = q.where(Customer.star_level <= f.star_max)
    if f.branches is not None:
        q = q.where(Customer.branch.in_(f.branches))
    if f.aum_bands is not None:
        q = q.where(Customer.aum_band.in_(f.aum_bands))
    out = []
    for r in session.execute(q.order_by(Customer.id)):
        if not f.matches(r.star_level, r.aum_band, r.branch, r.tags or [], r.attributes or {}):
            continue
        out.append(CustomerRow(r.id, r.phone_e164, r.external_id, r.timezone))
    return out


class FactsLoader:
    """Loads what eligibility needs for many customers with a handful of queries."""

    def __init__(self, session: Session, settings: DialerSettings, default_tz: str) -> None:
        self.session = session
        self.settings = settings
        self.default_tz = default_tz

    def zones(self, row: CustomerRow) -> ZoneSpec:
        return resolve_zones(
            row.timezone,
            row.phone,
            self.default_tz,
            unknown_margin_min=self.settings.unknown_zone_margin_min,
        )

    # Above this many customers one scan of each table beats chunked IN lists.
    BULK = 20_000

    def load(
        self, rows: Sequence[CustomerRow], now: datetime, exclude_attempt: int | None = None
    ) -> dict[int, CustomerFacts]:
        s = self.session
        by_phone: dict[str, set[str]] = defaultdict(set)
        by_ext: dict[str, set[str]] = defaultdict(set)
        live: set[int] = set()
        dialed: dict[int, list[datetime]] = defaultdict(list)
        connected: dict[int, list[datetime]] = defaultdict(list)
        since = now - timedelta(days=max(self.settings.connected_period_days, 2))
        sup_q = select(Suppression.kind, Suppression.phone_e164, Suppression.external_id)
        live_q = select(Attempt.customer_id).where(Attempt.status.in_(LIVE_STATES))
        if exclude_attempt is not None:
            live_q = live_q.where(Attempt.id != exclude_attempt)
        hist_q = select(
            Attempt.customer_id, Attempt.dialed_at, Attempt.answered_at, Attempt.answered_by
        ).where(
            Attempt.dialed_at >= since,
            or_(Attempt.outcome.is_(None), Attempt.outcome != "not_dialed"),
        )
        bulk = len(rows) > self.BULK
        for chunk in [rows] if bulk else _chunks(rows, 5000):
            cids = [r.id for r in chunk]
            if bulk:
                sups = s.execute(sup_q)
                lives = s.scalars(live_q)
                hist = s.execute(hist_q)
            else:
                exts = [r.external_id for r in chunk if r.external_id]
                conds = [Suppression.phone_e164.in_([r.phone for r in chunk])]
                if exts:
                    conds.append(Suppression.external_id.in_(exts))
                sups = s.execute(sup_q.where(or_(*conds)))
                lives = s.scalars(live_q.where(Attempt.customer_id.in_(cids)))
                hist = s.execute(hist_q.where(Attempt.customer_id.in_(cids)))
            for kind, phone, ext in sups:
                if phone:
                    by_phone[phone].add(kind)
                if ext:
                    by_ext[ext].add(kind)
            live.update(lives)
            for cid, d_at, a_at, by in hist:
                if d_at is not None:
                    dialed[cid].append(d_at)
                if a_at is not None and by == "human":
                    connected[cid].append(a_at)
        out: dict[int, CustomerFacts] = {}
        empty = ContactHistory()
        for r in rows:
            kinds = by_phone.get(r.phone)
            if r.external_id and r.external_id in by_ext:
                kinds = (kinds or set()) | by_ext[r.external_id]
            out[r.id] = CustomerFacts(
                customer_id=r.id,
                zones=self.zones(r),
                suppressions=frozenset(kinds) if kinds else frozenset(),
                in_live_call=r.id in live,
                history=ContactHistory(tuple(dialed[r.id]), tuple(connected.get(r.id, ())))
                if r.id in dialed
                else empty,
            )
        return out


def _chunks(seq: Sequence[CustomerRow], n: int) -> Iterable[Sequence[CustomerRow]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


def eligibility_pass(
    facts: dict[int, CustomerFacts],
    window: CallingWindow,
    calendar: HolidayCalendar,
    caps: FrequencyCaps,
    at: datetime,
) -> dict[int, Decision]:
    """Pure: a decision for every audience member."""
    memo: dict[ZoneSpec, Decision] = {}
    return {cid: decide(f, window, calendar, caps, at, memo) for cid, f in facts.items()}


def build_audience(
    session: Session, c: Campaign, start: datetime, settings: DialerSettings, default_tz: str
) -> AudienceReport:
    """Queue one attempt per eligible audience member; record a skip for the others."""
    rows = audience_customers(session, c)
    facts = FactsLoader(session, settings, default_tz).load(rows, start)
    window = window_of(c)
    cal = calendar_for(session, window.holiday_calendar)
    decisions = eligibility_pass(facts, window, cal, settings.caps(), start)
    variants = variants_of(c)
    attempts: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    for r in rows:
        d = decisions[r.id]
        if d.ok or not d.final:
            due = start if d.ok or d.retry_at is None else max(start, d.retry_at)
            attempts.append(
                {
                    "campaign_id": c.id,
                    "customer_id": r.id,
                    "phone_e164": r.phone,
                    "seq": 1,
                    "variant": pick_variant(variants, c.id, r.id),
                    "status": "queued",
                    "due_at": due,
                    "queued_at": start,
                }
            )
        else:
            skipped[d.reason or "unknown"] += 1
            skips.append(
                {
                    "campaign_id": c.id,
                    "customer_id": r.id,
                    "reason": d.reason,
                    "final": True,
                    "at": start,
                }
            )
    for i in range(0, len(attempts), 5000):
        session.execute(insert(Attempt), attempts[i : i + 5000])
    for i in range(0, len(skips), 5000):
        session.execute(insert(SkipRecord), skips[i : i + 5000])
    return AudienceReport(members=len(rows), queued=len(attempts), skipped=skipped)


# ---------------------------------------------------------------- holidays


def load_calendars(session: Session, names: Iterable[str]) -> dict[str, HolidayCalendar]:
    """Calendars from the database, or the packaged data when the table has none."""
    out: dict[str, HolidayCalendar] = {}
    for name in set(names):
        rows = session.execute(
            select(HolidayDay.day, HolidayDay.kind, HolidayDay.name).where(
                HolidayDay.calendar == name
            )
        ).all()
        if rows:
            out[name] = HolidayCalendar.from_entries(
                name, (HolidayEntry(d, k, n) for d, k, n in rows)
            )
        else:
            out[name] = packaged_calendar(name)
    return out


def calendar_for(session: Session, name: str | None) -> HolidayCalendar:
    from dialer.campaigns.holidays import EMPTY

    if not name:
        return EMPTY
    return load_calendars(session, [name])[name]


def store_calendar(
    session: Session, name: str, entries: Sequence[HolidayEntry], *, replace_years: bool = True
) -> int:
    """Upsert a calendar's days; the years present in ``entries`` are replaced whole."""
    years = {e.day.year for e in entries}
    if replace_years:
        for y in years:
            session.execute(
                delete(HolidayDay).where(
                    HolidayDay.calendar == name,
                    HolidayDay.day >= datetime(y, 1, 1).date(),
                    HolidayDay.day <= datetime(y, 12, 31).date(),
                )
            )
    for e in entries:
        session.add(HolidayDay(calendar=name, day=e.day, kind=e.kind, name=e.name))
    session.flush()
    return len(entries)


# ---------------------------------------------------------------- outcomes


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
        return None
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
        variant=a.variant,
        status="queued",
        due_at=when,
        queued_at=now,
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
    if sid:
        a = session.scalar(select(Attempt).where(Attempt.carrier_sid == sid).with_for_update())
    if a is None and attempt_id is not None:
        a = session.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
        if a is not None and a.carrier_sid and sid and a.carrier_sid != sid:
            return None  # a report for some other call
    if a is None or a.status not in LIVE_STATES:
        return a
    if sid and not a.carrier_sid:
        a.carrier_sid = sid
    # Who answered: the speech pipeline's verdict (or the first one heard) wins over a
    # later callback's answering-machine guess.
    cl = classify(
        status, a.answered_by or answered_by, sip_code, answered=a.answered_at is not None
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
        if a.status == "review":
            a.end_reason = "reconciled from review"
        finish_attempt(session, a, cl.outcome or "failed", now, default_tz=default_tz)
        return a
    if a.status == "review" or _STATE_ORDER[cl.state] <= _STATE_ORDER.get(a.status, 0):
        return a
    a.status = cl.state
    watchdog = settings.max_call_s if cl.state == "in_progress" else settings.ring_timeout_s
    a.lease_until = now + timedelta(seconds=watchdog)
    return a


def record_answer_class(session: Session, attempt_id: int, kind: str) -> None:
    """The speech pipeline's verdict on who answered: human | voicemail | announcement."""
    if kind not in ("human", "voicemail", "announcement"):
        raise InvalidInput("unknown answer class", where="answered_by")
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    a.answered_by = kind


def record_disposition(session: Session, attempt_id: int, disposition: str) -> None:
    """The script's disposition at hang-up."""
    a = session.get(Attempt, attempt_id)
    if a is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    a.disposition = disposition[:64]


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
    from dialer.campaigns.retries import OUTCOMES

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


# ---------------------------------------------------------------- reporting


def campaign_status(session: Session, campaign_id: int) -> dict[str, Any]:
    c = get_campaign(session, campaign_id)
    by_status = dict(
        session.execute(
            select(Attempt.status, func.count())
            .where(Attempt.campaign_id == c.id)
            .group_by(Attempt.status)
        ).all()
    )
    outcomes = dict(
        session.execute(
            select(Attempt.outcome, func.count())
            .where(Attempt.campaign_id == c.id, Attempt.outcome.is_not(None))
            .group_by(Attempt.outcome)
        ).all()
    )
    skips = skip_counts(session, c.id)
    return {
        "id": c.id,
        "name": c.name,
        "status": c.status,
        "end_reason": c.end_reason,
        "attempts": by_status,
        "outcomes": outcomes,
        "skips": skips,
        "started_at": c.started_at.isoformat() if c.started_at else None,
        "ended_at": c.ended_at.isoformat() if c.ended_at else None,
    }


def skip_counts(session: Session, campaign_id: int) -> dict[str, int]:
    return dict(
        session.execute(
            select(SkipRecord.reason, func.count())
            .where(SkipRecord.campaign_id == campaign_id)
            .group_by(SkipRecord.reason)
        ).all()
    )


def list_skips(
    session: Session,
    campaign_id: int,
    *,
    reason: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[SkipRecord]:
    q = select(SkipRecord).where(SkipRecord.campaign_id == campaign_id)
    if reason:
        q = q.where(SkipRecord.reason == reason)
    return list(session.scalars(q.order_by(SkipRecord.id).limit(limit).offset(offset)))


def in_flight(session: Session, now: datetime, campaign_id: int | None = None) -> int:
    """Attempts holding a line or about to (live, or claimed under an unexpired lease)."""
    cond = or_(
        Attempt.status.in_(LIVE_STATES),
        and_(Attempt.status == "queued", Attempt.lease_until > now),
    )
    q = select(func.count()).select_from(Attempt).where(cond)
    if campaign_id is not None:
        q = q.where(Attempt.campaign_id == campaign_id)
    return int(session.scalar(q) or 0)
