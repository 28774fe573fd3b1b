"""A media worker's side of a handoff to the console in another process.

The media worker (``tailcall worker --role media``) holds live calls in its own
``LiveCallRegistry``; the console (its handoff service, agents and reservations) runs in
``tailcall serve``. ``RemoteConsoleRouter`` is the worker's ``HandoffRouter``: a request
goes to the console process as a notification (``handoff.wire``), and the console steers
the call back with notifications to this worker's channel, which ``WorkerLink`` carries
out on the local call in order, one call at a time. Transcript lines and the call's end
go back to the console for calls it knows. The agent's audio comes over a websocket the
console process opens to ``/agent-link/{call_sid}`` here (``agent_link_router``).

A request nobody acknowledges within ``ack_timeout_s`` (no console process listening) is
declined to the script, so it carries on, as with no console at all.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from loguru import logger

from dialogue.engine import AgentHandBack, HandoffAccepted, HandoffDeclined
from dialogue.intent.live import Feed
from dialogue.intent.scorer import HandoffRequest, ScoreUpdate
from handoff.audio import BROWSER_RATE, CH_CUSTOMER, AudioOut, resample
from handoff.live import LiveCallRegistry
from handoff.wire import CONSOLE_CHANNEL, link_token_ok, request_to_wire, worker_channel
from kernel.notify import Sender

LINK_CAP_MS = 200


class WorkerLink:
    """This worker's end of the console link: router, control, transcript, audio."""

    def __init__(
        self,
        registry: LiveCallRegistry,
        notifier: Sender,
        *,
        worker_id: str,
        link_base_url: str,
        secret: str,
        ack_timeout_s: float = 5.0,
    ) -> None:
        self.registry = registry
        self.notifier = notifier
        self.worker_id = worker_id
        self.channel = worker_channel(worker_id)
        self.link_base_url = link_base_url.rstrip("/")
        self.secret = secret
        self.ack_timeout_s = ack_timeout_s
        self.shared: set[str] = set()  # calls the console knows
        self.links: dict[str, AudioOut] = {}  # call -> customer audio to the console
        self._acks: dict[str, asyncio.Future[None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        registry.on_transcript.append(self._transcript)
        registry.on_ended.append(self._ended)

    # ------------------------------------------------------------------ to the console
    async def _send(self, op: str, call_sid: str, **data: Any) -> None:
        payload = {"op": op, "call_sid": call_sid, "worker": self.channel, **data}
        try:
            await self.notifier.send(CONSOLE_CHANNEL, payload)
        except Exception:
            logger.exception("could not reach the console process", op=op, call_sid=call_sid)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._logged(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _logged(coro: Any) -> None:
        try:
            await coro
        except Exception:
            logger.exception("media worker task failed")

    async def route(self, req: HandoffRequest, feed: Feed) -> None:
        """``HandoffRouter.route``: ask the console process; decline if nobody answers."""
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._acks[req.call_sid] = ack
        self.shared.add(req.call_sid)
        link = f"{self.link_base_url}/agent-link/{req.call_sid}"
        await self._send("request", req.call_sid, link=link, req=request_to_wire(req))
        try:
            await asyncio.wait_for(ack, self.ack_timeout_s)
        except TimeoutError:
            logger.warning("no console process took the handoff request", call_sid=req.call_sid)
            self.shared.discard(req.call_sid)
            if req.trigger == "script":
                await feed(HandoffDeclined())
        finally:
            self._acks.pop(req.call_sid, None)

    async def agent_first(
        self, call_sid: str, agent_id: int, customer_id: int | None, task_id: int | None
    ) -> None:
        self.shared.add(call_sid)
        link = f"{self.link_base_url}/agent-link/{call_sid}"
        await self._send(
            "agent_first",
            call_sid,
            link=link,
            agent_id=agent_id,
            customer_id=customer_id,
            task_id=task_id,
        )

    def score_update(self, call_sid: str, update: ScoreUpdate) -> None:
        if call_sid in self.shared:
            self._spawn(
                self._send(
                    "score",
                    call_sid,
                    score=update.score,
                    grade=update.grade,
                    reasons=[r.to_dict() for r in update.reasons],
                )
            )

    def _transcript(self, call_sid: str, row: dict[str, Any]) -> None:
        if call_sid in self.shared:
            self._spawn(self._send("transcript", call_sid, row=row))

    def _ended(self, call_sid: str) -> None:
        if call_sid in self.shared:
            self.shared.discard(call_sid)
            self._spawn(self._send("ended", call_sid))
        self._locks.pop(call_sid, None)

    # ------------------------------------------------------------------ from the console
    def on_message(self, _channel: str, msg: dict[str, Any]) -> None:
        """``kernel.notify.Listener`` callback: each call's messages run in order."""
        call_sid = str(msg.get("call_sid") or "")
        op = msg.get("op")
        if op == "ack":
            fut = self._acks.get(call_sid)
            if fut is not None and not fut.done():
                fut.set_result(None)
            return
        lock = self._locks.setdefault(call_sid, asyncio.Lock())
        self._spawn(self._control(lock, call_sid, msg))

    async def _control(self, lock: asyncio.Lock, call_sid: str, msg: dict[str, Any]) -> None:
        async with lock:
            live = self.registry.get(call_sid)
            if live is None:
                return
            op = msg.get("op")
            logger.info("console control", op=op, call_sid=call_sid)
            try:
                # As the in-process service does: taking over, resuming and holding run in
                # the background (they wait for the bot's bridging or holding line), so an
                # end or a hand back right after is not held up behind them.
                if op == "take_over":
                    agent_id = int(msg["agent_id"])
                    live.agent_id = agent_id
                    accepted = HandoffAccepted(str(agent_id)) if msg.get("accepted") else None
                    self._spawn(live.take_over(LinkSink(self.links, call_sid), accepted))
                elif op == "resume":
                    self._spawn(live.resume_agent(LinkSink(self.links, call_sid)))
                elif op == "hold":
                    self._spawn(live.hold(str(msg.get("line") or "")))
                elif op == "hand_back":
                    state = msg.get("state")
                    await live.hand_back(AgentHandBack(str(state) if state else None))
                elif op == "declined":
                    self._spawn(live.control.engine_event(HandoffDeclined()))
                elif op == "end":
                    await live.control.end(str(msg.get("disposition") or "agent_ended"))
                elif op == "say":
                    await live.control.say(str(msg.get("text") or ""))
            except Exception:
                logger.exception("console control failed", op=op, call_sid=call_sid)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for out in list(self.links.values()):
            await out.close()


class LinkSink:
    """The call's ``AgentSink`` here: customer audio to the console process's link (if up),
    16 kHz with the customer's channel byte, as the agent's browser takes it."""

    def __init__(self, links: dict[str, AudioOut], call_sid: str) -> None:
        self.links, self.call_sid = links, call_sid

    async def customer_audio(self, pcm: bytes, sample_rate: int) -> None:
        out = self.links.get(self.call_sid)
        if out is not None:
            out.put(CH_CUSTOMER, resample(pcm, sample_rate, BROWSER_RATE))


def agent_link_router(get_link: Callable[[], WorkerLink]) -> APIRouter:
    """``/agent-link/{call_sid}``: the console process's audio link to one call."""
    router = APIRouter()

    @router.websocket("/agent-link/{call_sid}")
    async def agent_link(websocket: WebSocket, call_sid: str) -> None:
        link = get_link()
        token = websocket.query_params.get("token") or ""
        live = link.registry.get(call_sid)
        if live is None or not link_token_ok(link.secret, call_sid, token):
            await websocket.close(code=1008)
            return
        await websocket.accept()
        out = AudioOut(websocket.send_bytes, LINK_CAP_MS)
        out.start()
        old = link.links.get(call_sid)
        if old is not None:
            await old.close()
        link.links[call_sid] = out
        try:
            while True:
                msg = await websocket.receive()
                if msg["type"] == "websocket.disconnect":
                    break
                data = msg.get("bytes")
                current = link.registry.get(call_sid)
                if not data or current is None:
                    continue
                sw = current.control.switch
                # not over the bot's bridging or holding line
                if not current.holding and sw.output.mode == "human":
                    await sw.agent_audio(data, 8000)
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            await out.close()
            if link.links.get(call_sid) is out:
                del link.links[call_sid]
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close()

    return router
