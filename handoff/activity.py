"""Who did what in the workspace: operators' actions on campaigns, lists and suppression
lists, kept in the audit log (``kernel.audit``) beside the security events.

``subject`` names what was acted on (``campaign:3``, ``list:2``, ``suppressions``); the
page of that thing lists its entries. Campaign actions are recorded by the dialer's
lifecycle functions themselves (``dialer.campaigns.service``), whatever door they came
through; the console records its own (lists, suppressions) here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kernel.actors import Actor
from kernel.audit import about, act


@dataclass(frozen=True)
class Activity:
    at: datetime
    username: str  # the console user, or ``cli:<os user>`` / ``system:<part>``
    event: str
    subject: str
    detail: str
    door: str  # web | api [token:NAME] | cli [os:USER] | system

    @property
    def door_kind(self) -> str:
        return self.door.partition(" ")[0]

    @property
    def door_detail(self) -> str:
        return self.door.partition(" ")[2]


def record(
    s: Session, now: datetime, actor: Actor, event: str, subject: str, detail: str = ""
) -> None:
    """One operator action; ``detail`` says what changed (and why, when given)."""
    act(s, now, actor, event, subject, detail)


def entries(s: Session, subject: str, limit: int = 50) -> list[Activity]:
    """The latest actions on ``subject``, newest first."""
    return [
        Activity(e.at, e.username, e.event, subject, e.detail, e.address)
        for e in about(s, subject, limit)
    ]
