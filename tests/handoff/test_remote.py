"""A media worker's call handed to the console in another process, with the notifications
carried in memory (the PostgreSQL path is tests/tailcall/test_scale_out.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from dialogue.engine import HandoffDeclined
from dialogue.intent.scorer import HandoffRequest, Reason
from dialogue.speech.gates import InputGate, OutputGate, TakeoverSwitch
from handoff.live import LiveCall, LiveCallRegistry
from handoff.remote_console import ConsoleBridge, RemoteLiveCall
from handoff.remote_worker import WorkerLink
from handoff.state import build_console
from handoff.wire import CONSOLE_CHANNEL, request_from_wire, request_to_wire
from kernel.db import Database
from kernel.settings import Settings
from tests.handoff.conftest import add_user


class Wire:
    """Notifications between the two sides, as JSON, in memory."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[str, dict[str, Any]], None]] = {}
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def send(self, channel: str, payload: dict[str, Any]) -> None:
        msg = json.loads(json.dumps(payload))
        self.sent.append((channel, msg))
        handler = self.handlers.get(channel)
        if handler is not None:
            handler(channel, msg)

    async def close(self) -> None:
        return None


class FakeControl:
    def __init__(self) -> None:
        self._switch = TakeoverSwitch(InputGate(), OutputGate())
        self.events: list[object] = []
        self.ended: list[str] = []

    @property
    def switch(self) -> TakeoverSwitch:
        return self._switch

    @property
    def bot_speaking(self) -> bool:
        return False

    async def engine_event(self, event: object) -> bool:
        self.events.append(event)
        return False

    async def say(self, text: str) -> None:
        return None

    async def end(self, disposition: str) -> None:
        self.ended.append(disposition)


def _req(sid: str, trigger: str = "score") -> HandoffRequest:
    return HandoffRequest(
        call_sid=sid,
        customer_id=7,
        score=91.0,
        grade="A",
        reasons=(Reason("asked_human", "要求人工", "asked for a human", 1.5),),
        skill="wealth",
        state="offer",
        requested_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        trigger=trigger,  # type: ignore[arg-type]
        callback_at=datetime(2026, 1, 6, 9, 0, tzinfo=UTC),
    )


def test_a_request_crosses_the_wire_unchanged() -> None:
    req = _req("CA1", "script")
    assert request_from_wire(json.loads(json.dumps(request_to_wire(req)))) == req


async def _until(cond: Callable[[], Any], timeout: float = 3.0) -> Any:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not (got := cond()):
        assert loop.time() < end, "condition not met in time"
        await asyncio.sleep(0.01)
    return got


async def test_offer_accept_and_end_reach_the_call_in_the_worker(
    settings: Settings, db: Database
) -> None:
    agent = add_user(db, "ann", skills=("wealth",), status="available")
    console = build_console(settings, db)
    inbox = console.bus.subscribe(agent, "agent")
    wire = Wire()
    bridge = ConsoleBridge(console.service, console.registry, wire, "secret")
    worker_calls = LiveCallRegistry()
    link = WorkerLink(
        worker_calls,
        wire,
        worker_id="media-1",
        link_base_url="ws://127.0.0.1:9",
        secret="secret",
    )
    wire.handlers[CONSOLE_CHANNEL] = bridge.on_message
    wire.handlers[link.channel] = link.on_message
    control = FakeControl()
    worker_calls.register(LiveCall(call_sid="CA1", control=control))

    async def feed(event: object) -> None:
        control.events.append(event)

    await link.route(_req("CA1"), feed)  # returns once the console acknowledged
    offer = await asyncio.wait_for(inbox.queue.get(), 3)
    assert offer is not None and offer.kind == "offer"
    remote = console.registry.get("CA1")
    assert isinstance(remote, RemoteLiveCall)
    # the worker's transcript reaches the agent holding the offer
    worker_calls.transcript_row("CA1", {"speaker": "customer", "text": "我要找人工"})
    row = await asyncio.wait_for(inbox.queue.get(), 3)
    assert row is not None and row.kind == "transcript" and row.payload["text"] == "我要找人工"

    await console.service.accept(agent, offer.payload["request_id"])
    live = worker_calls.get("CA1")
    assert live is not None
    await _until(lambda: live.mode == "human" and live.agent_id == agent)
    assert remote.mode == "human"
    await console.service.end_call(agent, "CA1", "sale", "")
    await _until(lambda: control.ended == ["sale"])
    # the call ends in the worker: the console forgets it
    worker_calls.unregister("CA1")
    await _until(lambda: console.registry.get("CA1") is None)
    await bridge.close()
    await link.close()
    await console.service.close()


async def test_a_script_offer_nobody_acknowledges_is_declined() -> None:
    wire = Wire()  # no console process listening
    link = WorkerLink(
        LiveCallRegistry(),
        wire,
        worker_id="media-1",
        link_base_url="ws://127.0.0.1:9",
        secret="s",
        ack_timeout_s=0.05,
    )
    fed: list[object] = []

    async def feed(event: object) -> None:
        fed.append(event)

    await link.route(_req("CA2", "script"), feed)
    assert [type(e) for e in fed] == [HandoffDeclined]
    assert wire.sent[0][0] == CONSOLE_CHANNEL and wire.sent[0][1]["op"] == "request"
