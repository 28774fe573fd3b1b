"""The console process's side of calls held by media workers in other processes.

``ConsoleBridge`` listens on ``handoff.wire.CONSOLE_CHANNEL``. A worker's handoff request
registers a ``RemoteLiveCall`` in the console's ``LiveCallRegistry`` and goes to the
handoff service as any request does: reservations, offers, accept, hand back and end
run here, unchanged. What the service does to the call (take over, hold, resume, hand
back, decline, end) the ``RemoteLiveCall`` sends to the worker holding it; the agent's
audio crosses on a websocket this process opens to the worker's ``/agent-link`` (relayed
between the agent's browser socket and the call, so the browser talks to this process
only). Transcript lines, scores and the call's end come back from the worker.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from websockets.asyncio.client import ClientConnection, connect

from dialogue.engine import AgentHandBack, HandoffDeclined
from dialogue.speech.gates import AgentSink, InputGate, OutputGate, TakeoverSwitch
from handoff.audio import BROWSER_RATE, CH_CUSTOMER
from handoff.live import LiveCall, LiveCallRegistry
from handoff.service import HandoffService
from handoff.wire import link_token, reasons_from_wire, request_from_wire
from kernel.notify import Sender


class RemoteSwitch(TakeoverSwitch):
    """The call's gates as this process knows them; the agent's voice goes to the link."""

    def __init__(self) -> None:
        super().__init__(InputGate(), OutputGate())
        self.link: ClientConnection | None = None

    async def agent_audio(self, pcm: bytes, sample_rate: int) -> None:
        link = self.link
        if link is not None and self.mode == "human":
            with contextlib.suppress(Exception):
                await link.send(pcm)


class RemoteControl:
    """``handoff.live.CallControl`` for a call in another process: each act is a message."""

    def __init__(self, bridge: ConsoleBridge, worker: str, call_sid: str) -> None:
        self.bridge, self.worker, self.call_sid = bridge, worker, call_sid
        self._switch = RemoteSwitch()

    @property
    def switch(self) -> TakeoverSwitch:
        return self._switch

    @property
    def remote_switch(self) -> RemoteSwitch:
        return self._switch

    @property
    def bot_speaking(self) -> bool:
        return False  # the worker waits for its own bot

    async def send(self, op: str, **data: Any) -> None:
        await self.bridge.to_worker(self.worker, op, self.call_sid, **data)

    async def engine_event(self, event: object) -> bool:
        if isinstance(event, HandoffDeclined):
            await self.send("declined")
        return False

    async def say(self, text: str) -> None:
        await self.send("say", text=text)

    async def end(self, disposition: str) -> None:
        await self.send("end", disposition=disposition)


@dataclass
class RemoteLiveCall(LiveCall):
    """A ``LiveCall`` held by a media worker: the service's acts go there as messages."""

    link_url: str = ""
    secret: str = ""
    _reader: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def remote(self) -> RemoteControl:
        assert isinstance(self.control, RemoteControl)
        return self.control

    async def take_over(self, sink: AgentSink, accepted_event: object | None) -> None:
        sw = self.control.switch
        sw.input.mode = sw.output.mode = "human"
        self.holding = False
        await self.remote.send(
            "take_over", agent_id=self.agent_id, accepted=accepted_event is not None
        )
        await self._open_link(sink)

    async def hold(self, line: str) -> None:
        self.holding = True
        self.control.switch.output.mode = "bot"
        await self.remote.send("hold", line=line)

    async def resume_agent(self, sink: AgentSink) -> None:
        sw = self.control.switch
        sw.input.mode = sw.output.mode = "human"
        self.holding = False
        await self.remote.send("resume")
        await self._open_link(sink)

    async def hand_back(self, event: object) -> None:
        sw = self.control.switch
        sw.input.mode = sw.output.mode = "bot"
        self.holding = False
        state = event.state if isinstance(event, AgentHandBack) else None
        await self.remote.send("hand_back", state=state)
        await self.close_link()

    async def _open_link(self, sink: AgentSink) -> None:
        await self.close_link()
        url = f"{self.link_url}?token={link_token(self.secret, self.call_sid)}"
        try:
            ws = await connect(url, open_timeout=5, max_size=1 << 20, compression=None)
        except Exception:
            logger.exception("no audio link to the media worker", call_sid=self.call_sid)
            return
        self.remote.remote_switch.link = ws
        self._reader = asyncio.get_running_loop().create_task(self._read(ws, sink))

    async def _read(self, ws: ClientConnection, sink: AgentSink) -> None:
        """Customer audio (16 kHz, channel byte first) to the agent and the listeners."""
        tap = self.remote.bridge.registry.audio_tap
        with contextlib.suppress(Exception):
            async for msg in ws:
                if isinstance(msg, bytes) and len(msg) > 1 and msg[0] == CH_CUSTOMER:
                    await sink.customer_audio(msg[1:], BROWSER_RATE)
                    if tap is not None:
                        tap(self.call_sid, CH_CUSTOMER, msg[1:], BROWSER_RATE)

    async def close_link(self) -> None:
        sw = self.remote.remote_switch
        ws, sw.link = sw.link, None
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()


