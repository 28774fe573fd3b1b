"""Live takeover through the real media endpoint and speech pipeline: a carrier call, an
agent's audio socket, the gates, hand back, and a socket drop mid-takeover."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import websockets

from dialogue.intent.scorer import HandoffRequest, Reason
from dialogue.speech.settings import SpeechSettings
from handoff.audit import entries
from kernel.db import Database
from kernel.settings import Settings
from tests.dialogue.conftest import (  # noqa: F401  (fixtures)
    espeak_pcm,
    ko_model,
    ko_registry,
    session_speech_settings,
    speech_root,
)
from tests.handoff.conftest import add_user
from tests.handoff.live_harness import LiveHarness, live_server, tone, tone_share

pytestmark = pytest.mark.speech


def req(sid: str) -> HandoffRequest:
    return HandoffRequest(
        call_sid=sid,
        customer_id=None,
        score=0.9,
        grade="A",
        reasons=(Reason("asked_rate", "询问收益率", "asked about the rate"),),
        skill="wealth",
        state="transfer_agent",
        requested_at=datetime.now(UTC),
        script_id="points_reminder",
        language="en-US",
    )


@pytest.fixture
async def live(
    settings: Settings,
    handoff_db: Database,
    session_speech_settings: SpeechSettings,  # noqa: F811
    ko_model: Any,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[LiveHarness]:
    add_user(handoff_db, "ann", skills=("wealth",), status="available")
    add_user(handoff_db, "sue", role="supervisor")
    async with live_server(
        settings, handoff_db, session_speech_settings, ko_model, tmp_path, grace_s=1.0
    ) as h:
        yield h


class AgentSocket:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[tuple[int, bytes]] = []
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if isinstance(msg, bytes):
                    self.frames.append((msg[0], msg[1:]))
        except websockets.ConnectionClosed:
            pass

    async def send_tone(self, freq: float, seconds: float) -> None:
        await self.send_pcm(tone(freq, seconds, 16000))

    async def send_pcm(self, pcm: bytes) -> None:
        """The agent's microphone: PCM16 16 kHz in real time."""
        t0 = time.monotonic()
        for i, off in enumerate(range(0, len(pcm), 640)):
            await self.ws.send(pcm[off : off + 640])
            delay = t0 + (i + 1) * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    def customer_pcm(self) -> bytes:
        return b"".join(p for ch, p in self.frames if ch == 0)


async def agent_socket(h: LiveHarness, client: Any, path: str = "/console/audio") -> AgentSocket:
    ws = await websockets.connect(
        f"{h.ws_base}{path}",
        additional_headers={
            "Cookie": f"tc_session={client.cookies.get('tc_session')}",
            "Origin": h.base,
        },
    )
    return AgentSocket(ws)


async def until(cond: Any, timeout: float = 10.0, step: float = 0.05) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        await asyncio.sleep(step)
    raise AssertionError("condition not met in time")


async def talk_until(call: Any, cond: Any, timeout: float = 10.0) -> None:
    """Keep the line going (silence) until ``cond`` holds."""
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "condition not met in time"
        await call.silence(0.1)


async def _accepted_call(h: LiveHarness, call: Any) -> tuple[Any, AgentSocket, int]:
    client = await h.login("ann")
    agent = await agent_socket(h, client)
    await call.wait_bot_quiet()
    rid = await h.console.service.request_handoff(req(call.call_sid))
    r = await client.post(f"/api/console/offers/{rid}/accept")
    assert r.status_code == 200, r.text
    live = h.console.registry.get(call.call_sid)
    assert live is not None
    await until(lambda: live.control.switch.output.mode == "human", timeout=15)
    return client, agent, rid


async def test_takeover_agent_and_customer_hear_each_other_then_hand_back(
    live: LiveHarness,
) -> None:
    async with live.call("CA-live-1") as call:
        client, agent, _ = await _accepted_call(live, call)
        brain = live.brains["CA-live-1"]
        assert type(brain.events[-1]).__name__ == "HandoffAccepted"
        heard_from = call.now()
        # agent -> customer: a 440 Hz tone from the agent's "microphone"
        await agent.send_tone(440, 1.0)
        await asyncio.sleep(0.4)
        out = b"".join(p for t, p in call.bot_audio if t >= heard_from)
        assert tone_share(out, 440, 8000) > 0.5
        # customer -> agent: a 660 Hz tone from the line
        await call.send_pcm(tone(660, 1.0, 8000))
        await asyncio.sleep(0.3)
        assert tone_share(agent.customer_pcm(), 660, 16000) > 0.5
        # a state the script does not have is refused by name; the agent keeps the call
        r = await client.post("/api/console/calls/CA-live-1/hand-back", json={"state": "offer"})
        assert r.status_code == 422 and "state" in r.text, r.text
        assert live.console.registry.get("CA-live-1").mode == "human"  # type: ignore[union-attr]
        # hand back at a chosen state: the bot speaks again
        before = len(call.bot_audio)
        r = await client.post(
            "/api/console/calls/CA-live-1/hand-back", json={"state": "explain_redeem"}
        )
        assert r.status_code == 200
        assert type(brain.events[-1]).__name__ == "AgentHandBack"
        assert brain.state == "explain_redeem"
        await talk_until(call, lambda: len(call.bot_audio) > before + 20)  # the resume prompt
        assert live.console.registry.get("CA-live-1").mode == "bot"  # type: ignore[union-attr]
        await agent.ws.close()
        await client.aclose()


