"""The live floor, kept current for the supervisors' pages.

``FloorFeed`` gathers the facts (live calls from the ``LiveCallRegistry``, handoff
requests from the handoff service, agents from the database), builds the rows with the
pure ``handoff.floor`` and publishes what changed as ``floor`` broadcasts (not stored:
a page that connects gets ``snapshot()`` in its hello). Changes are coalesced: the first
``touch`` schedules one publish ``interval_s`` later, whatever else changes meanwhile.
A watched call's transcript rows go only to the consoles watching it
(``floor_transcript``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from loguru import logger
from sqlalchemy import select

from dialer.campaigns.models import Campaign
from dialer.campaigns.party import call_party
from handoff import floor
from handoff.events import EventBus
from handoff.live import LiveCall, LiveCallRegistry
from handoff.models import Agent, AgentSkill, Offer, User
from kernel.clock import Clock
from kernel.db import Database
from kernel.errors import NotFound

SUPERVISORS = ("supervisor", "admin", "compliance")  # who sees the floor
FLOOR_INTERVAL_S = 0.15

Requests = Callable[[], list[floor.RequestFacts]]


def read_party(db: Database, live: LiveCall) -> floor.Party:
    """The masked customer and the campaign of a live call's attempt (once, at its start)."""
    attempt_id = live.start.attempt_id
    if attempt_id is None:
        return floor.Party(campaign_id=live.start.campaign_id)
    try:
        with db.read() as s:
            party = call_party(s, attempt_id)
            campaign = s.get(Campaign, party.campaign_id)
            return floor.Party.of(
                str(party.customer.get("name") or ""),
                party.phone_e164,
                party.campaign_id,
                campaign.name if campaign is not None else "",
            )
    except NotFound:
        return floor.Party(campaign_id=live.start.campaign_id)


class FloorFeed:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        bus: EventBus,
        registry: LiveCallRegistry,
        requests: Requests,
        interval_s: float = FLOOR_INTERVAL_S,
    ) -> None:
        self.db, self.clock, self.bus, self.registry = db, clock, bus, registry
        self._requests = requests
        self.interval_s = interval_s
        self._rows: dict[str, dict[str, Any]] = {}  # as last published
        self._queue: list[dict[str, Any]] = []
        self._counters: list[dict[str, Any]] = []
        self._agents_sent: list[dict[str, Any]] = []
        self._agents: list[dict[str, Any]] | None = None  # None: to be read again
        self._names: dict[int, str] = {}
        self._simulated: set[int] = set()  # overflow agents (the demo's simulated ones)
        self._pending: asyncio.TimerHandle | None = None
        registry.on_started.append(self._started)
        registry.on_ended.append(lambda _sid: self.touch())
        registry.on_transcript.append(self._transcript)

    # ------------------------------------------------------------------ changes in
    def touch(self, agents: bool = False) -> None:
        """Something on the floor changed (``agents``: presence or who holds what)."""
        if agents:
            self._agents = None
        if self._pending is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # outside the loop (CLI, sync code): nobody is watching
            return
        self._pending = loop.call_later(self.interval_s, self._flush)

    def score(self, call_sid: str, score: float, grade: str, state: str | None) -> None:
        live = self.registry.get(call_sid)
        if live is None:
            return
        live.score, live.grade = score, grade
        if state:
            live.state = state
        self.touch()

    def _started(self, live: LiveCall) -> None:
        if not live.party.campaign and not live.party.customer:
            live.party = read_party(self.db, live)
        self.touch()

    def _transcript(self, call_sid: str, row: dict[str, Any]) -> None:
        self.bus.broadcast(
            "floor_transcript",
            {"id": call_sid, "rows": [row]},
            roles=SUPERVISORS,
            watching=call_sid,
        )
        self.touch()  # the script state may have moved

    # ------------------------------------------------------------------ views
    def transcript(self, call_sid: str) -> dict[str, Any]:
        """A call's transcript so far (what a console that starts watching gets first)."""
        live = self.registry.get(call_sid)
        rows = list(live.transcript[-200:]) if live is not None else []
        return {"id": call_sid, "rows": rows, "reset": True, "live": live is not None}

    def snapshot(self) -> dict[str, Any]:
        """The whole floor now."""
        rows, queue, counters = self._build()
        return {
            "calls": list(rows.values()),
            "queue": queue,
            "counters": counters,
            "agents": self._agent_rows(rows),
            "now": self.clock.now().isoformat(),
        }

    # ------------------------------------------------------------------ internals
    def _build(
        self,
    ) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        if not self._names or self._agents is None:  # names and who is simulated
            self._read_agents()
        facts = {c.call_sid: c for c in self.registry.facts()}
        requests = self._requests()
        by_call = {r.call_sid: r for r in requests}
        rows = {
            sid: floor.call_row(c, by_call.get(sid), self._names, self._simulated)
            for sid, c in facts.items()
        }
        queue = floor.queue_rows(requests, facts, self._names)
        return rows, queue, floor.counters(rows.values(), queue)

    def _agent_rows(self, rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        if self._agents is None:
            self._read_agents()
        held = {r["agent_id"]: r for r in rows.values() if r.get("agent_id") is not None}
        return [{**a, **floor.agent_row_call(held.get(a["agent_id"]))} for a in self._agents or []]

    def _read_agents(self) -> None:
        with self.db.read() as s:
            found = s.execute(
                select(
                    Agent.user_id,
                    Agent.status,
                    Agent.status_since,
                    User.display_name,
                    User.username,
                    Agent.overflow,
                )
                .join(User, User.id == Agent.user_id)
                .where(User.disabled.is_(False))
                .order_by(Agent.overflow, User.username)
            ).all()
            skills: dict[int, set[str]] = {}
            for uid, skill in s.execute(select(AgentSkill.user_id, AgentSkill.skill)).all():
                skills.setdefault(uid, set()).add(skill)
            ringing = set(s.scalars(select(Offer.agent_id).where(Offer.status == "offered")).all())
        self._names = {r.user_id: r.display_name or r.username for r in found}
        self._simulated = {r.user_id for r in found if r.overflow}
        self._agents = [
            floor.agent_row(
                r.user_id,
                self._names[r.user_id],
                r.status,
                r.status_since,
                skills.get(r.user_id, ()),
                r.user_id in ringing,
                bool(r.overflow),
            )
            for r in found
        ]

    def _flush(self) -> None:
        self._pending = None
        try:
            self._publish()
        except Exception:  # a floor that cannot be built must not break a call
            logger.exception("could not publish the live floor")

    def _publish(self) -> None:
        rows, queue, counters = self._build()
        diff = floor.diff_rows(self._rows, rows)
        payload: dict[str, Any] = {"now": self.clock.now().isoformat()}
        if not diff.empty:
            payload["calls"], payload["gone"] = diff.calls, diff.gone
        if queue != self._queue:
            payload["queue"] = queue
        if counters != self._counters:
            payload["counters"] = counters
        agents = self._agent_rows(rows)
        if agents != self._agents_sent:
            payload["agents"] = self._agents_sent = agents
        self._rows, self._queue, self._counters = rows, queue, counters
        if len(payload) > 1:
            self.bus.broadcast("floor", payload, roles=SUPERVISORS)

    def close(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
