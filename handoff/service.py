"""The handoff service: requests from the scorer, offers to agents, takeover, hand back.

One ``HandoffService`` per console process, built by the app factory (``handoff.state``).
Each live request has a pure ``Reservation`` (handoff.reservation), stepped under a
per-call lock; effects are carried out here: offer rows (the database refuses a second
live offer per call or per agent), console events, the live call's gates and engine
events, and a follow-up task when nobody takes the call (``handoff.followups``). The
agents' presence and capacity are the ``AgentDesk``'s (``handoff.agents``); what the
consoles show is built by ``handoff.cards``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from loguru import logger
from sqlalchemy.exc import IntegrityError

from dialogue.engine import AgentHandBack, HandoffAccepted, HandoffDeclined
from dialogue.intent.scorer import HandoffRequest, Reason
from handoff import cards
from handoff import reservation as rsv
from handoff.agents import AgentDesk
from handoff.audio import BROWSER_RATE, AgentLinkSink, AudioHub, resample
from handoff.events import EventBus
from handoff.floor import RequestFacts
from handoff.floor_feed import FloorFeed
from handoff.followups import CallbackRequester, FollowUps
from handoff.live import LiveCallRegistry
from handoff.requests import RequestBook
from handoff.resume import check_target
from handoff.routing import pick_agent
from handoff.settings import HandoffSettings
from kernel.clock import Clock
from kernel.db import Database
from kernel.errors import Conflict, InvalidInput
from kernel.vocab import Grade

HOLDING_LINE = "请您稍等，马上为您接通。"


@dataclass
class _Active:
    request_id: int
    req: HandoffRequest
    res: rsv.Reservation
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    timer: asyncio.Task[None] | None = None
    grace: asyncio.Task[None] | None = None
    offer_id: int | None = None


def request_facts(active: dict[str, _Active]) -> list[RequestFacts]:
    """The live requests as the floor shows them."""
    return [
        RequestFacts(
            call_sid=sid,
            request_id=a.request_id,
            phase=a.res.phase,
            agent_id=a.res.agent_id,
            requested_at=a.req.requested_at,
            grade=a.req.grade,
            score=a.req.score,
            tried=len(a.res.tried),
        )
        for sid, a in active.items()
        if a.res.phase in ("waiting", "offered", "accepted")
    ]


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
        self.holding_line = holding_line
        self._active: dict[str, _Active] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.floor = FloorFeed(db, clock, bus, registry, lambda: request_facts(self._active))
        self.desk = AgentDesk(db, settings, clock, bus, on_change=self._board, spawn=self._spawn)
        self.followups = FollowUps(db, clock, bus, callbacks)
        self.book = RequestBook(db, clock)
        registry.on_ended.append(self._call_gone_soon)
        registry.on_transcript.append(self._transcript)
        self.book.recover()

    # ------------------------------------------------------------------ scorer side
    async def request_handoff(self, req: HandoffRequest) -> int:
        """Start routing ``req``; the id of its request row (the same one if repeated)."""
        active = self._active.get(req.call_sid)
        if active is not None and active.res.live:
            return active.request_id
        rid = self.book.open(req)
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
        grade = self.book.task_grade(task_id, "B")
        req = HandoffRequest(
            call_sid=call_sid,
            customer_id=customer_id,
            score=0.0,
            grade=grade,
            reasons=(Reason("call_back", "坐席回拨", "agent call back", 0.0),),
            skill=None,
            state="agent_call_back",
            requested_at=now,
        )
        rid, offer_id = self.book.open_taken(req, agent_id)
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
        self.desk.announce(agent_id)
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
            done = self.book.accept(request_id, active.offer_id, agent_id, active.req.call_sid)
            if not done:
                raise Conflict("this offer is no longer yours", where=f"request {request_id}")
            active.res = res
            await self._apply(active, effects)
        self.bus.publish("connected", self.offer_card(active), user_id=agent_id)
        self.desk.announce(agent_id)
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
        if state is not None:
            script = cards.request_script(active.req)
            if script is None:
                raise InvalidInput("this call has no script to resume", where="state")
            check_target(script, state)
        async with active.lock:
            # The records first, then the bot: these writes block the event loop, and a
            # slow commit right after the bot's resume prompt is asked for would starve
            # the prompt's first audio past pipecat's 3 s (the prompt is then dropped).
            active.res, _ = rsv.finish(active.res)
            self._close_request(active, "handed_back", None, None)
            self.desk.release(agent_id)
            self.bus.publish(
                "call_done", {"call_sid": call_sid, "how": "handed_back"}, user_id=agent_id
            )
            live = self.registry.get(call_sid)
            if live is not None:
                await live.hand_back(AgentHandBack(state))
        self._board()

    async def end_call(
        self, agent_id: int, call_sid: str, disposition: str, notes: str, branch: bool = False
    ) -> None:
        if not disposition.strip():
            raise InvalidInput("a disposition is required", where="disposition")
        active = self._held_by(agent_id, call_sid)
        async with active.lock:
            # The request is closed with the agent's result before the call ends, so the
            # call's outcome record (written when the pipeline finishes) reads it.
            active.res, _ = rsv.finish(active.res)
            self._close_request(active, "ended", disposition, notes, branch)
            live = self.registry.get(call_sid)
            if live is not None:
                await live.control.end(disposition)
            self.desk.release(agent_id)
        self.bus.publish("call_done", {"call_sid": call_sid, "how": "ended"}, user_id=agent_id)
        self._board()

    # ------------------------------------------------------------------ agent audio
    def _taken_by(self, agent_id: int) -> list[_Active]:
        return [
            a
            for a in self._active.values()
            if a.res.agent_id == agent_id and a.res.phase == "accepted"
        ]

    def agent_audio_connected(self, agent_id: int) -> None:
        """The agent's audio socket is (back) up: resume a held call within the grace."""
        for active in self._taken_by(agent_id):
            if active.grace is not None:
                active.grace.cancel()
                active.grace = None
            live = self.registry.get(active.req.call_sid)
            if live is not None and live.holding:
                sink = AgentLinkSink(self.hub, agent_id, active.req.call_sid)
                self._spawn(live.resume_agent(sink))

    def agent_audio_dropped(self, agent_id: int) -> None:
        """The agent's audio socket dropped mid-call: hold the customer, wait the grace."""
        for active in self._taken_by(agent_id):
            live = self.registry.get(active.req.call_sid)
            if live is not None and live.mode == "human" and not live.holding:
                self._spawn(live.hold(self.holding_line))
            if active.grace is None:
                active.grace = self._spawn(self._grace(active, agent_id))

    async def agent_audio_in(self, agent_id: int, pcm16k: bytes) -> None:
        """The agent's voice to the customer; not over the bot's bridging or holding line."""
        for active in self._taken_by(agent_id)[:1]:
            live = self.registry.get(active.req.call_sid)
            if live is not None and not live.holding and live.control.switch.output.mode == "human":
                pcm16k = self.hub.barge.mix(active.req.call_sid, pcm16k)
                pcm8k = resample(pcm16k, BROWSER_RATE, 8000)
                await live.agent_audio(pcm8k)

    async def _grace(self, active: _Active, agent_id: int) -> None:
        await self.clock.sleep(self.settings.grace_s)
        async with active.lock:
            active.grace = None
            if active.res.agent_id != agent_id or active.res.phase != "accepted":
                return
            logger.info("agent gone past the grace period", agent_id=agent_id)
            self.desk.release(agent_id, status="offline")
            await self._step(active, lambda r, now, c: rsv.agent_gone(r, agent_id, now, c))
        self._board()

    # ------------------------------------------------------------------ views
    def offer_card(self, active: _Active) -> dict[str, Any]:
        return cards.offer_card(
            self.db, self.registry, active.request_id, active.req, active.res.deadline
        )

    def board(self) -> dict[str, Any]:
        return self.floor.snapshot()  # the supervisors' live floor now

    def _board(self) -> None:
        self.floor.touch(agents=True)

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

    async def _step(self, active: _Active, step: Any) -> None:
        """Run a reservation step with the routing's candidate; retry when the database
        refuses the offer row (that agent got another call meanwhile)."""
        for _ in range(5):
            now = self.clock.now()
            cand = pick_agent(
                self.desk.views(only_available=True), active.res.skill, active.res.tried
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
        for eff in effects:
            if isinstance(eff, rsv.Withdraw):
                self.book.withdraw(
                    active.offer_id, {"agent_gone": "cancelled"}.get(eff.why, eff.why)
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
                active.offer_id = self.book.offer(
                    active.request_id, active.req.call_sid, eff.agent_id, eff.deadline
                )
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
            self._spawn(live.take_over(sink, HandoffAccepted(str(agent_id))))

    async def _fallback(self, active: _Active, why: str) -> None:
        req = active.req
        live = self.registry.get(req.call_sid)
        if live is not None:
            if live.mode == "human":
                self._spawn(live.hand_back(AgentHandBack(req.state)))
            else:
                self._spawn(live.control.engine_event(HandoffDeclined()))
        callback_at = req.callback_at or self.clock.now() + timedelta(
            seconds=self.settings.follow_up_delay_s
        )
        task_id = self.book.fall_back(active.request_id, req, why, callback_at)
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
        self,
        active: _Active,
        outcome: str,
        disp: str | None,
        notes: str | None,
        branch: bool = False,
    ) -> None:
        self.book.close(active.request_id, active.offer_id, outcome, disp, notes, branch)
        self._active.pop(active.req.call_sid, None)

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
                self.desk.release(agent_id)
                self.bus.publish(
                    "call_done", {"call_sid": call_sid, "how": "customer_hangup"}, user_id=agent_id
                )
            else:
                self._active.pop(call_sid, None)
        self._board()

    def score_update(
        self,
        call_sid: str,
        score: float,
        grade: Grade,
        reasons: Sequence[Reason],
        state: str | None = None,
    ) -> None:
        """The scorer's latest view of a call, for the floor and, while a request is live,
        the agent's card (the request row keeps the score as of the request)."""
        self.floor.score(call_sid, score, grade, state)
        active = self._active.get(call_sid)
        if active is None or not active.res.live:
            return
        old, new = active.req, (round(score, 1), grade, tuple(reasons))
        if (round(old.score, 1), old.grade, tuple(old.reasons)) == new:
            return
        active.req = replace(old, score=score, grade=grade, reasons=tuple(reasons))
        if active.res.agent_id is not None and active.res.phase in ("offered", "accepted"):
            event = cards.score_event(call_sid, active.request_id, score, grade, reasons)
            self.bus.publish("score", event, user_id=active.res.agent_id)

    def _transcript(self, call_sid: str, row: dict[str, Any]) -> None:
        active = self._active.get(call_sid)
        if active is None or active.res.agent_id is None:
            return
        if active.res.phase in ("offered", "accepted"):
            self.bus.publish(
                "transcript", {"call_sid": call_sid, **row}, user_id=active.res.agent_id
            )

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        self.floor.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
