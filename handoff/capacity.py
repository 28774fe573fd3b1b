"""Free agents as every process sees them: presence in the database, kept fresh.

``DatabaseAgentCapacity`` is the dialer's ``AgentCapacity`` in any process (``tailcall
serve`` and a separate ``tailcall worker --role dialer``): agents who chose
``available``, hold no live offer, have the skill, and whose console a console process
has confirmed open within ``stale_s`` (``handoff_console_presence``). ``PresenceBeat`` is
that confirmation: the console process writes it for the agents whose console socket is
open in it, every ``beat_s``; a console process that dies stops writing, and its agents
stop counting once their rows go stale, although their stored status says available.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from datetime import timedelta

from loguru import logger
from sqlalchemy import delete, select

from handoff.agents import AgentDesk
from handoff.models import Agent, AgentSkill, Offer, User
from handoff.presence_models import ConsolePresence
from handoff.routing import AgentView, free_agents
from kernel.clock import Clock, SystemClock
from kernel.db import Database


def process_id(role: str) -> str:
    return f"{role}-{socket.gethostname()[:40]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class DatabaseAgentCapacity:
    """``dialer.campaigns.pacing.AgentCapacity`` from the database (any process)."""

    def __init__(self, db: Database, clock: Clock | None = None, stale_s: float = 10.0) -> None:
        self.db = db
        self.clock = clock or SystemClock()
        self.stale_s = stale_s

    def views(self) -> list[AgentView]:
        """Available agents with a fresh console, as routing sees them."""
        since = self.clock.now() - timedelta(seconds=self.stale_s)
        q = (
            select(Agent.user_id, Agent.status, Agent.idle_since)
            .join(User, User.id == Agent.user_id)
            .join(ConsolePresence, ConsolePresence.agent_id == Agent.user_id)
            .where(
                User.disabled.is_(False),
                Agent.status == "available",
                ConsolePresence.seen_at >= since,
            )
        )
        with self.db.read() as s:
            rows = s.execute(q).all()
            if not rows:
                return []
            ids = [r[0] for r in rows]
            skills: dict[int, set[str]] = {}
            for uid, skill in s.execute(
                select(AgentSkill.user_id, AgentSkill.skill).where(AgentSkill.user_id.in_(ids))
            ).all():
                skills.setdefault(uid, set()).add(skill)
            ringing = set(
                s.scalars(
                    select(Offer.agent_id).where(Offer.status == "offered", Offer.agent_id.in_(ids))
                ).all()
            )
        return [
            AgentView(uid, status, idle, frozenset(skills.get(uid, ())), uid in ringing)
            for uid, status, idle in rows
        ]

    def free_agents(self, skill: str | None) -> int:
        return len(free_agents(self.views(), skill))


class PresenceBeat:
    """Confirms, every ``beat_s``, the consoles open in this process (see the module doc)."""

    def __init__(
        self,
        db: Database,
        desk: AgentDesk,
        clock: Clock | None = None,
        *,
        beat_s: float = 2.0,
        owner: str | None = None,
    ) -> None:
        self.db, self.desk = db, desk
        self.clock = clock or SystemClock()
        self.beat_s = beat_s
        self.owner = owner or process_id("console")

    def beat(self) -> int:
        """Write this process's open consoles; drop its rows for consoles now closed."""
        now = self.clock.now()
        open_ids = sorted(self.desk.open_consoles())
        with self.db.session() as s:
            gone = delete(ConsolePresence).where(ConsolePresence.process_id == self.owner)
            if open_ids:
                gone = gone.where(ConsolePresence.agent_id.not_in(open_ids))
            s.execute(gone)
            for agent_id in open_ids:
                row = s.get(ConsolePresence, agent_id)
                if row is None:
                    s.add(ConsolePresence(agent_id=agent_id, process_id=self.owner, seen_at=now))
                else:
                    row.process_id, row.seen_at = self.owner, now
        return len(open_ids)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.beat)
            except Exception:
                logger.exception("console presence beat failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.beat_s)

    def forget(self) -> None:
        """This process stops serving consoles (shutdown): its agents stop counting."""
        with self.db.session() as s:
            s.execute(delete(ConsolePresence).where(ConsolePresence.process_id == self.owner))
