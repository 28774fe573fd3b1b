"""The audit log is append-only and hash-chained; verify finds a tampered entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from handoff.audit import entries, record, verify_log
from kernel.db import Database

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def _fill(db: Database) -> None:
    for i in range(5):
        record(db, "call_viewed", T0 + timedelta(seconds=i), username="sup", subject=f"call:{i}")
    record(db, "number_revealed", T0, username="admin", subject="call:3", detail="complaint 88")


def _check(db: Database, drop_guard: list[str]) -> None:
    _fill(db)
    assert verify_log(db).ok and verify_log(db).checked == 6
    with db.read() as s:
        assert [e.subject for e in entries(s, username="sup", limit=2)] == ["call:4", "call:3"]
    with pytest.raises(DBAPIError), db.session() as s:
        s.execute(text("UPDATE console_audit_log SET detail = 'x' WHERE id = 3"))
    with pytest.raises(DBAPIError), db.session() as s:
        s.execute(text("DELETE FROM console_audit_log WHERE id = 3"))
    # someone who can drop the guard changes an entry: verify names it
    with db.session() as s:
        for sql in drop_guard:
            s.execute(text(sql))
        s.execute(text("UPDATE console_audit_log SET subject = 'call:9' WHERE id = 3"))
    check = verify_log(db)
    assert not check.ok and check.bad_id == 3 and "changed" in check.reason
    with db.session() as s:
        s.execute(text("UPDATE console_audit_log SET subject = 'call:2' WHERE id = 3"))
        s.execute(text("DELETE FROM console_audit_log WHERE id = 4"))
    check = verify_log(db)
    assert not check.ok and check.bad_id == 5


def test_audit_chain_sqlite(db: Database) -> None:
    _check(
        db,
        [
            "DROP TRIGGER console_audit_log_append_only_u",
            "DROP TRIGGER console_audit_log_append_only_d",
        ],
    )


@pytest.mark.pg
def test_audit_chain_postgresql(pg_db: Database) -> None:
    _check(pg_db, ["DROP TRIGGER console_audit_log_append_only ON console_audit_log"])
