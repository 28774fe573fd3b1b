"""A whole process for live-handoff tests: app (console + real media endpoint with the
real speech pipeline), a fake brain with a bridging line, and helpers for an agent's
audio socket and a carrier call."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import uvicorn
from fastapi import FastAPI, Request

from dialogue.speech.media import media_router
from dialogue.speech.pipeline import CallInfo, CallSetup, SpeechRuntime
from dialogue.speech.records import InMemoryCallRecorder
from dialogue.speech.settings import SpeechSettings
from handoff.live import attach
from handoff.state import Console
from kernel.db import Database
from kernel.settings import Settings
from tests.dialogue.carrier_client import CarrierCall
from tests.dialogue.fake_brain import INTEREST, REPROMPT, ExpectPhrases, FakeBrain, FakeEvents, Say
from tests.handoff.conftest import PASSWORD, make_app

BRIDGING = "잠시만요"
RESUMED = REPROMPT  # a line the speech tests render already


class HandoffBrain(FakeBrain):
    """FakeBrain plus the engine's handoff events: a bridging line on accept, a prompt on
    hand back (the bot resumes at the chosen state)."""

    def __init__(self, bridging: str = BRIDGING, **kw: Any) -> None:
        super().__init__(**kw)
        self.bridging = bridging
        self.mode = "bot"

    def handle(self, event: object) -> Sequence[object]:
        name = type(event).__name__
        if name == "HandoffAccepted":
            self.events.append(event)
            self.mode = "human"
            return [Say(self.bridging, "bridging", False, bridging=True)] if self.bridging else []
        if name == "AgentHandBack":
            self.events.append(event)
            self.mode = "bot"
            self._state = getattr(event, "state", None) or self._state
            return [Say(RESUMED, "resumed", True), ExpectPhrases(INTEREST, False, 30.0)]
        if name == "HandoffDeclined":
            self.events.append(event)
            return []
        if self.mode == "human":
            return []
        return super().handle(event)


@dataclass
class LiveHarness:
    base: str
    console: Console
    runtime: SpeechRuntime
    brains: dict[str, HandoffBrain] = field(default_factory=dict)
    bridging: str = BRIDGING

    @property
    def ws_base(self) -> str:
        return self.base.replace("http://", "ws://")

    def call(self, sid: str) -> CarrierCall:
        return CarrierCall(f"{self.ws_base}/media/{sid}", call_sid=sid, stream_sid="MZ" + sid)

    async def login(self, username: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=self.base, follow_redirects=False)
        page = await client.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        r = await client.post(
            "/console/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert r.status_code == 303
        me = (await client.get("/api/console/me")).json()
        client.headers["X-CSRF-Token"] = me["csrf_token"]
        return client


@contextlib.asynccontextmanager
async def live_server(
    settings: Settings,
    db: Database,
    speech: SpeechSettings,
    ko_model: Any,
    tmp_path: Path,
    bridging: str = BRIDGING,
    **handoff_settings: Any,
) -> AsyncIterator[LiveHarness]:
    handoff_settings.setdefault("holding_line", "잠시만 기다려 주세요")  # the Korean test voice
    app: FastAPI = make_app(settings, db, **handoff_settings)
    console: Console = app.state.handoff
    registry = console.registry
    h = LiveHarness("", console, None, bridging=bridging)  # type: ignore[arg-type]

    def factory(info: CallInfo) -> CallSetup:
        brain = HandoffBrain(bridging=bridging, no_input_s=30.0)
        h.brains[info.call_sid] = brain
        return CallSetup(brain=brain)

    speech = speech.model_copy(
        update={"recordings_dir": tmp_path / "rec", "default_no_input_s": 30.0}
    )
    runtime = SpeechRuntime(
        settings=speech,
        recorder=InMemoryCallRecorder(),
        brain_factory=factory,
        events=FakeEvents(),
        record_calls=False,
    )
    attach(registry, runtime)  # what the lead wires in the app
    h.runtime = runtime
    app.include_router(media_router(runtime))

    @app.post("/2010-04-01/Accounts/{account}/Calls/{call}.json")
    async def hangup(account: str, call: str, request: Request) -> dict[str, str]:
        return {"sid": call, "status": "completed"}

    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", ws="websockets"
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    h.base = f"http://127.0.0.1:{port}"
    runtime.settings = speech.model_copy(update={"carrier_api_base_url": h.base})
    try:
        yield h
    finally:
        await console.service.close()
        server.should_exit = True
        await asyncio.wait_for(task, 10)


def tone(freq: float, seconds: float, rate: int, amp: float = 0.3) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    return bytes((np.sin(2 * np.pi * freq * t) * amp * 32767).astype(np.int16).tobytes())


def tone_share(pcm: bytes, freq: float, rate: int) -> float:
    """Share of the signal's energy within +-40 Hz of ``freq`` (a tone must dominate)."""
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    if len(x) < rate // 10:
        return 0.0
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    total = spec[freqs > 50].sum()
    band = spec[(freqs > freq - 40) & (freqs < freq + 40)].sum()
    return float(band / total) if total > 0 else 0.0
