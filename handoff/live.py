"""Live calls of this process, as the console sees them.

The media endpoint registers each call (``SpeechRuntime.on_call_started`` ->
``LiveCallRegistry.call_started``) and unregisters it at the end. A ``LiveCall`` gives the
handoff service what it needs: the call's ``TakeoverSwitch``, a way to feed engine events
(``HandoffAccepted`` / ``AgentHandBack`` / ``HandoffDeclined``) through the script driver,
a line said by the bot while the agent is away, and the running transcript.

Takeover in two steps: at accept the input gate turns to the agent at once (the agent
hears the customer while the bot says its bridging line), and the output gate turns once
the bridging line has been spoken, so the line is never cut.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from dialogue.call_records import CallRecorder, CallSummary, TranscriptRow, TurnMetrics
from dialogue.gates import AgentSink, SideTranscriber, TakeoverSwitch

if TYPE_CHECKING:
    from dialogue.pipeline import CallInfo, CallPipeline

BRIDGING_START_S = 1.5  # the bridging line must start within this, or there is none
BRIDGING_MAX_S = 15.0


class CallControl(Protocol):
    """The parts of one call's pipeline the handoff service drives."""

    @property
    def switch(self) -> TakeoverSwitch: ...

    @property
    def bot_speaking(self) -> bool: ...

    async def engine_event(self, event: object) -> bool:
        """Feed the event; True when the engine answered with speech (a bridging line)."""
        ...

    async def say(self, text: str) -> None: ...

    async def end(self, disposition: str) -> None: ...


@dataclass
class PipelineControl:
    """``CallControl`` over a ``dialogue.pipeline.CallPipeline``."""

    call: CallPipeline

    @property
    def switch(self) -> TakeoverSwitch:
        return self.call.switch

    @property
    def bot_speaking(self) -> bool:
        return self.call.driver.bot_speaking

    async def engine_event(self, event: object) -> bool:
        from dialogue.brain import SayLike

        before = len(self.call.driver.actions)
        await self.call.driver.handle_event(event)
        return any(isinstance(a, SayLike) for a in self.call.driver.actions[before:])

    async def say(self, text: str) -> None:
        from pipecat.frames.frames import TTSSpeakFrame

        frame = TTSSpeakFrame(text, append_to_context=False)
        frame.interruptible = False
        await self.call.driver.push_frame(frame)

    async def end(self, disposition: str) -> None:
        await self.call.driver.end_call(disposition)


TranscriptListener = Callable[[str, dict[str, Any]], None]


@dataclass
class LiveCall:
    call_sid: str
    control: CallControl
    parameters: dict[str, str] = field(default_factory=dict)
    side_factory: Callable[[Callable[[str, float], None]], SideTranscriber | None] | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)
    agent_id: int | None = None
    holding: bool = False
    listeners: list[TranscriptListener] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return self.control.switch.mode

    async def take_over(self, sink: AgentSink, accepted_event: object | None) -> None:
        """Bridging line, then the human. ``accepted_event``: the engine's HandoffAccepted."""
        sw = self.control.switch
        side = self.side_factory(self._side_final) if self.side_factory else None
        sw.input.sink, sw.input.side = sink, side
        sw.input.mode = "human"
        if accepted_event is not None and await self.control.engine_event(accepted_event):
            await self._wait_bot_done()
        sw.output.mode = "human"
        self.holding = False

    async def hold(self, line: str) -> None:
        """The agent dropped: the bot's output comes back for a holding line; the customer
        stays with the 'human' input gate (no turns, no barge-in)."""
        self.holding = True
        sw = self.control.switch
        sw.output.mode = "bot"
        sw.input.sink = None
        if line:
            await self.control.say(line)

    async def resume_agent(self, sink: AgentSink) -> None:
        await self._wait_bot_done(start_s=0.0)
        sw = self.control.switch
        sw.input.sink = sink
        sw.input.mode = sw.output.mode = "human"
        self.holding = False

    async def hand_back(self, event: object) -> None:
        await self.control.switch.hand_back()
        self.holding = False
        await self.control.engine_event(event)

    async def _wait_bot_done(self, start_s: float = BRIDGING_START_S) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        while not self.control.bot_speaking and loop.time() - t0 < start_s:
            await asyncio.sleep(0.01)
        while self.control.bot_speaking and loop.time() - t0 < BRIDGING_MAX_S:
            await asyncio.sleep(0.01)

    def _side_final(self, text: str, confidence: float) -> None:
        self.add_row({"speaker": "customer", "text": text, "confidence": round(confidence, 2)})

    def add_row(self, row: dict[str, Any]) -> None:
        self.transcript.append(row)
        for listener in list(self.listeners):
            listener(self.call_sid, row)


class LiveCallRegistry:
    """In-process map call_sid -> LiveCall; listeners get transcript rows and call ends."""

    def __init__(self) -> None:
        self._calls: dict[str, LiveCall] = {}
        self.on_transcript: list[TranscriptListener] = []
        self.on_ended: list[Callable[[str], None]] = []
        self.side_factory: Callable[[CallPipeline, Callable[[str, float], None]], Any] | None = None

    # -- registration ----------------------------------------------------------------
    def register(self, call: LiveCall) -> None:
        call.listeners = self.on_transcript
        self._calls[call.call_sid] = call

    def unregister(self, call_sid: str) -> None:
        call = self._calls.pop(call_sid, None)
        if call is None:
            return
        for cb in list(self.on_ended):
            with contextlib.suppress(Exception):
                cb(call_sid)

    def call_started(self, info: CallInfo, call: CallPipeline) -> None:
        """``SpeechRuntime.on_call_started``."""
        factory = self.side_factory
        live = LiveCall(
            call_sid=info.call_sid,
            control=PipelineControl(call),
            parameters=dict(info.parameters),
            side_factory=(lambda cb: factory(call, cb)) if factory else None,
        )
        self.register(live)

    def call_ended(self, info: CallInfo) -> None:
        """``SpeechRuntime.on_call_ended``."""
        self.unregister(info.call_sid)

    # -- lookup ------------------------------------------------------------------------
    def get(self, call_sid: str) -> LiveCall | None:
        return self._calls.get(call_sid)

    def calls(self) -> list[LiveCall]:
        return list(self._calls.values())

    def transcript_row(self, call_sid: str, row: dict[str, Any]) -> None:
        call = self._calls.get(call_sid)
        if call is not None:
            call.add_row(row)


@dataclass
class TeeRecorder:
    """A ``CallRecorder`` that also feeds transcript rows to the registry (live transcript)."""

    inner: CallRecorder
    registry: LiveCallRegistry

    def transcript(self, call_id: str, row: TranscriptRow) -> None:
        self.inner.transcript(call_id, row)
        self.registry.transcript_row(
            call_id,
            {
                "speaker": row.speaker,
                "text": row.text,
                "confidence": row.confidence,
                "state": row.state,
            },
        )

    def turn(self, call_id: str, metrics: TurnMetrics) -> None:
        self.inner.turn(call_id, metrics)

    def ended(self, call_id: str, summary: CallSummary) -> None:
        self.inner.ended(call_id, summary)
