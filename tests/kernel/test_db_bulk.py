from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Table, bindparam, insert, select, update

from crm_sync.models import Delivery, Endpoint, OutboxEvent
from kernel.db import Database, execute_many
from tests.crm_sync.conftest import T0


def _seed(db: Database, n: int) -> list[int]:
    with db.session() as s:
        s.add(Endpoint(id=1, name="crm", kind="webhook", url="http://x/", secret="s", config={}))
        s.flush()
        for i in range(n):
            s.add(OutboxEvent(event_id=f"e{i}", event_type="t", payload={}, created_at=T0))
        s.flush()
        outbox = list(s.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id)))
        s.execute(
            insert(Delivery),
            [
                {
                    "outbox_id": o,
                    "endpoint_id": 1,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": T0,
                    "lease_owner": "me",
                    "lease_until": T0,
                    "created_at": T0,
                }
                for o in outbox
            ],
        )
        return list(s.scalars(select(Delivery.id).order_by(Delivery.id)))


def _check(db: Database) -> None:
    ids = _seed(db, 3)
    t: Table = Delivery.__table__  # type: ignore[assignment]
    stmt = (
        update(t)
        .where(t.c.id == bindparam("b_id"))
        .values(
            state=bindparam("b_state"),
            next_attempt_at=bindparam("b_next"),
            last_error=bindparam("b_error"),
            lease_owner=None,
        )
    )
    rows = [
        {"b_id": i, "b_state": s, "b_next": T0 + timedelta(seconds=n), "b_error": e}
        for n, (i, s, e) in enumerate(
            zip(ids, ["delivered", "failed", "dead"], [None, "x", "y"], strict=True)
        )
    ]
    with db.session() as s:
        execute_many(s.connection(), stmt, rows)
    with db.read() as s:
        got = s.execute(
            select(
                Delivery.state, Delivery.next_attempt_at, Delivery.last_error, Delivery.lease_owner
            ).order_by(Delivery.id)
        ).all()
    assert [tuple(r) for r in got] == [
        ("delivered", T0, None, None),
        ("failed", T0 + timedelta(seconds=1), "x", None),
        ("dead", T0 + timedelta(seconds=2), "y", None),
    ]
    # datetimes went through the column type (UTC, comparable in SQL on both backends)
    with db.read() as s:
        later = s.scalars(
            select(Delivery.id)
            .where(Delivery.next_attempt_at > T0 + timedelta(seconds=0.5))
            .order_by(Delivery.id)
        ).all()
    assert later == ids[1:]


def test_execute_many_updates_rows_with_typed_and_default_params(db: Database) -> None:
    _check(db)


@pytest.mark.pg
def test_execute_many_on_postgresql(pg_db: Database) -> None:
    _check(pg_db)
