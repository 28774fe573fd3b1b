"""The handoff service: requests from the scorer, offers to agents, takeover, follow-ups.

One ``HandoffService`` per process (``handoff.state.get_console``). Each live request has
a pure ``Reservation`` (handoff.reservation), stepped under a per-call lock; effects are
carried out here: offer rows (the database refuses a second live offer per call or per
agent), console events, the live call's gates and engine events, follow-up tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from loguru import logger
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff import reservation as rsv
from handoff.audio import AgentLinkSink, AudioHub
from handoff.events import EventBus
from handoff.live import LiveCallRegistry
from handoff.models import Agent, AgentSkill, FollowUpTask, HandoffRequestRow, Offer, User
from handoff.presence import can_set
from handoff.routing import AgentView, pick_agent
from handoff.routing import free_agents as routing_free_agents
from handoff.settings import HandoffSettings
from kernel.clock import Clock
from kernel.db import Database
from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.privacy import mask_phone

SUPERVISORS = ("supervisor", "admin")
HOLDING_LINE = "请您稍等，马上为您接通。"
BOARD_COALESCE_S = 0.1


@dataclass(frozen=True)
class Reason:
    code: str
    text_zh: str
    text_en: str


@dataclass(frozen=True)
class HandoffRequest:
    """What the intent scorer emits when a call should go to a human."""

    call_sid: str
    customer_id: int | None
    score: float
    grade: str
    reasons: Sequence[Reason]
    skill: str | None
    state: str
    requested_at: datetime
    callback_at: datetime | None = None  # for the follow-up task if nobody takes it


class CallbackRequester(Protocol):
    """Agent-first call back through the dialer (the lead wires the dialer's side)."""

    def request_callback(self, *, customer_id: int, agent_id: int, task_id: int) -> None: ...


class AgentCapacity(Protocol):
    def free_agents(self, skill: str | None) -> int: ...


@dataclass
class _Active:
    request_id: int
    req: HandoffRequest
    res: rsv.Reservation
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    timer: asyncio.Task[None] | None = None
    grace: asyncio.Task[None] | None = None
    offer_id: int | None = None


def _engine_event(name: str, *args: Any) -> object:
    from dialogue import engine

    return getattr(engine, name)(*args)


class HandoffService:
    def __init__(
        self,
        db: Database,
        settings: HandoffSettings,
        clock: Clock,
        bus: EventBus,
        registry: LiveCallRegistry,
        hub: AudioHub | None = None,
        callbacks: CallbackRequester | None = None,
        holding_line: str = HOLDING_LINE,
    ) -> None:
        self.db, self.settings, self.clock, self.bus = db, settings, clock, bus
        self.registry = registry
        self.hub = hub or AudioHub(settings.audio_latency_cap_ms)
        self.callbacks = callbacks
        self.holding_line = holding_line
        self._active: dict[str, _Active] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._board_pending: asyncio.TimerHandle | None = None
        self._consoles: dict[int, int] = {}  # agent -> open event sockets
        registry.on_ended.append(self._call_gone_soon)
        registry.on_transcript.append(self._transcript)
        self._recover()

    def _recover(self) -> None:
        """At process start no call of this process is live: offers left open by a crash
        would block their call and agent forever (the unique indexes), so close them."""
        now = self.clock.now()
        with self.db.session() as s:
            stale = _rowcount(
                s.execute(
                    update(Offer)
                    .where(Offer.status.in_(("offered", "accepted")))
                    .values(status="cancelled", decided_at=now)
                )
            )
            s.execute(
                update(Agent)
                .where(Agent.status == "on_call")
                .values(status="wrap_up", status_since=now, call_sid=None)
            )
            s.execute(
                update(HandoffRequestRow)
                .where(HandoffRequestRow.outcome.in_(("open", "accepted")))
                .values(outcome="interrupted", ended_at=now)
            )
        if stale:
            logger.warning("closed offers left open by a previous run", count=stale)

    # ------------------------------------------------------------------ scorer side
    async def request_handoff(self, req: HandoffRequest) -> int:
        """Start routing ``req``; the id of its request row (the same one if repeated)."""
        active = self._active.get(req.call_sid)
        if active is not None and active.res.live:
            return active.request_id
        with self.db.session() as s:
            row = HandoffRequestRow(
                call_sid=req.call_sid,
                customer_id=req.customer_id,
                score=req.score,
                grade=req.grade,
                reasons=[r.__dict__ for r in req.reasons],
                skill=req.skill,
                state=req.state,
                requested_at=req.requested_at,
                callback_at=req.callback_at,
            )
            s.add(row)
            s.flush()
            rid = row.id
        res = rsv.Reservation(
            call_sid=req.call_sid,
            skill=req.skill,
            offer_timeout_s=self.settings.offer_timeout_s,
            max_offers=self.settings.max_offers,
        )
        active = _Active(rid, req, res)
        self._active[req.call_sid] = active
        async with active.lock:
            await self._step(active, lambda r, now, c: rsv.start(r, now, c))
        self._board()
        await asyncio.sleep(0)  # let the alert go out before the next request is routed
        return rid

    async def start_agent_first(
        self, call_sid: str, agent_id: int, customer_id: int | None, task_id: int | None
    ) -> int:
        """An agent-first call back was answered: the agent who asked for it is connected
        at once (no offer, no bridging line). Kept as an accepted request, so hand back,
        end, drops and the board work as for any taken-over call."""
        now = self.clock.now()
        grade = "B"
        if task_id is not None:
            with self.db.read() as s:
                task = s.get(FollowUpTask, task_id)
                grade = task.grade if task is not None else grade
        req = HandoffRequest(
            call_sid=call_sid,
            customer_id=customer_id,
            score=0.0,
            grade=grade,
            reasons=(Reason("call_back", "坐席回拨", "agent call back"),),
            skill=None,
            state="agent_call_back",
            requested_at=now,
        )
        with self.db.session() as s:
            row = HandoffRequestRow(
                call_sid=call_sid,
                customer_id=customer_id,
                score=0.0,
                grade=grade,
                reasons=[r.__dict__ for r in req.reasons],
                skill=None,
                state=req.state,
                requested_at=now,
                outcome="accepted",
                agent_id=agent_id,
            )
            s.add(row)
            s.flush()
            offer = Offer(
                request_id=row.id,
                call_sid=call_sid,
                agent_id=agent_id,
                offered_at=now,
                deadline=now,
                status="accepted",
                decided_at=now,
            )
            s.add(offer)
            s.execute(
                update(Agent)
                .where(Agent.user_id == agent_id)
                .values(status="on_call", status_since=now, call_sid=call_sid)
            )
            s.flush()
            rid, offer_id = row.id, offer.id
        res = rsv.Reservation(
            call_sid=call_sid,
            skill=None,
            offer_timeout_s=self.settings.offer_timeout_s,
            max_offers=self.settings.max_offers,
            phase="accepted",
            agent_id=agent_id,
            tried=(agent_id,),
        )
        active = _Active(rid, req, res, offer_id=offer_id)
        self._active[call_sid] = active
        live = self.registry.get(call_sid)
        if live is not None:
            live.agent_id = agent_id
            await live.take_over(AgentLinkSink(self.hub, agent_id, call_sid), None)
        self.bus.publish("connected", self.offer_card(active), user_id=agent_id)
        self._board()
        return rid

    # ------------------------------------------------------------------ agent side
    async def accept(self, agent_id: int, request_id: int) -> None:
        active = self._by_request(request_id)
        async with active.lock:
            now = self.clock.now()
            res, effects = rsv.accept(active.res, agent_id, now)
            if not effects:
                raise Conflict("this offer is no longer yours", where=f"request {request_id}")
            # one transaction: compare-and-set on the offer (a timeout may have won), the
            # agent on the call, the request accepted
            with self.db.session() as s:
                done = _rowcount(
                    s.execute(
                        update(Offer)
                        .where(Offer.id == active.offer_id, Offer.status == "offered")
                        .values(status="accepted", decided_at=now)
                    )
                )
                if done:
                    s.execute(
                        update(Agent)
                        .where(Agent.user_id == agent_id)
                        .values(status="on_call", status_since=now, call_sid=active.req.call_sid)
                    )
                    s.execute(
                        update(HandoffRequestRow)
                        .where(HandoffRequestRow.id == active.request_id)
                        .values(outcome="accepted", agent_id=agent_id)
                    )
            if not done:
                raise Conflict("this offer is no longer yours", where=f"request {request_id}")
            active.res = res
            await self._apply(active, effects)
        self.bus.publish("connected", self.offer_card(active), user_id=agent_id)
        self._board()

    async def decline(self, agent_id: int, request_id: int) -> None:
        active = self._by_request(request_id)
        async with active.lock:
            if active.res.agent_id != agent_id or active.res.phase != "offered":
                raise Conflict("this offer is no longer yours", where=f"request {request_id}")
            await self._step(active, lambda r, now, c: rsv.decline(r, agent_id, now, c))
        self._board()

    async def hand_back(self, agent_id: int, call_sid: str, state: str | None) -> None:
        active = self._held_by(agent_id, call_sid)
        async with active.lock:
            # The records first, then the bot: these writes block the event loop, and a
            # slow commit right after the bot's resume prompt is asked for would starve
            # the prompt's first audio past pipecat's 3 s (the prompt is then dropped).
            active.res, _ = rsv.finish(active.res)
            self._close_request(active, "handed_back", None, None)
            self._release_agent(agent_id)
            self.bus.publish(
                "call_done", {"call_sid": call_sid, "how": "handed_back"}, user_id=agent_id
            )
            live = self.registry.get(call_sid)
            if live is not None:
                await live.hand_back(_engine_event("AgentHandBack", state))
        self._board()

    async def end_call(self, agent_id: int, call_sid: str, disposition: str, notes: str) -> None:
        if not disposition.strip():
            raise InvalidInput("a disposition is required", where="disposition")
        active = self._held_by(agent_id, call_sid)
        async with active.lock:
            live = self.registry.get(call_sid)
            if live is not None:
                await live.control.end(disposition)
            active.res, _ = rsv.finish(active.res)
            self._close_request(active, "ended", disposition, notes)
            self._release_agent(agent_id)
        self.bus.publish("call_done", {"call_sid": call_sid, "how": "ended"}, user_id=agent_id)
        self._board()

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
        self._board()

    # ------------------------------------------------------------------ consoles
    def console_connected(self, agent_id: int) -> None:
        self._consoles[agent_id] = self._consoles.get(agent_id, 0) + 1

    def console_disconnected(self, agent_id: int) -> None:
        """An available agent whose last console stays closed past the grace goes offline
        (so routing stops ringing an empty desk); a reload within the grace changes nothing."""
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
        self._board()

    # ------------------------------------------------------------------ agent audio
    def agent_audio_connected(self, agent_id: int) -> None:
        """The agent's audio socket is (back) up: resume a held call within the grace."""
        for active in self._active.values():
            if active.res.agent_id == agent_id and active.res.phase == "accepted":
                if active.grace is not None:
                    active.grace.cancel()
                    active.grace = None
                live = self.registry.get(active.req.call_sid)
                if live is not None and live.holding:
                    sink = AgentLinkSink(self.hub, agent_id, active.req.call_sid)
                    self._spawn(live.resume_agent(sink))

    def agent_audio_dropped(self, agent_id: int) -> None:
        """The agent's audio socket dropped mid-call: hold the customer, wait the grace."""
        for active in self._active.values():
            if active.res.agent_id == agent_id and active.res.phase == "accepted":
                live = self.registry.get(active.req.call_sid)
                if live is not None and live.mode == "human" and not live.holding:
                    self._spawn(live.hold(self.holding_line))
                if active.grace is None:
                    active.grace = self._spawn(self._grace(active, agent_id))

    async def agent_audio_in(self, agent_id: int, pcm16k: bytes) -> None:
        for active in self._active.values():
            if active.res.agent_id == agent_id and active.res.phase == "accepted":
                live = self.registry.get(active.req.call_sid)
                # not while the bot says its bridging or holding line (no talking over it)
                if (
                    live is not None
                    and not live.holding
                    and live.control.switch.output.mode == "human"
                ):
                    from handoff.audio import BROWSER_RATE, resample

                    pcm8k = resample(pcm16k, BROWSER_RATE, 8000)
                    await live.control.switch.agent_audio(pcm8k, 8000)
                return

    async def _grace(self, active: _Active, agent_id: int) -> None:
        await self.clock.sleep(self.settings.grace_s)
        async with active.lock:
            active.grace = None
            if active.res.agent_id != agent_id or active.res.phase != "accepted":
                return
            logger.info("agent gone past the grace period", agent_id=agent_id)
            self._release_agent(agent_id, status="offline")
            await self._step(active, lambda r, now, c: rsv.agent_gone(r, agent_id, now, c))
        self._board()

    # ------------------------------------------------------------------ capacity
    def free_agents(self, skill: str | None) -> int:
        """``AgentCapacity`` for the dialer's handoff-aware pacing."""
        return len(routing_free_agents(self._agent_views(only_available=True), skill))

    # ------------------------------------------------------------------ follow-ups
    def claim_follow_up(self, agent_id: int, task_id: int) -> None:
        with self.db.session() as s:
            done = _rowcount(
                s.execute(
                    update(FollowUpTask)
                    .where(FollowUpTask.id == task_id, FollowUpTask.status == "open")
                    .values(status="claimed", claimed_by=agent_id, claimed_at=self.clock.now())
                )
            )
        if not done:
            raise Conflict("task already claimed or closed", where=f"task {task_id}")
        self.bus.publish("follow_up", {"id": task_id, "status": "claimed", "by": agent_id})

    def complete_follow_up(self, agent_id: int, task_id: int, outcome: str, notes: str) -> None:
        if not outcome.strip():
            raise InvalidInput("an outcome is required", where="outcome")
        with self.db.session() as s:
            done = _rowcount(
                s.execute(
                    update(FollowUpTask)
                    .where(
                        FollowUpTask.id == task_id,
                        FollowUpTask.status == "claimed",
                        FollowUpTask.claimed_by == agent_id,
                    )
                    .values(
                        status="done", completed_at=self.clock.now(), outcome=outcome, notes=notes
                    )
                )
            )
        if not done:
            raise Conflict("claim the task first", where=f"task {task_id}")
        self.bus.publish("follow_up", {"id": task_id, "status": "done", "by": agent_id})

    def call_back(self, agent_id: int, task_id: int) -> None:
        if self.callbacks is None:
            raise Conflict("call back through the dialer is not configured", where="dialer")
        with self.db.read() as s:
            task = s.get(FollowUpTask, task_id)
        if task is None or task.claimed_by != agent_id or task.status != "claimed":
            raise Conflict("claim the task first", where=f"task {task_id}")
        if task.customer_id is None:
            raise InvalidInput("the task has no customer", where=f"task {task_id}")
        self.callbacks.request_callback(
            customer_id=task.customer_id, agent_id=agent_id, task_id=task_id
        )

    # ------------------------------------------------------------------ views
    def offer_card(self, active: _Active) -> dict[str, Any]:
        req = active.req
        live = self.registry.get(req.call_sid)
        return {
            "request_id": active.request_id,
            "call_sid": req.call_sid,
            "customer": customer_card(self.db, req.customer_id),
            "score": round(req.score, 3),
            "grade": req.grade,
            "reasons": [r.__dict__ for r in req.reasons],
            "skill": req.skill,
            "state": req.state,
            "requested_at": req.requested_at.isoformat(),
            "deadline": active.res.deadline.isoformat() if active.res.deadline else None,
            "transcript": list(live.transcript[-30:]) if live else [],
        }

    def board(self) -> dict[str, Any]:
        views = {v.agent_id: v for v in self._agent_views()}
        with self.db.read() as s:
            users = {u.id: u for u in s.scalars(select(User).where(User.id.in_(views))).all()}
        agents = [
            {
                "agent_id": v.agent_id,
                "name": users[v.agent_id].display_name or users[v.agent_id].username,
                "status": v.status,
                "ringing": v.ringing,
                "skills": sorted(v.skills),
                "since": v.idle_since.isoformat(),
            }
            for v in views.values()
            if v.agent_id in users
        ]
        calls = []
        for live in self.registry.calls():
            active = self._active.get(live.call_sid)
            calls.append(
                {
                    "call_sid": live.call_sid,
                    "mode": live.mode,
                    "holding": live.holding,
                    "phase": active.res.phase if active else None,
                    "agent_id": active.res.agent_id if active else None,
                }
            )
        return {"agents": agents, "calls": calls}

    def active_for_agent(self, agent_id: int) -> list[dict[str, Any]]:
        return [
            {"phase": a.res.phase, **self.offer_card(a)}
            for a in self._active.values()
            if a.res.agent_id == agent_id and a.res.phase in ("offered", "accepted")
        ]

    # ------------------------------------------------------------------ internals
    def _by_request(self, request_id: int) -> _Active:
        for active in self._active.values():
            if active.request_id == request_id:
                return active
        raise Conflict("this offer is no longer open", where=f"request {request_id}")

    def _held_by(self, agent_id: int, call_sid: str) -> _Active:
        active = self._active.get(call_sid)
        if active is None or active.res.agent_id != agent_id or active.res.phase != "accepted":
            raise Conflict("you do not hold this call", where="call_sid")
        return active

    def _agent_views(self, only_available: bool = False) -> list[AgentView]:
        """Agents as routing sees them (Core rows, not ORM objects: this runs per offer)."""
        q = (
            select(Agent.user_id, Agent.status, Agent.idle_since)
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
            AgentView(uid, status, idle, frozenset(skills.get(uid, ())), uid in ringing)
            for uid, status, idle in rows
        ]

    async def _step(self, active: _Active, step: Any) -> None:
        """Run a reservation step with the routing's candidate; retry when the database
        refuses the offer row (that agent got another call meanwhile)."""
        for _ in range(5):
            now = self.clock.now()
            cand = pick_agent(
                self._agent_views(only_available=True), active.res.skill, active.res.tried
            )
            res, effects = step(active.res, now, cand)
            try:
                active.res = res
                await self._apply(active, effects)
                return
            except IntegrityError:
                logger.info("offer refused by the database; routing again")
                active.res = rsv.Reservation(
                    **{**res.__dict__, "phase": "waiting", "agent_id": None, "deadline": None}
                )
                step = lambda r, t, c: rsv.start(r, t, c)  # noqa: E731
        active.res, effects = rsv.start(active.res, self.clock.now(), None)
        await self._apply(active, effects)

    async def _apply(self, active: _Active, effects: list[rsv.Effect]) -> None:
        now = self.clock.now()
        for eff in effects:
            if isinstance(eff, rsv.Withdraw):
                status = {"agent_gone": "cancelled"}.get(eff.why, eff.why)
                with self.db.session() as s:
                    s.execute(
                        update(Offer)
                        .where(
                            Offer.id == active.offer_id, Offer.status.in_(("offered", "accepted"))
                        )
                        .values(status=status, decided_at=now)
                    )
                if active.timer is not None and active.timer is not asyncio.current_task():
                    active.timer.cancel()
                active.timer = None
                self.bus.publish(
                    "offer_withdrawn",
                    {"request_id": active.request_id, "why": eff.why},
                    user_id=eff.agent_id,
                )
            elif isinstance(eff, rsv.OfferTo):
                with self.db.session() as s:
                    row = Offer(
                        request_id=active.request_id,
                        call_sid=active.req.call_sid,
                        agent_id=eff.agent_id,
                        offered_at=now,
                        deadline=eff.deadline,
                    )
                    s.add(row)
                    s.flush()
                    active.offer_id = row.id
                active.timer = self._spawn(self._offer_timer(active, eff.deadline))
                self.bus.publish("offer", self.offer_card(active), user_id=eff.agent_id)
            elif isinstance(eff, rsv.Connect):
                await self._connect(active, eff.agent_id)
            elif isinstance(eff, rsv.Fallback):
                await self._fallback(active, eff.why)

    async def _connect(self, active: _Active, agent_id: int) -> None:
        """Turn the call's gates to the agent (the books are kept by ``accept``)."""
        if active.timer is not None:
            active.timer.cancel()
            active.timer = None
        live = self.registry.get(active.req.call_sid)
        if live is None:
            return
        live.agent_id = agent_id
        sink = AgentLinkSink(self.hub, agent_id, active.req.call_sid)
        if live.mode == "human":  # re-offered after a drop: the engine is already human
            self._spawn(live.resume_agent(sink))
        else:
            self._spawn(live.take_over(sink, _engine_event("HandoffAccepted", str(agent_id))))

    async def _fallback(self, active: _Active, why: str) -> None:
        req = active.req
        live = self.registry.get(req.call_sid)
        if live is not None:
            if live.mode == "human":
                self._spawn(live.hand_back(_engine_event("AgentHandBack", req.state)))
            else:
                self._spawn(live.control.engine_event(_engine_event("HandoffDeclined")))
        callback_at = req.callback_at or self.clock.now() + timedelta(
            seconds=self.settings.follow_up_delay_s
        )
        with self.db.session() as s:
            task = create_follow_up(
                s,
                call_sid=req.call_sid,
                customer_id=req.customer_id,
                reason=(req.reasons[0].code if req.reasons else f"handoff_{why}"),
                grade=req.grade,
                callback_at=callback_at,
                transcript_ref=f"call:{req.call_sid}",
            )
            row = s.get(HandoffRequestRow, active.request_id)
            if row is not None:
                row.outcome = "fallback"
            task_id = task.id
        self.bus.publish(
            "follow_up",
            {"id": task_id, "status": "open", "call_sid": req.call_sid, "grade": req.grade},
            roles=("agent", "supervisor", "admin"),
        )

    async def _offer_timer(self, active: _Active, deadline: datetime) -> None:
        await self.clock.sleep(max(0.0, (deadline - self.clock.now()).total_seconds()))
        async with active.lock:
            if active.timer is asyncio.current_task():
                active.timer = None
            await self._step(active, lambda r, now, c: rsv.tick(r, now, c))
        self._board()

    def _close_request(
        self, active: _Active, outcome: str, disposition: str | None, notes: str | None
    ) -> None:
        with self.db.session() as s:
            s.execute(
                update(Offer)
                .where(Offer.id == active.offer_id, Offer.status == "accepted")
                .values(status="done")
            )
            row = s.get(HandoffRequestRow, active.request_id)
            if row is not None:
                row.outcome, row.ended_at = outcome, self.clock.now()
                row.disposition, row.notes = disposition, notes
        self._active.pop(active.req.call_sid, None)

    def _release_agent(self, agent_id: int, status: str = "wrap_up") -> None:
        now = self.clock.now()
        with self.db.session() as s:
            agent = s.get(Agent, agent_id)
            if agent is not None:
                agent.status, agent.status_since, agent.call_sid = status, now, None
                agent.idle_since = now

    def _call_gone_soon(self, call_sid: str) -> None:
        self._spawn(self.call_gone(call_sid))

    async def call_gone(self, call_sid: str) -> None:
        """The call ended (hang-up): withdraw an offer, free the agent."""
        active = self._active.get(call_sid)
        if active is None:
            return
        async with active.lock:
            if active.res.phase in ("waiting", "offered"):
                active.res, effects = rsv.cancel(active.res)
                await self._apply(active, effects)
                self._close_request(active, "cancelled", None, None)
            elif active.res.phase == "accepted" and active.res.agent_id is not None:
                agent_id = active.res.agent_id
                active.res, _ = rsv.finish(active.res)
                self._close_request(active, "customer_hangup", None, None)
                self._release_agent(agent_id)
                self.bus.publish(
                    "call_done", {"call_sid": call_sid, "how": "customer_hangup"}, user_id=agent_id
                )
            else:
                self._active.pop(call_sid, None)
        self._board()

    def score_update(
        self, call_sid: str, score: float, grade: str, reasons: Sequence[Reason]
    ) -> None:
        """The scorer's latest view of a call with an open or accepted request: the card
        (and a later re-sync) shows it; the agent holding the offer or the call gets it
        at once. The request row keeps the score as of the request."""
        active = self._active.get(call_sid)
        if active is None or not active.res.live:
            return
        old = active.req
        if (
            round(old.score, 1) == round(score, 1)
            and old.grade == grade
            and list(old.reasons) == list(reasons)
        ):
            return
        active.req = replace(old, score=score, grade=grade, reasons=tuple(reasons))
        if active.res.agent_id is not None and active.res.phase in ("offered", "accepted"):
            self.bus.publish(
                "score",
                {
                    "call_sid": call_sid,
                    "request_id": active.request_id,
                    "score": round(score, 3),
                    "grade": grade,
                    "reasons": [r.__dict__ for r in reasons],
                },
                user_id=active.res.agent_id,
            )

    def _transcript(self, call_sid: str, row: dict[str, Any]) -> None:
        active = self._active.get(call_sid)
        if active is None or active.res.agent_id is None:
            return
        if active.res.phase in ("offered", "accepted"):
            self.bus.publish(
                "transcript", {"call_sid": call_sid, **row}, user_id=active.res.agent_id
            )

    def _board(self) -> None:
        """Publish the board soon: changes within BOARD_COALESCE_S go out as one event."""
        if self._board_pending is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # called outside the loop (CLI, sync code): publish now
            self._publish_board()
            return
        self._board_pending = loop.call_later(BOARD_COALESCE_S, self._publish_board)

    def _publish_board(self) -> None:
        self._board_pending = None
        self.bus.publish("board", self.board(), roles=SUPERVISORS)

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        if self._board_pending is not None:
            self._board_pending.cancel()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _rowcount(result: Any) -> int:
    """Rows matched by an UPDATE (a CursorResult; typed loosely by SQLAlchemy)."""
    return int(result.rowcount)


def create_follow_up(
    session: Session,
    call_sid: str,
    customer_id: int | None,
    reason: str,
    grade: str,
    callback_at: datetime,
    transcript_ref: str | None,
) -> FollowUpTask:
    """A follow-up task for a flagged customer nobody could take now (caller's transaction)."""
    if callback_at.tzinfo is None:
        raise InvalidInput("callback_at must be timezone-aware", where="callback_at")
    task = FollowUpTask(
        call_sid=call_sid,
        customer_id=customer_id,
        reason=reason[:200],
        grade=grade,
        callback_at=callback_at,
        transcript_ref=transcript_ref,
    )
    session.add(task)
    session.flush()
    return task


def customer_card(db: Database, customer_id: int | None) -> dict[str, Any]:
    """Name, masked number, segment and star level for the alert card."""
    if customer_id is None:
        return {}
    from dialer.lists.models import Customer

    with db.read() as s:
        c = s.get(Customer, customer_id)
    if c is None:
        return {"id": customer_id}
    attrs = c.attributes or {}
    return {
        "id": c.id,
        "name": c.name or "",
        "phone": mask_phone(c.phone_e164),
        "segment": str(attrs.get("segment") or c.aum_band or ""),
        "star_level": c.star_level,
    }


_service: HandoffService | None = None


def install(service: HandoffService | None) -> None:
    """Make ``service`` the process's handoff service (done by ``handoff.state``)."""
    global _service
    _service = service


def running() -> bool:
    """Whether this process runs the handoff service (the console)."""
    return _service is not None


def current() -> HandoffService:
    if _service is None:
        raise RuntimeError("the handoff service is not running in this process")
    return _service


async def request_handoff(req: HandoffRequest) -> int:
    """The intent scorer's entry point."""
    return await current().request_handoff(req)


def score_update(call_sid: str, score: float, grade: str, reasons: Sequence[Reason]) -> None:
    """The intent scorer's later scores of a call (nothing when no console runs here)."""
    if _service is not None:
        _service.score_update(call_sid, score, grade, reasons)


def free_agents(skill: str | None) -> int:
    """``AgentCapacity.free_agents`` for the dialer (0 when no console runs here)."""
    return current().free_agents(skill) if _service is not None else 0