async def test_both_legs_of_the_human_conversation_are_transcribed_and_stored(
    live: LiveHarness,
) -> None:
    async with live.call("CA-live-t") as call:
        client, agent, _ = await _accepted_call(live, call)
        shown = live.console.registry.get("CA-live-t")
        assert shown is not None
        # the human leg's recognizers (the free-decoding model loads on the first takeover)
        await talk_until(call, lambda: shown._agent_transcriber is not None, timeout=20)
        await agent.send_pcm(espeak_pcm("포인트 몰을 누르시면 됩니다", rate=16000))
        await agent.send_pcm(bytes(16000 * 2))  # a second of silence ends the agent's turn
        await call.send_pcm(espeak_pcm("네 알겠습니다"))
        recorder: Any = live.runtime.recorder
        rows = recorder.inner.rows["CA-live-t"]
        stored = lambda: {r.speaker for r in rows} >= {"agent", "customer"}  # noqa: E731
        await talk_until(call, stored, timeout=15)
        assert {"agent", "customer"} <= {r["speaker"] for r in shown.transcript}
        await agent.ws.close()
        await client.aclose()


async def test_agent_socket_drop_holds_then_hands_back_after_grace(live: LiveHarness) -> None:
    async with live.call("CA-live-2") as call:
        client, agent, _ = await _accepted_call(live, call)
        brain = live.brains["CA-live-2"]
        await call.silence(0.3)
        before = call.now()
        await agent.ws.close()  # the agent's network drops
        await talk_until(call, lambda: call.bot_seconds(since=before) > 0.3, 8)  # holding line
        assert call.closed_at is None  # never hung up on
        # no other agent: after the grace the bot resumes where the handoff was asked
        await until(lambda: type(brain.events[-1]).__name__ == "AgentHandBack", timeout=10)
        assert brain.events[-1].state == "transfer_agent"  # type: ignore[attr-defined]
        assert call.closed_at is None
        await client.aclose()


async def test_supervisor_listens_to_both_legs_and_whispers_to_the_agent(live: LiveHarness) -> None:
    sup = await live.login("sue")
    async with live.call("CA-live-3") as call:
        listener = await agent_socket(live, sup, "/console/listen/CA-live-3")

        def bot_leg() -> bytes:
            return b"".join(p for ch, p in listener.frames if ch == 2)

        # the bot leg: > 0.5 s of the greeting the customer heard (the listener's stream
        # may trail the call on a loaded machine, so keep the line going until it arrives)
        await talk_until(call, lambda: len(bot_leg()) > 16000, timeout=15)
        await call.wait_bot_quiet()
        client, agent, _ = await _accepted_call(live, call)
        n = len(listener.frames)
        await agent.send_tone(440, 0.8)  # the human leg
        await call.send_pcm(tone(660, 0.8, 8000))
        await asyncio.sleep(0.3)
        later = listener.frames[n:]
        assert tone_share(b"".join(p for ch, p in later if ch == 2), 440, 16000) > 0.5
        assert tone_share(b"".join(p for ch, p in later if ch == 0), 660, 16000) > 0.5
        # whisper: only the agent hears it, the customer does not
        ann = live.console.service.board()["agents"][0]["agent_id"]
        whisper = await agent_socket(live, sup, f"/console/whisper/{ann}")
        since = call.now()
        await whisper.send_tone(880, 0.6)
        await asyncio.sleep(0.3)
        assert tone_share(b"".join(p for ch, p in agent.frames if ch == 1), 880, 16000) > 0.5
        with live.console.db.read() as s:
            heard = {(e.event, e.subject) for e in entries(s, username="sue")}
        assert {("live_listened", "sid:CA-live-3"), ("live_whispered", f"agent:{ann}")} <= heard
        assert tone_share(b"".join(p for t, p in call.bot_audio if t >= since), 880, 8000) < 0.1
        for ws in (listener, whisper, agent):
            await ws.ws.close()
        await client.aclose()
    await sup.aclose()
