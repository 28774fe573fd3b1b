"""The whole pipeline over a real websocket speaking Twilio Media Streams, with real audio."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from fastapi import FastAPI, Request
from loguru import logger

from dialogue.speech.media import media_router
from dialogue.speech.pipeline import BrainFactory, CallInfo, CallPipeline, CallSetup, SpeechRuntime
from dialogue.speech.records import InMemoryCallRecorder
from dialogue.speech.settings import SpeechSettings
from tests.dialogue.carrier_client import CarrierCall
from tests.dialogue.fake_brain import BYE, DISCLOSURE, GREETING, REPROMPT, FakeBrain, FakeEvents

pytestmark = pytest.mark.speech


@dataclass
class Harness:
    base: str
    runtime: SpeechRuntime
    recorder: InMemoryCallRecorder
    brains: dict[str, FakeBrain] = field(default_factory=dict)
    hangups: list[str] = field(default_factory=list)
    brain_kwargs: dict[str, Any] = field(default_factory=dict)
    factory: BrainFactory | None = None  # replaces the FakeBrain when set

    def call(self, sid: str, **params: str) -> CarrierCall:
        return CarrierCall(
            f"{self.base}/media/{sid}", call_sid=sid, stream_sid="MZ" + sid, params=params
        )


@pytest.fixture
async def harness(
    ko_model: Any, session_speech_settings: SpeechSettings, tmp_path: Path
) -> AsyncIterator[Harness]:
    settings = session_speech_settings.model_copy(
        update={"recordings_dir": tmp_path / "rec", "default_no_input_s": 3.0}
    )
    recorder = InMemoryCallRecorder()
    h = Harness(base="", runtime=None, recorder=recorder)  # type: ignore[arg-type]

    def factory(info: CallInfo) -> CallSetup:
        if h.factory is not None:
            return h.factory(info)
        brain = FakeBrain(**h.brain_kwargs)
        h.brains[info.call_sid] = brain
        return CallSetup(brain=brain)

    app = FastAPI()
    h.runtime = SpeechRuntime(
        settings=settings,
        recorder=recorder,
        brain_factory=factory,
        events=FakeEvents(),
        media_token="s3cret",
    )
    app.include_router(media_router(h.runtime))
    await h.runtime.warm_up(["ko-KR"], [GREETING, DISCLOSURE, BYE, REPROMPT])

    @app.post("/2010-04-01/Accounts/{account}/Calls/{call}.json")
    async def hangup(account: str, call: str, request: Request) -> dict[str, str]:
        form = await request.form()
        if form.get("Status") == "completed":
            h.hangups.append(call)
        return {"sid": call, "status": "completed"}

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    h.base = f"ws://127.0.0.1:{port}"
    h.runtime.settings = settings.model_copy(
        update={"carrier_api_base_url": f"http://127.0.0.1:{port}"}
    )
    yield h
    server.should_exit = True
    await asyncio.wait_for(task, 10)


async def _wait_closed(call: CarrierCall, timeout: float = 15.0) -> None:
    for _ in range(int(timeout / 0.1)):
        if call.closed_at is not None:
            return
        await call.silence(0.1)


async def test_call_runs_script_and_keeps_disclosure_through_barge_in(
    harness: Harness, speak: Callable[..., bytes]
) -> None:
    async with harness.call("CA100", token="s3cret") as call:
        await call.wait_bot_quiet()
        await call.send_pcm(speak("네 맞습니다"))
        await call.silence(1.0)  # the disclosure starts
        brain = harness.brains["CA100"]
        assert brain.state == "offer"
        t_barge = call.now()
        await call.send_pcm(speak("관심 없어요"))  # over the (uninterruptible) disclosure
        await _wait_closed(call)
    summary = harness.recorder.summaries["CA100"]
    assert summary.disposition == "not_interested"
    rows = harness.recorder.rows["CA100"]
    matched = [r.matched for r in rows if r.speaker == "customer"]
    assert matched == ["네 맞습니다", "관심 없어요"]
    # the disclosure played to the end: bot audio kept flowing after the barge-in
    disclosure_s = len(speak(DISCLOSURE, wpm=170)) / 16000
    assert call.bot_seconds(since=t_barge - 1.0) > 0.6 * disclosure_s
    turns = harness.recorder.turns["CA100"]
    first = turns[0]
    assert first.accepted and first.response_latency_s is not None
    assert first.response_latency_s < 1.0
    # the reply spoken over the disclosure is answered when the disclosure ends: its
    # latency runs from there, not from the end of the customer's speech
    over = turns[1]
    assert over.response_latency_s is not None and over.response_latency_s < 1.0
    assert summary.greeting_latency_s is not None and summary.greeting_latency_s < 0.5
    assert harness.hangups == ["CA100"]
    # both channels recorded
    assert summary.recording_path
    with wave.open(summary.recording_path) as w:
        assert w.getnchannels() == 2
        a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)
    assert np.abs(a[:, 0]).mean() > 50 and np.abs(a[:, 1]).mean() > 50


async def test_barge_in_cuts_interruptible_greeting(
    harness: Harness, speak: Callable[..., bytes]
) -> None:
    async with harness.call("CA200", token="s3cret") as call:
        await call.silence(0.8)
        t_speak = call.now()
        await call.send_pcm(speak("네 맞습니다"))
        await call.silence(0.3)
        assert call.clears and call.clears[-1] > t_speak
        assert harness.brains["CA200"].state == "offer"
    rows = harness.recorder.rows["CA200"]
    assert [r.prompt_id for r in rows if r.speaker == "bot"][:2] == ["greeting", "disclosure"]


async def test_no_input_reprompts_then_ends(harness: Harness) -> None:
    harness.brain_kwargs = {"no_input_s": 1.0}
    async with harness.call("CA300", token="s3cret") as call:
        await _wait_closed(call, timeout=25)
    assert harness.recorder.summaries["CA300"].disposition == "no_input"
    assert harness.brains["CA300"].no_inputs == 2
    bot = [r.prompt_id for r in harness.recorder.rows["CA300"] if r.speaker == "bot"]
    assert bot == ["greeting", "reprompt", "bye"]


async def test_no_input_timeouts_wait_while_an_agent_has_the_call(harness: Harness) -> None:
    harness.brain_kwargs = {"no_input_s": 1.0}
    pipes: dict[str, CallPipeline] = {}
    harness.runtime.on_call_started = lambda info, pipe: pipes.__setitem__(info.call_sid, pipe)

    class Sink:
        async def customer_audio(self, pcm: bytes, sample_rate: int) -> None:
            pass

    async with harness.call("CA310", token="s3cret") as call:
        await call.wait_bot_quiet()
        await pipes["CA310"].switch.take_over(Sink())  # an agent takes the call at once
        await call.silence(3.0)  # three no-input timeouts' worth of silence
        assert harness.brains["CA310"].no_inputs == 0 and call.closed_at is None
        await pipes["CA310"].switch.hand_back()
    bot = [r.prompt_id for r in harness.recorder.rows["CA310"] if r.speaker == "bot"]
    assert bot == ["greeting"]


async def test_a_turn_the_bot_does_not_answer_has_no_response_latency(
    harness: Harness, speak: Callable[..., bytes]
) -> None:
    harness.brain_kwargs = {"no_input_s": 1.0, "silent_on": "아니요"}
    async with harness.call("CA320", token="s3cret") as call:
        await call.wait_bot_quiet()
        await call.send_pcm(speak("아니요"))
        await call.silence(2.5)  # the no-input re-prompt plays meanwhile
    turns = harness.recorder.turns["CA320"]
    assert turns and turns[0].accepted and turns[0].response_latency_s is None
    bot = [r.prompt_id for r in harness.recorder.rows["CA320"] if r.speaker == "bot"]
    assert bot[:2] == ["greeting", "reprompt"]


async def test_bad_token_is_refused(harness: Harness) -> None:
    async with harness.call("CA400", token="wrong") as call:
        await asyncio.sleep(0.5)
        assert call.closed_at is not None
    assert "CA400" not in harness.brains


async def test_a_peer_without_the_token_is_closed_unheard(harness: Harness) -> None:
    # a malformed parameter from a peer that has not shown the token is not logged
    seen: list[str] = []
    sink = logger.add(lambda m: seen.append(str(m)), level="WARNING")
    try:
        async with harness.call("CA401", token="wrong", attemptId="not-a-row") as call:
            await asyncio.sleep(0.5)
            assert call.closed_at is not None
    finally:
        logger.remove(sink)
    assert not [s for s in seen if "CA401" in s or "refused" in s], seen
    assert "CA401" not in harness.brains
