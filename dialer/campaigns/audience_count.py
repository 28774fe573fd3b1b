"""How many customers an audience would call, and how many are excluded and why, counted
in SQL without building attempts: the campaign form's live count.

Counted: the audience's members (lists and the filter's star, branch and AUM-band
conditions in SQL; tag and AUM-amount conditions, kept in JSON, are applied to the rows
that pass) and each excluded customer under its strongest suppression (opt-out,
do-not-call, blacklist, staff, as at start). Not counted here: the calling window,
holidays, contact caps and a live call, which delay a call rather than exclude the
customer; the start of the campaign decides those per customer (``audience.build_audience``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, literal, select, union_all
from sqlalchemy.orm import Session

from dialer.campaigns.spec import AudienceSpec
from dialer.lists.models import Customer, ListMember, Suppression

# the strongest reason first, as ``dialer.lists.suppression.find_suppressed`` reports it
PRIORITY = ("opt_out", "dnc", "blacklist", "staff")


@dataclass
class AudienceCount:
    members: int = 0
    would_call: int = 0
    excluded: Counter[str] = field(default_factory=Counter)


def _members(spec: AudienceSpec) -> Select[int, str, str | None]:
    q = select(Customer.id, Customer.phone_e164, Customer.external_id)
    if spec.list_ids:
        q = q.where(
            Customer.id.in_(
                select(ListMember.customer_id).where(ListMember.list_id.in_(spec.list_ids))
            )
        )
    f = spec.filter
    if f is not None:
        if f.star_min is not None:
            q = q.where(Customer.star_level >= f.star_min)
        if f.star_max is not None:
            q = q.where(Customer.star_level <= f.star_max)
        if f.branches is not None:
            q = q.where(Customer.branch.in_(f.branches))
        if f.aum_bands is not None:
            q = q.where(Customer.aum_band.in_(f.aum_bands))
    return q


def _json_filtered(spec: AudienceSpec) -> bool:
    f = spec.filter
    return f is not None and bool(
        f.tags_all or f.tags_none or f.aum_min is not None or f.aum_max is not None
    )


def _audience(session: Session, spec: AudienceSpec) -> Select[int, str, str | None]:
    """The audience's members (id, phone, external id), the JSON conditions applied."""
    base = _members(spec)
    if _json_filtered(spec):
        assert spec.filter is not None
        f = spec.filter
        cols = select(
            Customer.id, Customer.star_level, Customer.aum_band, Customer.branch,
            Customer.tags, Customer.attributes,
        ).where(Customer.id.in_(base.with_only_columns(Customer.id)))  # fmt: skip
        ids = [
            r.id
            for r in session.execute(cols)
            if f.matches(r.star_level, r.aum_band, r.branch, r.tags or [], r.attributes or {})
        ]
        base = select(Customer.id, Customer.phone_e164, Customer.external_id).where(
            Customer.id.in_(ids)
        )
    return base


def eligible_ids(session: Session, spec: AudienceSpec) -> list[int]:
    """The members no suppression excludes (by number or external id), by id: whom the
    campaign would call (a dry run samples them)."""
    m = _audience(session, spec).subquery("m")
    by_phone = select(m.c.id).join(Suppression, Suppression.phone_e164 == m.c.phone_e164)
    by_ext = select(m.c.id).join(Suppression, Suppression.external_id == m.c.external_id)
    out = select(m.c.id).where(m.c.id.not_in(union_all(by_phone, by_ext))).order_by(m.c.id)
    return [int(i) for i in session.scalars(out)]


def count_audience(session: Session, spec: AudienceSpec) -> AudienceCount:
    m = _audience(session, spec).subquery("m")
    members = int(session.scalar(select(func.count()).select_from(m)) or 0)
    rank = case(*((Suppression.kind == k, literal(i)) for i, k in enumerate(PRIORITY)), else_=99)
    by_phone = select(m.c.id, rank.label("r")).join(
        Suppression, Suppression.phone_e164 == m.c.phone_e164
    )
    by_ext = select(m.c.id, rank.label("r")).join(
        Suppression, Suppression.external_id == m.c.external_id
    )
    hits = union_all(by_phone, by_ext).subquery("hits")
    strongest = select(hits.c.id, func.min(hits.c.r).label("r")).group_by(hits.c.id).subquery()
    out = AudienceCount(members=members)
    for r, n in session.execute(select(strongest.c.r, func.count()).group_by(strongest.c.r)):
        out.excluded[PRIORITY[int(r)] if int(r) < len(PRIORITY) else "suppressed"] += int(n)
    out.would_call = members - sum(out.excluded.values())
    return out
