"""Read-side queries on customers and call lists for the workspace: counts and the
members of a list with their numbers masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.lists.models import CallList, Customer, ListMember, Suppression
from kernel.privacy import mask_phone


@dataclass(frozen=True)
class MemberView:
    line: int
    customer_id: int
    phone: str  # masked
    name: str | None
    external_id: str | None
    star_level: int | None
    aum_band: str | None
    branch: str | None
    tags: tuple[str, ...]


def count_lists(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(CallList)) or 0)


def count_customers(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Customer)) or 0)


def count_members(session: Session, list_id: int) -> int:
    q = select(func.count()).select_from(ListMember).where(ListMember.list_id == list_id)
    return int(session.scalar(q) or 0)


def _masked_name(name: str | None) -> str | None:
    """The family name only (Chinese) or the first letter (Latin), the rest hidden."""
    if not name:
        return None
    return name[0] + "*" * min(max(len(name) - 1, 1), 3)


def list_members(session: Session, list_id: int, offset: int, limit: int) -> list[MemberView]:
    """A page of a list's customers in file order; numbers and names masked."""
    q = (
        select(ListMember.line_no, Customer)
        .join(Customer, Customer.id == ListMember.customer_id)
        .where(ListMember.list_id == list_id)
        .order_by(ListMember.line_no)
        .offset(offset)
        .limit(limit)
    )
    return [
        MemberView(
            line=line,
            customer_id=c.id,
            phone=mask_phone(c.phone_e164),
            name=_masked_name(c.name),
            external_id=c.external_id,
            star_level=c.star_level,
            aum_band=c.aum_band,
            branch=c.branch,
            tags=tuple(c.tags or ()),
        )
        for line, c in session.execute(q)
    ]


@dataclass(frozen=True)
class SuppressionView:
    id: int
    kind: str
    phone: str  # masked
    external_id: str | None
    reason: str | None
    source: str
    created_at: datetime


def list_suppressions(
    session: Session, kind: str | None, offset: int, limit: int
) -> tuple[int, list[SuppressionView]]:
    """How many entries (of ``kind``, or all) and a page of them, newest first, masked."""
    cond = [Suppression.kind == kind] if kind else []
    n = session.scalar(select(func.count()).select_from(Suppression).where(*cond)) or 0
    q = select(Suppression).where(*cond).order_by(Suppression.id.desc()).offset(offset).limit(limit)
    rows = [
        SuppressionView(
            id=e.id,
            kind=e.kind,
            phone=mask_phone(e.phone_e164),
            external_id=e.external_id,
            reason=e.reason,
            source=e.source,
            created_at=e.created_at,
        )
        for e in session.scalars(q)
    ]
    return int(n), rows
