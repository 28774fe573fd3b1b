"""The two gates of live takeover, and the switch that flips them together.

- ``InputGate`` sits right after the transport input, before VAD. In human mode it hands
  customer audio to the ``AgentSink`` (and to a side recognizer, so the transcript keeps
  running) and swallows it: no VAD, no turn, no interruption fires, so the carrier never
  gets a ``clear`` that would cut the agent's voice.
- ``OutputGate`` sits after TTS, before the transport output. In human mode it drops bot
  audio (late TTS) and lets agent audio through (``AgentAudioFrame``, paced and encoded
  by the transport like any output audio).
- ``TakeoverSwitch.take_over()`` flips both and broadcasts an interruption (TTS flushed,
  carrier told to ``clear``); ``hand_back()`` returns the call to the bot.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    OutputAudioRawFrame,
    TTSAudioRawFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from vosk import KaldiRecognizer

from dialogue.engine import Mode
from dialogue.speech.records import CallRecorder, TranscriptRow


class AgentSink(Protocol):
    """Where customer audio goes in human mode (the agent's browser, later)."""

    async def customer_audio(self, pcm: bytes, sample_rate: int) -> None: ...


@dataclass
class AgentAudioFrame(OutputAudioRawFrame):
    """Audio from the agent, let through the output gate in human mode."""


TranscriptCallback = Callable[[str, float], Awaitable[None] | None]
# listen-in tap (handoff): sees every audio frame through a gate, in both modes; must not block
AudioMonitor = Callable[[bytes, int], None]


class SideTranscriber:
    """Free-decoding recognizer for the human leg; finals go to a callback (text, confidence)."""

    def __init__(self, model: Any, sample_rate: int, on_final: TranscriptCallback) -> None:

        self._rec = KaldiRecognizer(model, sample_rate)
        self._rec.SetWords(True)
        self._on_final = on_final
        self._lock = asyncio.Lock()

    async def feed(self, pcm: bytes) -> None:
        async with self._lock:
            done = await asyncio.to_thread(self._rec.AcceptWaveform, pcm)
            if done:
                await self._emit(self._rec.Result())

    async def flush(self) -> None:
        async with self._lock:
            await self._emit(await asyncio.to_thread(self._rec.FinalResult))

    async def _emit(self, raw: str) -> None:
        res = json.loads(raw)
        text = str(res.get("text", "")).strip()
        if not text:
            return
        words = res.get("result") or []
        conf = sum(float(w.get("conf", 0.0)) for w in words) / len(words) if words else 0.0
        out = self._on_final(text, conf)
        if asyncio.iscoroutine(out):
            await out


def transcript_to_recorder(
    recorder: CallRecorder,
    call_id: str,
    state: Callable[[], str],
    call_started_at: float,
) -> TranscriptCallback:
    """A ``SideTranscriber`` callback writing the human leg's customer speech as rows."""
    last_end = [0.0]

    def on_final(text: str, confidence: float) -> None:
        now = time.monotonic() - call_started_at
        recorder.transcript(
            call_id,
            TranscriptRow(
                speaker="customer",
                text=text,
                confidence=confidence,
                start_s=last_end[0],
                end_s=now,
                state=state(),
            ),
        )
        last_end[0] = now

    return on_final


class InputGate(FrameProcessor):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode: Mode = "bot"
        self.sink: AgentSink | None = None
        self.side: SideTranscriber | None = None
        self.swallowed = 0
        self.monitor: AudioMonitor | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if self.monitor is not None and isinstance(frame, InputAudioRawFrame):
            self.monitor(frame.audio, frame.sample_rate)
        if self.mode == "human" and isinstance(frame, InputAudioRawFrame):
            self.swallowed += 1
            if self.sink is not None:
                await self.sink.customer_audio(frame.audio, frame.sample_rate)
            if self.side is not None:
                await self.side.feed(frame.audio)
            return
        await self.push_frame(frame, direction)


class OutputGate(FrameProcessor):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode: Mode = "bot"
        self.dropped = 0
        self.monitor: AudioMonitor | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if (
            self.mode == "human"
            and isinstance(frame, (TTSAudioRawFrame, OutputAudioRawFrame))
            and not isinstance(frame, AgentAudioFrame)
        ):
            self.dropped += 1
            return
        if self.monitor is not None and isinstance(frame, OutputAudioRawFrame):
            self.monitor(frame.audio, frame.sample_rate)
        await self.push_frame(frame, direction)

    async def push_agent_audio(self, pcm: bytes, sample_rate: int) -> None:
        if self.monitor is not None:
            self.monitor(pcm, sample_rate)
        await self.push_frame(AgentAudioFrame(audio=pcm, sample_rate=sample_rate, num_channels=1))


class TakeoverSwitch:
    """Flips both gates of one call between the bot and a human agent."""

    def __init__(self, input_gate: InputGate, output_gate: OutputGate) -> None:
        self.input = input_gate
        self.output = output_gate

    @property
    def mode(self) -> Mode:
        return self.input.mode

    async def take_over(self, sink: AgentSink, side: SideTranscriber | None = None) -> None:
        self.input.sink, self.input.side = sink, side
        self.input.mode = self.output.mode = "human"
        await self.output.broadcast_interruption()  # type: ignore[no-untyped-call]

    async def hand_back(self) -> None:
        if self.input.side is not None:
            await self.input.side.flush()
        self.input.mode = self.output.mode = "bot"
        self.input.sink = self.input.side = None

    async def agent_audio(self, pcm: bytes, sample_rate: int) -> None:
        if self.mode == "human":
            await self.output.push_agent_audio(pcm, sample_rate)
