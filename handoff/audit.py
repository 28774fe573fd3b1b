"""Reading the audit log (``kernel.audit``, where every subsystem appends): ``verify``
walks the whole log and names the first entry that was changed, removed or reordered
(``tailcall audit verify`` runs it); ``entries`` filters it for the supervisor's pages.
Database triggers refuse updates and deletes, so changing an entry takes someone who can
also drop triggers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.audit import AuditEntry, append, fields_of
from kernel.db import Database
from kernel.hashchain import ChainCheck, verify

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
    "live_barged",
    "exported",
    "number_revealed",
    "review_saved",
    "retention_deleted",
    "report_viewed",
)


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
            yield e.id, e.prev_hash, e.hash, fields_of(e)
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
