"""The audit log: append-only and hash-chained (``kernel.hashchain``).

``append`` writes one entry in the caller's transaction: it takes the log's write lock
(PostgreSQL: a transaction-level advisory lock; SQLite: the write transaction is already
exclusive), reads the last entry's hash and chains the new one to it, so concurrent writers
cannot fork the chain. ``verify`` walks the whole log and names the first entry that was
changed, removed or reordered; ``tailcall audit verify`` runs it. Database triggers refuse
updates and deletes, so changing an entry takes someone who can also drop triggers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from handoff.models import AuditEntry
from kernel.db import Database
from kernel.hashchain import GENESIS, ChainCheck, entry_hash, verify

AUDIT_LOCK = 0x7461696C_61756474  # pg_advisory_xact_lock key ("tailaudt")
EVENTS = (
    "login_failed",
    "login_throttled",
    "login_locked",
    "account_locked",
    "account_unlocked",
    "password_changed",
    "call_viewed",
    "recording_played",
    "live_listened",
    "live_whispered",
    "exported",
    "number_revealed",
    "review_saved",
    "retention_deleted",
    "report_viewed",
)


def _fields(e: AuditEntry) -> Mapping[str, object]:
    at = e.at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    return {
        "at": at,
        "event": e.event,
        "username": e.username,
        "address": e.address,
        "detail": e.detail,
        "subject": e.subject,
    }


def append(
    s: Session,
    event: str,
    now: datetime,
    username: str = "",
    address: str = "",
    detail: str = "",
    subject: str = "",
) -> AuditEntry:
    """Write one chained entry in the caller's transaction."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
    prev = s.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)) or GENESIS
    entry = AuditEntry(
        at=now.astimezone(UTC),
        event=event[:32],
        username=username[:64],
        address=address[:64],
        detail=detail[:200],
        subject=subject[:100],
        prev_hash=prev,
    )
    entry.hash = entry_hash(prev, _fields(entry))
    s.add(entry)
    s.flush()
    return entry


def record(db: Database, event: str, now: datetime, **fields: str) -> None:
    """``append`` in its own transaction."""
    with db.session() as s:
        append(s, event, now, **fields)


def _walk(db: Database, batch: int = 5000) -> Iterator[tuple[int, str, str, Mapping[str, object]]]:
    last = 0
    while True:
        with db.read() as s:
            rows = s.scalars(
                select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(batch)
            ).all()
        for e in rows:
            yield e.id, e.prev_hash, e.hash, _fields(e)
        if len(rows) < batch:
            return
        last = rows[-1].id


def verify_log(db: Database) -> ChainCheck:
    """Check the whole chain; the first entry that does not hold."""
    return verify(_walk(db))


def entries(
    s: Session,
    *,
    subject: str | None = None,
    username: str | None = None,
    event: str | None = None,
    before: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """The newest entries first, filtered."""
    stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if subject:
        stmt = stmt.where(AuditEntry.subject == subject)
    if username:
        stmt = stmt.where(AuditEntry.username == username)
    if event:
        stmt = stmt.where(AuditEntry.event == event)
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    return list(s.scalars(stmt))
