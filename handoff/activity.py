"""Who did what in the workspace: operators' actions on campaigns, lists and suppression
lists, kept in the console's audit log (``AuditEntry``) beside the security events.

``subject`` names what was acted on ("campaign:3", "suppression:dnc"); the page of that
thing lists its entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.logins import audit
from handoff.models import AuditEntry


@dataclass(frozen=True)
class Activity:
    at: datetime
    username: str
    event: str
    subject: str
    detail: str


def record(
    s: Session, now: datetime, username: str, event: str, subject: str, detail: str = ""
) -> None:
    """One operator action; ``detail`` says what changed (and why, when given)."""
    audit(s, event, now, username, detail=f"{subject} {detail}".strip())


def entries(s: Session, subject: str, limit: int = 50) -> list[Activity]:
    """The latest actions on ``subject``, newest first."""
    q = (
        select(AuditEntry)
        .where(AuditEntry.detail.like(f"{subject} %") | (AuditEntry.detail == subject))
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    out = []
    for e in s.scalars(q):
        rest = e.detail[len(subject) :].strip()
        out.append(Activity(e.at, e.username, e.event, subject, rest))
    return out
