"""Claiming rows with a lease, in one statement, on PostgreSQL and SQLite.

The dialer claims its attempts with it and CRM sync's relay its outbox deliveries.

A claimable table has an integer primary key ``id`` and two lease columns: the owner
(a string naming the worker) and the lease end (a timezone-aware datetime). A row is
claimable when it matches the caller's ``ready`` condition and its lease is free or has
expired, so a crashed worker's rows come back after the lease runs out.

- PostgreSQL: ``WITH picked AS MATERIALIZED (SELECT id ... ORDER BY ... LIMIT n FOR UPDATE
  SKIP LOCKED) UPDATE t SET owner, lease_until WHERE id IN (SELECT id FROM picked)
  RETURNING id``: concurrent workers skip each other's rows. The pick must be materialised:
  as a plain ``IN (subquery)`` PostgreSQL may re-run the subquery per outer row (a nested
  loop semi join, common on fresh tables), and with SKIP LOCKED each run finds new rows, so
  one claim of ``LIMIT 5`` was seen taking 60 rows.
- SQLite (no row locks): the same compare-and-set ``UPDATE ... WHERE id IN (SELECT ...)
  AND <still claimable> RETURNING id``; it must run inside a write transaction begun with
  ``BEGIN IMMEDIATE`` (as ``kernel.db`` does), which serialises writers up front.

Results are fenced: :func:`owned_ids` returns the subset of rows the worker still holds,
so a worker whose lease expired (and whose rows were claimed again) cannot overwrite the
new owner's work. The lease end a claim wrote (:func:`lease_end`) also identifies that
claim: a worker that may claim its own expired rows again (one that pipelines batches)
fences on owner and lease end together. :func:`release` frees the lease of rows a worker
still owns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_, select, update
from sqlalchemy.orm import Session


class LeaseColumns:
    """Names the lease columns of a table (defaults: ``lease_owner``, ``lease_until``)."""

    def __init__(self, table: Table, owner: str = "lease_owner", until: str = "lease_until"):
        self.table = table
        self.id = table.c["id"]
        self.owner = table.c[owner]
        self.until = table.c[until]

    def free_at(self, now: datetime) -> ColumnElement[bool]:
        """The lease is free (never taken, released, or expired)."""
        return or_(self.until.is_(None), self.until <= now)


def lease_end(now: datetime, lease_seconds: float) -> datetime:
    """The ``lease_until`` that :func:`claim` writes for a claim made at ``now``."""
    return now + timedelta(seconds=lease_seconds)


def claim(
    session: Session,
    lease: LeaseColumns,
    *,
    ready: ColumnElement[bool],
    owner: str,
    now: datetime,
    lease_seconds: float,
    limit: int,
    order_by: Sequence[Any] = (),
    extra_values: dict[str, Any] | None = None,
) -> list[int]:
    """Claim up to ``limit`` ready rows for ``owner`` until ``now + lease_seconds``.

    Runs in the caller's transaction (it does not commit): commit promptly so that other
    workers see the claim. Returns the claimed ids in ``order_by`` order where the backend
    keeps it (callers should not rely on order).
    """
    if limit <= 0:
        return []
    t = lease.table
    claimable = and_(ready, lease.free_at(now))
    pick = (
        select(lease.id)
        .where(claimable)
        .order_by(*(order_by or (lease.id,)))
        .limit(limit)
        .with_for_update(skip_locked=True)  # dropped by SQLAlchemy on SQLite
        .cte("picked")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    # Compare-and-set: the claim condition is re-checked by the UPDATE itself (SQLite).
    where = and_(lease.id.in_(select(pick.c.id)), claimable)
    values: dict[str, Any] = {
        lease.owner.key: owner,
        lease.until.key: lease_end(now, lease_seconds),
    }
    if extra_values:
        values.update(extra_values)
    stmt = update(t).where(where).values(**values).returning(lease.id)
    return [int(r) for r in session.execute(stmt).scalars().all()]


def owned_ids(session: Session, lease: LeaseColumns, ids: Iterable[int], owner: str) -> set[int]:
    """The subset of ``ids`` still leased to ``owner`` (locked on PostgreSQL until commit)."""
    wanted = list(ids)
    if not wanted:
        return set()
    q = select(lease.id).where(lease.id.in_(wanted), lease.owner == owner)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return {int(r) for r in session.execute(q).scalars().all()}


def release(session: Session, lease: LeaseColumns, ids: Iterable[int], owner: str) -> int:
    """Free the lease on rows ``owner`` still holds; returns how many were released."""
    wanted = list(ids)
    if not wanted:
        return 0
    stmt = (
        update(lease.table)
        .where(lease.id.in_(wanted), lease.owner == owner)
        .values({lease.owner.key: None, lease.until.key: None})
    )
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)
