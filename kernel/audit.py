"""The audit log: who did what, append-only and hash-chained (``kernel.hashchain``).

Every subsystem writes here (the console's security events, the supervisor's views and
exports, the operator's actions on lists and campaigns from the web, the API or the CLI,
and the product's own actions such as the compliance breaker's pause), so the log is one
place. ``append`` writes one entry in the caller's transaction: it takes the log's write
lock (PostgreSQL: a transaction-level advisory lock; SQLite: the write transaction is
already exclusive), reads the last entry's hash and chains the new one to it, so
concurrent writers cannot fork the chain. Database triggers refuse updates and deletes.
``subject`` names what was acted on (``call:42``, ``campaign:3``); ``about`` lists a
subject's entries. ``handoff.audit`` verifies the chain and lists the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from sqlalchemy import String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel.actors import Actor
from kernel.db import Base, UTCDateTime
from kernel.ddl import DialectDDL, register
from kernel.hashchain import GENESIS, entry_hash

AUDIT_LOCK = 0x7461696C_61756474  # pg_advisory_xact_lock key ("tailaudt")


class AuditEntry(Base):
    """Who did what: failed and refused logins, lockouts, password changes; who viewed
    a call, listened (live or recorded), exported, revealed a number or deleted by
    retention; operators' actions on lists, suppressions and campaigns (from any door).
    Append-only (triggers refuse changes) and hash-chained."""

    __tablename__ = "console_audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    event: Mapped[str] = mapped_column(String(32))
    username: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(100), default="", index=True)  # "call:42"
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


_AUDIT_GUARD = "console_audit_log_append_only"
register(
    AuditEntry.__table__,  # type: ignore[arg-type]
    DialectDDL(
        table="console_audit_log",
        dialect="sqlite",
        create=(
            f"CREATE TRIGGER {_AUDIT_GUARD}_u BEFORE UPDATE ON console_audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            f"CREATE TRIGGER {_AUDIT_GUARD}_d BEFORE DELETE ON console_audit_log "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ),
        drop=(),
        names=(),
    ),
)
register(
    AuditEntry.__table__,  # type: ignore[arg-type]
    DialectDDL(
        table="console_audit_log",
        dialect="postgresql",
        create=(
            f"CREATE FUNCTION {_AUDIT_GUARD}() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
            f"CREATE TRIGGER {_AUDIT_GUARD} BEFORE UPDATE OR DELETE ON console_audit_log "
            f"FOR EACH ROW EXECUTE FUNCTION {_AUDIT_GUARD}()",
        ),
        drop=(f"DROP FUNCTION IF EXISTS {_AUDIT_GUARD}() CASCADE",),
        names=(),
    ),
)


def fields_of(e: AuditEntry) -> Mapping[str, object]:
    """The fields an entry's hash covers."""
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
    entry.hash = entry_hash(prev, fields_of(entry))
    s.add(entry)
    s.flush()
    return entry


def act(
    s: Session, now: datetime, actor: Actor, event: str, subject: str, detail: str = ""
) -> AuditEntry:
    """One action by ``actor`` on ``subject``: the user (or the system's part) as
    ``username``, the door as ``address``."""
    return append(s, event, now, actor.who, actor.where, detail, subject)


def about(s: Session, subject: str, limit: int = 50) -> list[AuditEntry]:
    """The latest entries on ``subject``, newest first (an index on subject and id)."""
    q = (
        select(AuditEntry)
        .where(AuditEntry.subject == subject)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(s.scalars(q))
