"""Lease-based claiming of due rows in one statement, for any table with lease columns.

PostgreSQL: ``WITH picked AS MATERIALIZED (SELECT id ... LIMIT n FOR UPDATE SKIP LOCKED)
UPDATE t SET owner, until WHERE id IN (SELECT id FROM picked) RETURNING id`` -
concurrent claimers skip each other's rows.
SQLite: the same compare-and-set ``UPDATE ... RETURNING``; there are no row locks, but
``tailcall.db`` starts write transactions with ``BEGIN IMMEDIATE`` so claimers serialise.
The dialer claims attempts with it; CRM sync's outbox relay claims outbox rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, and_, or_, select, update
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class LeaseColumns:
    """Which columns of a table hold the row id, due time, lease owner and lease expiry."""

    id: str = "id"
    due: str = "due_at"
    owner: str = "lease_owner"
    until: str = "lease_until"


def claimable(
    table: Table, now: datetime, cols: LeaseColumns = LeaseColumns()
) -> ColumnElement[bool]:
    """Due and not leased (or the lease has expired)."""
    c = table.c
    return and_(c[cols.due] <= now, or_(c[cols.until].is_(None), c[cols.until] < now))


def claim(
    session: Session,
    table: Table,
    *,
    owner: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
    cols: LeaseColumns = LeaseColumns(),
) -> list[int]:
    """Lease up to ``limit`` due rows to ``owner`` until ``now + lease``; returns their ids.

    Runs inside the caller's transaction; the lease is visible to others once it commits.
    """
    if limit <= 0:
        return []
    c = table.c
    cond = and_(claimable(table, now, cols), *where)
    # The pick is a MATERIALIZED CTE: as a plain IN (subquery) PostgreSQL may run the
    # subquery more than once, and with SKIP LOCKED each run finds new rows, so far more
    # than ``limit`` rows would be claimed.
    pick = (
        select(c[cols.id])
        .where(cond)
        .order_by(c[cols.due], c[cols.id])
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("picked")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    stmt = (
        update(table)
        .where(c[cols.id].in_(select(pick.c[cols.id])), cond)
        .values({cols.owner: owner, cols.until: now + lease})
        .returning(c[cols.id])
        .execution_options(synchronize_session=False)
    )
    return sorted(int(r) for r in session.execute(stmt).scalars())


def release(
    session: Session,
    table: Table,
    ids: Sequence[int],
    *,
    owner: str,
    cols: LeaseColumns = LeaseColumns(),
) -> int:
    """Give leases back (only those still held by ``owner``)."""
    if not ids:
        return 0
    c = table.c
    stmt = (
        update(table)
        .where(c[cols.id].in_(list(ids)), c[cols.owner] == owner)
        .values({cols.owner: None, cols.until: None})
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
