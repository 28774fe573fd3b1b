"""Console events: numbered in the database, fanned out in memory, replayed on reconnect.

``publish`` writes one ``console_events`` row (its primary key is the sequence number)
and puts the event on the queue of every connected console that may see it. A console
that reconnects sends the last sequence number it saw and gets what it missed first.

``broadcast`` is for the live floor's frequent changes: not stored, no sequence number
(a page that reconnects gets a fresh snapshot instead of a replay); with ``watching``
only the consoles watching that call get it (a call's live transcript).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import or_, select

from handoff.models import ConsoleEvent
from kernel.clock import Clock
from kernel.db import Database

ALL_ROLES = ("agent", "supervisor", "admin")
QUEUE_LIMIT = 1000  # a console this far behind is dropped; it replays on reconnect


@dataclass(frozen=True)
class Event:
    seq: int | None  # None: a broadcast (not stored)
    kind: str
    payload: dict[str, Any]
    at: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "at": self.at, "data": self.payload}

    @cached_property
    def text(self) -> str:
        """The JSON text sent to consoles, serialised once for all of them."""
        return json.dumps(self.to_json(), ensure_ascii=False)


@dataclass(eq=False)
class Subscriber:
    user_id: int
    role: str
    queue: asyncio.Queue[Event | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_LIMIT)
    )
    overflowed: bool = False
    watching: str | None = None  # the call whose live transcript this console shows

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True


def _visible(user_id: int, role: str, ev_user: int | None, ev_roles: str) -> bool:
    if ev_user is not None:
        return ev_user == user_id
    return role in ev_roles.split(",")


class EventBus:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._subs: set[Subscriber] = set()

    @property
    def subscribers(self) -> int:
        return len(self._subs)

    def subscribe(self, user_id: int, role: str) -> Subscriber:
        sub = Subscriber(user_id, role)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self._subs.discard(sub)

    def publish(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        user_id: int | None = None,
        roles: Iterable[str] = ALL_ROLES,
    ) -> Event:
        role_list = ",".join(roles)
        now = self._clock.now()
        with self._db.session() as s:
            row = ConsoleEvent(at=now, user_id=user_id, roles=role_list, kind=kind, payload=payload)
            s.add(row)
            s.flush()
            seq = row.seq
        event = Event(seq, kind, payload, now.isoformat())
        for sub in self._subs:
            if _visible(sub.user_id, sub.role, user_id, role_list):
                sub.offer(event)
        return event

    def broadcast(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        roles: Iterable[str] = ALL_ROLES,
        watching: str | None = None,
    ) -> Event:
        """To the consoles of ``roles`` now, without storing (see the module doc)."""
        wanted = set(roles)
        event = Event(None, kind, payload, self._clock.now().isoformat())
        for sub in self._subs:
            if sub.role in wanted and (watching is None or sub.watching == watching):
                sub.offer(event)
        return event

    def last_seq(self) -> int:
        with self._db.read() as s:
            return int(s.scalar(select(ConsoleEvent.seq).order_by(ConsoleEvent.seq.desc())) or 0)

    def replay(self, user_id: int, role: str, after: int, limit: int = 500) -> list[Event]:
        """Events after ``after`` this console may see, oldest first."""
        with self._db.read() as s:
            rows = s.scalars(
                select(ConsoleEvent)
                .where(ConsoleEvent.seq > after)
                .where(or_(ConsoleEvent.user_id.is_(None), ConsoleEvent.user_id == user_id))
                .order_by(ConsoleEvent.seq)
                .limit(limit * 4)
            ).all()
        out = [
            Event(r.seq, r.kind, dict(r.payload), r.at.isoformat())
            for r in rows
            if _visible(user_id, role, r.user_id, r.roles)
        ]
        return out[:limit]