class ConsoleBridge:
    """Receives the media workers' messages and steers their calls (module doc)."""

    def __init__(
        self,
        service: HandoffService,
        registry: LiveCallRegistry,
        notifier: Sender,
        secret: str,
    ) -> None:
        self.service, self.registry = service, registry
        self.notifier, self.secret = notifier, secret
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def to_worker(self, worker: str, op: str, call_sid: str, **data: Any) -> None:
        try:
            await self.notifier.send(worker, {"op": op, "call_sid": call_sid, **data})
        except Exception:
            logger.exception("could not reach the media worker", op=op, call_sid=call_sid)

    def on_message(self, _channel: str, msg: dict[str, Any]) -> None:
        """``kernel.notify.Listener`` callback: each call's messages run in order."""
        call_sid = str(msg.get("call_sid") or "")
        if not call_sid or not str(msg.get("worker") or "").startswith("tailcall_media_"):
            return
        lock = self._locks.setdefault(call_sid, asyncio.Lock())
        task = asyncio.get_running_loop().create_task(self._handle(lock, call_sid, msg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _remote(self, call_sid: str, msg: dict[str, Any]) -> RemoteLiveCall:
        live = self.registry.get(call_sid)
        if isinstance(live, RemoteLiveCall):
            return live
        call = RemoteLiveCall(
            call_sid=call_sid,
            control=RemoteControl(self, str(msg["worker"]), call_sid),
            link_url=str(msg.get("link") or ""),
            secret=self.secret,
        )
        self.registry.register(call)
        return call

    async def _handle(self, lock: asyncio.Lock, call_sid: str, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        async with lock:
            try:
                if op == "request":
                    self._remote(call_sid, msg)
                    rid = await self.service.request_handoff(request_from_wire(msg["req"]))
                    await self.to_worker(str(msg["worker"]), "ack", call_sid, request_id=rid)
                elif op == "agent_first":
                    self._remote(call_sid, msg)
                    await self.service.start_agent_first(
                        call_sid,
                        int(msg["agent_id"]),
                        msg.get("customer_id"),
                        msg.get("task_id"),
                    )
                elif op == "score":
                    self.service.score_update(
                        call_sid,
                        float(msg["score"]),
                        msg["grade"],
                        reasons_from_wire(msg.get("reasons", [])),
                    )
                elif op == "transcript" and isinstance(msg.get("row"), dict):
                    self.registry.transcript_row(call_sid, msg["row"])
                elif op == "ended":
                    live = self.registry.get(call_sid)
                    if isinstance(live, RemoteLiveCall):
                        await live.close_link()
                    self.registry.unregister(call_sid)
                    self._locks.pop(call_sid, None)
            except Exception:
                logger.exception("media worker message failed", op=op, call_sid=call_sid)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for live in self.registry.calls():
            if isinstance(live, RemoteLiveCall):
                await live.close_link()
