"""Lease-based claiming: one statement, disjoint claims, expiry; several processes on PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, insert, select

from dialer.campaigns.claim_drill import seed
from dialer.campaigns.models import ATTEMPT_LEASE, ATTEMPTS
from kernel.claims import LeaseColumns, claim, release
from kernel.db import Database

NOW = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)


def take(s, owner: str, now: datetime, limit: int, *where) -> list[int]:  # type: ignore[no-untyped-def]
    """The dialer's claim of due attempts."""
    ready = ATTEMPTS.c.due_at <= now
    for w in where:
        ready = ready & w
    return sorted(
        claim(
            s,
            ATTEMPT_LEASE,
            ready=ready,
            owner=owner,
            now=now,
            lease_seconds=LEASE.total_seconds(),
            limit=limit,
        )
    )


def test_claims_are_disjoint_and_leases_expire(db: Database) -> None:
    seed(db, 10, due=NOW - timedelta(seconds=1))
    with db.session() as s:
        a = take(s, "a", NOW, 4)
    with db.session() as s:
        b = take(s, "b", NOW, 100)
    assert len(a) == 4 and len(b) == 6 and not set(a) & set(b)
    with db.session() as s:
        assert take(s, "c", NOW, 100) == []
        assert release(s, ATTEMPT_LEASE, a[:2], "b") == 0  # not b's
        assert release(s, ATTEMPT_LEASE, a[:2], "a") == 2
    with db.session() as s:
        assert take(s, "c", NOW, 100) == a[:2]
    with db.session() as s:  # after expiry everything is claimable again
        later = take(s, "d", NOW + LEASE + timedelta(seconds=1), 100)
    assert len(later) == 10


def test_not_due_rows_and_extra_conditions(db: Database) -> None:
    seed(db, 3, due=NOW + timedelta(hours=1))
    with db.session() as s:
        assert take(s, "a", NOW, 10) == []
        got = take(s, "a", NOW + timedelta(hours=2), 10, ATTEMPTS.c.status == "ended")
        assert got == []


def test_generic_over_any_table(db: Database) -> None:
    """The outbox relay's shape: other column names, same mechanism."""
    md = MetaData()
    outbox = Table(
        "outbox_demo",
        md,
        Column("id", Integer, primary_key=True),
        Column("next_try", DateTime),
        Column("owner", String(50)),
        Column("held_until", DateTime),
    )
    md.create_all(db.engine)
    naive = NOW.replace(tzinfo=None)
    with db.session() as s:
        s.execute(insert(outbox), [{"next_try": naive} for _ in range(5)])
    cols = LeaseColumns(outbox, owner="owner", until="held_until")
    with db.session() as s:
        got = claim(
            s,
            cols,
            ready=outbox.c.next_try <= naive,
            owner="relay",
            now=naive,
            lease_seconds=60,
            limit=3,
            order_by=(outbox.c.next_try, outbox.c.id),
        )
        assert got == [1, 2, 3]
        owners = s.execute(select(outbox.c.owner).order_by(outbox.c.id)).scalars().all()
        assert owners == ["relay"] * 3 + [None] * 2


def _drill(url: str, workers: int, n_batch: int, out: Path) -> list[dict[str, object]]:
    start_at = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dialer.campaigns.claim_drill",
                "--url",
                url,
                "--owner",
                f"w{i}",
                "--out",
                str(out / f"w{i}.json"),
                "--batch",
                str(n_batch),
                "--start-at",
                str(start_at),
            ]
        )
        for i in range(workers)
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0
    return [json.loads((out / f"w{i}.json").read_text()) for i in range(workers)]


@pytest.mark.pg
def test_several_processes_never_claim_the_same_attempt(
    pg_db: Database, pg_url: str, tmp_path: Path
) -> None:
    n = 4000
    seed(pg_db, n)
    results = _drill(pg_url, 4, 25, tmp_path)
    ids = [i for r in results for i in r["ids"]]  # type: ignore[attr-defined]
    assert len(ids) == n, "every attempt claimed"
    assert len(set(ids)) == n, "zero double claims"
    assert sum(1 for r in results if r["ids"]) >= 2, "the processes really competed"
    assert max(b for r in results for b in r["batches"]) <= 25, "LIMIT holds under SKIP LOCKED"  # type: ignore[attr-defined]
    with pg_db.read() as s:
        owners = s.execute(select(ATTEMPTS.c.lease_owner).distinct()).scalars().all()
        assert None not in owners
