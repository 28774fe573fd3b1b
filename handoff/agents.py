"""The agents' desk: presence, open consoles, and how many agents are free.

Presence lives in the ``handoff_agents`` table, so every process reads the same truth.
An agent sets their own status within ``presence.can_set``; taking a call puts them
``on_call`` and ending it ``wrap_up`` (done by the handoff service through ``release``).
An available agent whose last console stays closed past the grace period goes offline,
so routing stops ringing an empty desk; a reload within the grace changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import select

from handoff.events import EventBus
from handoff.models import Agent, AgentSkill, Offer, User
from handoff.presence import can_set
from handoff.routing import AgentView
from handoff.routing import free_agents as routing_free_agents
from handoff.settings import HandoffSettings
from kernel.clock import Clock
from kernel.db import Database
from kernel.errors import Conflict, NotFound

Spawn = Callable[[Coroutine[Any, Any, None]], "asyncio.Task[None]"]


class AgentDesk:
    """Presence and capacity of the console's agents."""

    def __init__(
        self,
        db: Database,
        settings: HandoffSettings,
        clock: Clock,
        bus: EventBus,
        *,
        on_change: Callable[[], None],
        spawn: Spawn,
    ) -> None:
        self.db, self.settings, self.clock, self.bus = db, settings, clock, bus
        self._on_change = on_change  # the board is published again
        self._spawn = spawn
        self._consoles: dict[int, int] = {}  # agent -> open event sockets in this process

    def set_presence(self, agent_id: int, status: str) -> None:
        now = self.clock.now()
        with self.db.session() as s:
            agent = s.get(Agent, agent_id)
            if agent is None:
                raise NotFound("not an agent", where=f"user {agent_id}")
            if agent.status == status:
                return
            if not can_set(agent.status, status):
                raise Conflict(f"cannot go from {agent.status} to {status}", where="status")
            agent.status, agent.status_since = status, now
            if status == "available":
                agent.idle_since = now
        self.bus.publish("presence", {"agent_id": agent_id, "status": status}, user_id=agent_id)
        self._on_change()

    def status(self, agent_id: int) -> str | None:
        """The agent's presence as stored (None: not an agent)."""
        with self.db.read() as s:
            agent = s.get(Agent, agent_id)
            return agent.status if agent is not None else None

    def take_call(self, agent_id: int, call_sid: str) -> None:
        """The agent is on ``call_sid`` now (an agent-first call back)."""
        now = self.clock.now()
        with self.db.session() as s:
            agent = s.get(Agent, agent_id)
            if agent is not None:
                agent.status, agent.status_since, agent.call_sid = "on_call", now, call_sid

    def release(self, agent_id: int, status: str = "wrap_up") -> None:
        """The agent's call is over: wrap-up (or offline when they are gone)."""
        now = self.clock.now()
        with self.db.session() as s:
            agent = s.get(Agent, agent_id)
            if agent is not None:
                agent.status, agent.status_since, agent.call_sid = status, now, None
                agent.idle_since = now

    # ------------------------------------------------------------------ consoles
    def console_connected(self, agent_id: int) -> None:
        self._consoles[agent_id] = self._consoles.get(agent_id, 0) + 1

    def open_consoles(self) -> list[int]:
        """Agents with a console open in this process (``handoff.capacity.PresenceBeat``)."""
        return [a for a, n in self._consoles.items() if n > 0]

    def console_disconnected(self, agent_id: int) -> None:
        left = self._consoles.get(agent_id, 1) - 1
        self._consoles[agent_id] = left
        if left <= 0:
            self._spawn(self._offline_after_grace(agent_id))

    async def _offline_after_grace(self, agent_id: int) -> None:
        await self.clock.sleep(self.settings.grace_s)
        if self._consoles.get(agent_id, 0) > 0:
            return
        with self.db.session() as s:
            agent = s.get(Agent, agent_id)
            if agent is None or agent.status not in ("available", "away", "wrap_up"):
                return
            agent.status, agent.status_since = "offline", self.clock.now()
        self._on_change()

    # ------------------------------------------------------------------ capacity
    def free_agents(self, skill: str | None) -> int:
        """``AgentCapacity`` for the dialer's handoff-aware pacing."""
        return len(routing_free_agents(self.views(only_available=True), skill))

    def views(self, only_available: bool = False) -> list[AgentView]:
        """Agents as routing sees them (Core rows, not ORM objects: this runs per offer)."""
        q = (
            select(Agent.user_id, Agent.status, Agent.idle_since, Agent.overflow)
            .join(User, User.id == Agent.user_id)
            .where(User.disabled.is_(False))
        )
        if only_available:
            q = q.where(Agent.status == "available")
        with self.db.read() as s:
            rows = s.execute(q).all()
            skills: dict[int, set[str]] = {}
            for uid, skill in s.execute(select(AgentSkill.user_id, AgentSkill.skill)).all():
                skills.setdefault(uid, set()).add(skill)
            ringing = set(s.scalars(select(Offer.agent_id).where(Offer.status == "offered")).all())
        return [
            AgentView(
                uid, status, idle, frozenset(skills.get(uid, ())), uid in ringing, bool(overflow)
            )
            for uid, status, idle, overflow in rows
        ]
