from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from crm_sync.models import Delivery, Endpoint, OutboxEvent
from crm_sync.relay import DELIVERY_LEASE
from kernel import claims as claim
from kernel.db import Database
from tests.crm_sync.conftest import T0


def _seed(db: Database, n: int) -> None:
    with db.session() as s:
        s.add(Endpoint(id=1, name="crm", kind="webhook", url="http://x/", secret="s", config={}))
        s.flush()
        s.execute(
            insert(OutboxEvent),
            [
                {
                    "event_id": f"evt_{i}",
                    "event_type": "call.outcome",
                    "payload": {},
                    "created_at": T0,
                }
                for i in range(n)
            ],
        )
        ids = list(s.scalars(select(OutboxEvent.id)))
        s.execute(
            insert(Delivery),
            [
                {
                    "outbox_id": i,
                    "endpoint_id": 1,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": T0,
                    "created_at": T0,
                }
                for i in ids
            ],
        )


def _ready() -> object:
    return Delivery.__table__.c.state == "pending"


def _claim(db: Database, owner: str, now=T0, limit: int = 10) -> list[int]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return claim.claim(
            s,
            DELIVERY_LEASE,
            ready=_ready(),
            owner=owner,
            now=now,  # type: ignore[arg-type]
            lease_seconds=30,
            limit=limit,
        )


def test_claims_do_not_overlap_and_expired_leases_come_back(db: Database) -> None:
    _seed(db, 15)
    a = _claim(db, "a")
    b = _claim(db, "b")
    assert len(a) == 10 and len(b) == 5 and not set(a) & set(b)
    assert _claim(db, "c", now=T0 + timedelta(seconds=29)) == []
    # a "crashed": after the lease its rows are claimable again, and a is fenced out.
    c = _claim(db, "c", now=T0 + timedelta(seconds=31), limit=100)
    assert set(c) == set(a) | set(b)
    with db.session() as s:
        assert claim.owned_ids(s, DELIVERY_LEASE, a, "a") == set()
        assert claim.owned_ids(s, DELIVERY_LEASE, a, "c") == set(a)
        assert claim.release(s, DELIVERY_LEASE, a, "c") == len(a)
    assert sorted(_claim(db, "d", now=T0 + timedelta(seconds=32), limit=100)) == sorted(a)


def _concurrent_claims(db: Database, workers: int, rows: int) -> list[list[int]]:
    got: list[list[int]] = [[] for _ in range(workers)]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            while True:
                ids = _claim(db, f"w{i}", limit=7)
                if not ids:
                    return
                got[i].extend(ids)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    return got


def test_concurrent_claims_on_sqlite_never_double_claim(db: Database) -> None:
    _seed(db, 300)
    got = _concurrent_claims(db, 4, 300)
    flat = [i for g in got for i in g]
    assert len(flat) == len(set(flat)) == 300


@pytest.mark.pg
def test_concurrent_claims_on_postgresql_never_double_claim(pg_db: Database) -> None:
    _seed(pg_db, 1000)
    got = _concurrent_claims(pg_db, 6, 1000)
    flat = [i for g in got for i in g]
    assert len(flat) == len(set(flat)) == 1000
    assert sum(1 for g in got if g) >= 2  # the work was actually shared
