# ruff: noqa: F811  (the harness fixture is imported from test_media)
"""Paths of a call over the real websocket: DTMF, the duration limit, an engine that
fails mid-call, the real script engine as the brain, the human leg's side transcript."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence

import pytest

from dialogue.brain import EngineEvents
from dialogue.speech.gates import InputGate, SideTranscriber, transcript_to_recorder
from dialogue.speech.pipeline import CallInfo, CallSetup
from dialogue.speech.records import InMemoryCallRecorder
from dialogue.speech.script_brain import ScriptBrainFactory
from tests.dialogue.conftest import silence
from tests.dialogue.fake_brain import Dtmf, EndCall, FakeBrain, Say, Utterance
from tests.dialogue.speech.test_media import Harness, _wait_closed, harness  # noqa: F401

pytestmark = pytest.mark.speech


class KeypadBrain(FakeBrain):
    """FakeBrain that ends the call on keypad 9 and fails on any utterance if told."""

    def __init__(self, fail_on_speech: bool = False) -> None:
        super().__init__()
        self.fail_on_speech = fail_on_speech

    def handle(self, event: object) -> Sequence[object]:
        if isinstance(event, Dtmf) and event.digit == "9":
            self.events.append(event)
            self._ended = True
            return [Say("수신 거부 처리되었습니다", "opt_out", True), EndCall("opted_out")]
        if isinstance(event, Utterance) and self.fail_on_speech:
            raise RuntimeError("engine bug")
        return super().handle(event)


def _use(harness: Harness, brain: FakeBrain) -> None:
    def factory(info: CallInfo) -> CallSetup:
        harness.brains[info.call_sid] = brain
        return CallSetup(brain=brain)

    harness.factory = factory


async def test_dtmf_reaches_the_engine_and_ends_the_call(harness: Harness) -> None:
    brain = KeypadBrain()
    _use(harness, brain)
    async with harness.call("CA500", token="s3cret") as call:
        while not call.bot_audio and call.now() < 10:  # the pipeline runs
            await call.silence(0.1)
        await call.send_dtmf("9")
        await _wait_closed(call, timeout=25)
        assert call.closed_at is not None, (brain.events, harness.recorder.rows.get("CA500"))
    assert Dtmf("9") in brain.events
    assert harness.recorder.summaries["CA500"].disposition == "opted_out"
    assert harness.hangups == ["CA500"]


async def test_maximum_call_duration_ends_the_call(harness: Harness) -> None:
    harness.runtime.settings = harness.runtime.settings.model_copy(update={"max_call_s": 1.5})
    async with harness.call("CA600", token="s3cret") as call:
        await _wait_closed(call, timeout=10)
        assert call.closed_at is not None and call.closed_at < 6
    summary = harness.recorder.summaries["CA600"]
    assert summary.disposition == "max_duration"
    assert 1.4 < summary.duration_s < 6


async def test_engine_error_mid_call_ends_cleanly(
    harness: Harness,
    speak: Callable[..., bytes],
) -> None:
    _use(harness, KeypadBrain(fail_on_speech=True))
    async with harness.call("CA700", token="s3cret") as call:
        await call.wait_bot_quiet()
        await call.send_pcm(speak("네 맞습니다"))
        await _wait_closed(call)
        assert call.closed_at is not None  # the websocket was closed, not left hanging
    summary = harness.recorder.summaries["CA700"]
    assert summary.disposition == "error"
    assert summary.error == "RuntimeError"


async def test_real_script_engine_greets_the_customer_by_name(harness: Harness) -> None:
    harness.factory = ScriptBrainFactory()
    harness.runtime.events = EngineEvents()  # the real engine's event classes
    params = {
        "token": "s3cret",
        "scriptId": "points_reminder",
        "language": "ko-KR",
        "variant": "B",
        "customer": json.dumps({"name": "김민수", "points": 12000}),
    }
    async with harness.call("CA800", **params) as call:
        # the greeting's first render (espeak-ng) can take seconds on a loaded machine
        for _ in range(100):
            await call.silence(0.1)
            if call.bot_audio:
                break
        assert call.bot_audio  # the greeting started
    for _ in range(50):  # the server notices the hang-up
        if "CA800" in harness.recorder.summaries:
            break
        await asyncio.sleep(0.1)
    summary = harness.recorder.summaries["CA800"]
    bot = [r for r in harness.recorder.rows["CA800"] if r.speaker == "bot"]
    assert bot[0].prompt_id == "opening" and "김민수" not in bot[0].text
    assert bot[1].prompt_id == "identity" and "김민수님" in bot[1].text  # who answered?
    assert summary.greeting_latency_s is not None
    assert summary.disposition == "customer_hangup"


async def test_unknown_script_ends_with_error(harness: Harness) -> None:
    harness.factory = ScriptBrainFactory()
    harness.runtime.events = EngineEvents()
    async with harness.call("CA900", token="s3cret", scriptId="nope") as call:
        await _wait_closed(call, timeout=5)
        assert call.closed_at is not None
    assert harness.recorder.summaries["CA900"].disposition == "error"


async def test_side_transcriber_writes_the_human_leg(
    ko_model: object, speak: Callable[..., bytes]
) -> None:
    from pipecat.frames.frames import InputAudioRawFrame
    from pipecat.tests.utils import run_test

    recorder = InMemoryCallRecorder()
    side = SideTranscriber(
        ko_model, 8000, transcript_to_recorder(recorder, "CA1", lambda: "human", 0.0)
    )
    gate = InputGate()
    gate.mode, gate.side = "human", side
    pcm = silence(0.3) + speak("네 맞습니다 관심 있어요") + silence(1.0)
    frames = [InputAudioRawFrame(pcm[i : i + 640], 8000, 1) for i in range(0, len(pcm), 640)]
    down, _ = await run_test(gate, frames_to_send=frames)
    await side.flush()
    assert not any(isinstance(f, InputAudioRawFrame) for f in down)  # swallowed
    rows = recorder.rows["CA1"]
    assert rows and all(r.speaker == "customer" and r.state == "human" for r in rows)
    assert all(r.text.strip() for r in rows)
    assert rows[0].end_s >= rows[0].start_s
