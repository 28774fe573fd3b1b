from __future__ import annotations

from pipecat.frames.frames import (
    InputAudioRawFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    TTSAudioRawFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.tests.utils import SleepFrame, run_test

from dialogue.speech.gates import AgentAudioFrame, InputGate, OutputGate, TakeoverSwitch


class SinkForTest:
    def __init__(self) -> None:
        self.audio: list[bytes] = []

    async def customer_audio(self, pcm: bytes, sample_rate: int) -> None:
        self.audio.append(pcm)


class Pair(FrameProcessor):
    """input gate -> output gate in one processor chain for run_test."""


async def test_human_mode_diverts_customer_audio_and_silences_bot() -> None:
    from pipecat.pipeline.pipeline import Pipeline

    in_gate, out_gate = InputGate(), OutputGate()
    switch = TakeoverSwitch(in_gate, out_gate)
    sink = SinkForTest()

    class Flip(FrameProcessor):
        async def process_frame(self, frame, direction: FrameDirection) -> None:  # type: ignore[no-untyped-def]
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)

    pipeline = Pipeline([in_gate, Flip(), out_gate])
    cust = InputAudioRawFrame(b"\x01\x00" * 160, 8000, 1)
    bot = TTSAudioRawFrame(b"\x02\x00" * 160, 8000, 1)

    async def flip_then_send() -> None:
        await switch.take_over(sink)

    frames = [cust, bot, SleepFrame(0.05)]
    down, _ = await run_test(pipeline, frames_to_send=frames)
    assert sum(isinstance(f, InputAudioRawFrame) for f in down) == 1
    assert sum(isinstance(f, TTSAudioRawFrame) for f in down) == 1

    await switch.take_over(sink)
    down, up = await run_test(pipeline, frames_to_send=[cust, bot, SleepFrame(0.05)])
    assert not any(isinstance(f, (InputAudioRawFrame, TTSAudioRawFrame)) for f in down)
    assert sink.audio == [cust.audio]
    assert in_gate.swallowed == 1 and out_gate.dropped == 1

    # agent audio goes out; taking over broadcast an interruption both ways
    in_gate2, out_gate2 = InputGate(), OutputGate()
    sw2 = TakeoverSwitch(in_gate2, out_gate2)

    class Kick(FrameProcessor):
        async def process_frame(self, frame, direction: FrameDirection) -> None:  # type: ignore[no-untyped-def]
            await super().process_frame(frame, direction)
            await self.push_frame(frame, direction)
            if isinstance(frame, InputAudioRawFrame) and sw2.mode == "bot":
                await sw2.take_over(sink)
                await sw2.agent_audio(b"\x03\x00" * 160, 8000)

    down, up = await run_test(
        Pipeline([in_gate2, Kick(), out_gate2]), frames_to_send=[cust, SleepFrame(0.1)]
    )
    assert any(isinstance(f, AgentAudioFrame) for f in down)
    assert any(isinstance(f, InterruptionFrame) for f in down)
    assert any(isinstance(f, InterruptionFrame) for f in up)
    await sw2.hand_back()
    assert sw2.mode == "bot"
    assert isinstance(AgentAudioFrame(b"", 8000, 1), OutputAudioRawFrame)
