"""audience: split from dialer.campaigns.service (docstring to write)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from dialer.campaigns.calendars import calendar_for
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.eligibility import (
    ContactHistory,
    CustomerFacts,
    Decision,
    FrequencyCaps,
    PackCheck,
    decide,
)
from dialer.campaigns.holidays import HolidayCalendar
from dialer.campaigns.models import LIVE_STATES, Attempt, Campaign, SkipRecord
from dialer.campaigns.packfiles import pack_check
from dialer.campaigns.rulepacks import PastDial
from dialer.campaigns.spec import pick_variant
from dialer.campaigns.stored import compliance_of, spec_of, variants_of, window_of
from dialer.campaigns.windows import CallingWindow, ZoneSpec, resolve_zones
from dialer.lists.models import Customer, ListMember, Suppression


@dataclass(frozen=True)
class AudienceReport:
    members: int
    queued: int
    skipped: Counter[str]


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
        self._kinds: dict[int, tuple[str | None, str | None]] = {}

    def zones(self, row: CustomerRow) -> ZoneSpec:
        return resolve_zones(
            row.timezone,
            row.phone,
            self.default_tz,
            unknown_margin_min=self.settings.unknown_zone_margin_min,
        )

    def _campaign_kind(self, campaign_id: int) -> tuple[str | None, str | None]:
        """A past dial's campaign product and channel (for the rule packs)."""
        if campaign_id not in self._kinds:
            c = self.session.get(Campaign, campaign_id)
            p = compliance_of(c) if c is not None else None
            self._kinds[campaign_id] = (p.product, p.channel) if p is not None else (None, None)
        return self._kinds[campaign_id]

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
        dials: dict[int, list[PastDial]] = defaultdict(list)
        since = now - timedelta(days=max(self.settings.connected_period_days, 2))
        sup_q = select(Suppression.kind, Suppression.phone_e164, Suppression.external_id)
        live_q = select(Attempt.customer_id).where(Attempt.status.in_(LIVE_STATES))
        if exclude_attempt is not None:
            live_q = live_q.where(Attempt.id != exclude_attempt)
        hist_q = select(
            Attempt.customer_id,
            Attempt.dialed_at,
            Attempt.answered_at,
            Attempt.answered_by,
            Attempt.campaign_id,
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
            for cid, d_at, a_at, by, camp in hist:
                contact = a_at is not None and by == "human"
                if d_at is not None:
                    dialed[cid].append(d_at)
                    product, channel = self._campaign_kind(camp)
                    dials[cid].append(PastDial(d_at, product, channel, contact))
                if a_at is not None and contact:
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
                history=ContactHistory(
                    tuple(dialed[r.id]), tuple(connected.get(r.id, ())), tuple(dials[r.id])
                )
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
    packs: PackCheck | None = None,
) -> dict[int, Decision]:
    """Pure: a decision for every audience member."""
    memo: dict[ZoneSpec, Decision] = {}
    return {cid: decide(f, window, calendar, caps, at, memo, packs) for cid, f in facts.items()}


def build_audience(
    session: Session,
    c: Campaign,
    start: datetime,
    settings: DialerSettings,
    default_tz: str,
    *,
    only_new: bool = False,
) -> AudienceReport:
    """Queue one attempt per eligible audience member; record a skip for the others.
    ``only_new``: only members the campaign has no attempt or skip for yet (joined since)."""
    rows = audience_customers(session, c)
    if only_new:
        seen = set(
            session.scalars(select(Attempt.customer_id).where(Attempt.campaign_id == c.id))
        ) | set(
            session.scalars(select(SkipRecord.customer_id).where(SkipRecord.campaign_id == c.id))
        )
        rows = [r for r in rows if r.id not in seen]
    facts = FactsLoader(session, settings, default_tz).load(rows, start)
    window = window_of(c)
    cal = calendar_for(session, window.holiday_calendar)
    decisions = eligibility_pass(
        facts, window, cal, settings.caps(), start, pack_check(c, settings.rulepacks_dir)
    )
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
