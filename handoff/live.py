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
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pipecat.frames.frames import TTSSpeakFrame

from dialogue.brain import SayLike
from dialogue.speech.gates import (
    AgentSink,
    SideTranscriber,
    TakeoverSwitch,
)
from dialogue.speech.pipeline import CALL_RATE
from dialogue.speech.records import CallRecorder, CallSummary, TranscriptRow, TurnMetrics
from handoff.audio import CH_AGENT, CH_CUSTOMER
from handoff.floor import FloorCall, Party
from kernel.calls import StreamStart
from kernel.clock import Clock, SystemClock
from kernel.privacy import mask_text

if TYPE_CHECKING:
    from dialogue.speech.pipeline import CallInfo, CallPipeline, SpeechRuntime

BRIDGING_START_S = 1.5  # the bridging line must start within this, or there is none
BRIDGING_MAX_S = 15.0
# The bot has finished when it has been silent this long: a stop between two prompts
# already queued (speech still under way when the agent accepted, then the bridging
# line) is followed at once by the next start.
BRIDGING_SETTLE_S = 0.5


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
    """``CallControl`` over a ``dialogue.speech.pipeline.CallPipeline``."""

    call: CallPipeline

    @property
    def switch(self) -> TakeoverSwitch:
        return self.call.switch

    @property
    def bot_speaking(self) -> bool:
        return self.call.driver.bot_speaking

    async def engine_event(self, event: object) -> bool:

        before = len(self.call.driver.actions)
        await self.call.driver.handle_event(event)
        return any(isinstance(a, SayLike) for a in self.call.driver.actions[before:])

    async def say(self, text: str) -> None:

        frame = TTSSpeakFrame(text, append_to_context=False)
        frame.interruptible = False
        await self.call.driver.push_frame(frame)

    async def end(self, disposition: str) -> None:
        await self.call.driver.end_call(disposition)


TranscriptListener = Callable[[str, dict[str, Any]], None]

# the transcripts still finishing after their call (kept referenced until they are done)
_CLOSING: set[asyncio.Task[None]] = set()
BACKLOG_BYTES = 5 * 8000 * 2  # 5 s of 8 kHz PCM16: past this, the transcript skips audio
BATCH_BYTES = 3200  # 200 ms per recognizer call


class BackgroundTranscriber:
    """Feeds the side recognizer off the audio path: the customer's audio to the agent is
    never held up by Vosk (it runs in a thread, in 200 ms batches, dropping a backlog)."""

    def __init__(self, side: SideTranscriber) -> None:
        self.side = side
        self._buf = bytearray()
        self._wake = asyncio.Event()
        self._closing = False
        self._task = asyncio.get_running_loop().create_task(self._run())
        self.skipped = 0

    def feed(self, pcm: bytes) -> None:
        self._buf += pcm
        if len(self._buf) > BACKLOG_BYTES:
            cut = len(self._buf) - BACKLOG_BYTES
            del self._buf[:cut]
            self.skipped += cut
        if len(self._buf) >= BATCH_BYTES:
            self._wake.set()

    async def _run(self) -> None:
        while not self._closing:
            await self._wake.wait()
            self._wake.clear()
            while len(self._buf) >= BATCH_BYTES or (self._closing and self._buf):
                chunk = bytes(self._buf)
                self._buf.clear()
                await self.side.feed(chunk)

    async def close(self) -> None:
        """Transcribe what is left and flush; never cancels a recognizer call mid-way
        (its thread would keep running while the next call starts)."""
        self._closing = True
        self._wake.set()
        with contextlib.suppress(Exception):
            await self._task
        await self.side.flush()


@dataclass
class TranscribingSink:
    """The agent's sink plus the live transcript of the customer, in the background."""

    inner: AgentSink
    transcriber: BackgroundTranscriber | None

    async def customer_audio(self, pcm: bytes, sample_rate: int) -> None:
        await self.inner.customer_audio(pcm, sample_rate)
        if self.transcriber is not None:
            self.transcriber.feed(pcm)


@dataclass
class LiveCall:
    call_sid: str
    control: CallControl
    start: StreamStart = field(default_factory=StreamStart)
    side_factory: Callable[[Callable[[str, float], None]], SideTranscriber | None] | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)
    agent_id: int | None = None
    holding: bool = False
    listeners: list[TranscriptListener] = field(default_factory=list)
    # what the live floor shows (handoff.floor): set at the start, by transcript rows
    # (the script state) and by the scorer's updates
    started_at: datetime | None = None
    party: Party = field(default_factory=Party)
    state: str | None = None
    score: float | None = None
    grade: str | None = None
    handled_by: str | None = None  # an agent outside the console (a simulated one)
    # stores a human-leg transcript line with the call's record: (speaker, text, confidence)
    store: Callable[[str, str, float], None] | None = None
    _transcriber: BackgroundTranscriber | None = None
    _agent_transcriber: BackgroundTranscriber | None = None
    _side_task: asyncio.Task[None] | None = None
    _ended: bool = False

    @property
    def mode(self) -> str:
        return self.control.switch.mode

    async def take_over(self, sink: AgentSink, accepted_event: object | None) -> None:
        """Bridging line, then the human. ``accepted_event``: the engine's HandoffAccepted."""
        sw = self.control.switch
        tsink = TranscribingSink(sink, self._transcriber)
        sw.input.sink, sw.input.side = tsink, None
        sw.input.mode = "human"
        if self._transcriber is None and self.side_factory is not None:
            # building a recognizer takes 100+ ms: off the loop, after the gates
            self._side_task = asyncio.get_running_loop().create_task(self._start_side(tsink))
        if accepted_event is not None and await self.control.engine_event(accepted_event):
            await self._wait_bot_done()
        await self._to_agent()

    async def _to_agent(self) -> None:
        """The output is the agent's (the transport drops bot audio still queued past the
        gate, ``RtpOutputTransport.bot_muted``, so the agent is heard at once)."""
        self.control.switch.output.mode = "human"
        self.holding = False

    async def _start_side(self, tsink: TranscribingSink) -> None:
        factory = self.side_factory
        if factory is None:
            return
        side = await asyncio.to_thread(factory, self._side_final)
        if side is not None and self.mode == "human" and not self._ended:
            self._transcriber = BackgroundTranscriber(side)
            tsink.transcriber = self._transcriber
        agent = await asyncio.to_thread(factory, self._agent_final)
        if (
            agent is not None
            and self.mode == "human"
            and not self._ended
            and self._agent_transcriber is None
        ):
            self._agent_transcriber = BackgroundTranscriber(agent)

    async def agent_audio(self, pcm8k: bytes) -> None:
        """The agent's voice to the customer (8 kHz), transcribed beside the customer's."""
        await self.control.switch.agent_audio(pcm8k, 8000)
        if self._agent_transcriber is not None:
            self._agent_transcriber.feed(pcm8k)

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
        sw.input.sink = TranscribingSink(sink, self._transcriber)
        sw.input.mode = sw.output.mode = "human"
        self.holding = False

    async def hand_back(self, event: object) -> None:
        """The bot first (at once), then the side transcript finishes in the background."""
        await self.control.switch.hand_back()
        self.holding = False
        self.agent_id = None
        await self.control.engine_event(event)
        self.close_transcripts()

    def ended(self) -> None:
        """The call is over: no transcript starts now, the running ones finish."""
        self._ended = True
        with contextlib.suppress(RuntimeError):  # no running loop: nothing was transcribed
            self.close_transcripts()

    def close_transcripts(self) -> None:
        """Both sides' transcripts finish in the background (what is buffered is recognised
        and stored): at a hand-back, or when the call ends while the agent has it."""
        loop = asyncio.get_running_loop()
        for side in (self._transcriber, self._agent_transcriber):
            if side is not None:
                task = loop.create_task(side.close())
                _CLOSING.add(task)  # the loop keeps only a weak reference
                task.add_done_callback(_CLOSING.discard)
        self._transcriber = self._agent_transcriber = None

    async def _wait_bot_done(self, start_s: float = BRIDGING_START_S) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        while not self.control.bot_speaking and loop.time() - t0 < start_s:
            await asyncio.sleep(0.01)
        if not self.control.bot_speaking:
            return  # nothing is being said
        quiet_since: float | None = None
        while loop.time() - t0 < BRIDGING_MAX_S:
            if self.control.bot_speaking:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = loop.time()
            elif loop.time() - quiet_since >= BRIDGING_SETTLE_S:
                return
            await asyncio.sleep(0.01)

    def _side_final(self, text: str, confidence: float) -> None:
        self.add_row({"speaker": "customer", "text": text, "confidence": round(confidence, 2)})
        if self.store is not None:
            self.store("customer", text, confidence)

    def _agent_final(self, text: str, confidence: float) -> None:
        self.add_row({"speaker": "agent", "text": text, "confidence": round(confidence, 2)})
        if self.store is not None:
            self.store("agent", text, confidence)

    def add_row(self, row: dict[str, Any]) -> None:
        """A transcript line for the console: personal numbers masked (kernel.privacy)."""
        row = {**row, "text": mask_text(str(row.get("text") or ""))}
        if row.get("state"):
            self.state = str(row["state"])
        self.transcript.append(row)
        for listener in list(self.listeners):
            listener(self.call_sid, row)


class LiveCallRegistry:
    """In-process map call_sid -> LiveCall; listeners get transcript rows and call ends."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self._calls: dict[str, LiveCall] = {}
        self.on_transcript: list[TranscriptListener] = []
        self.on_started: list[Callable[[LiveCall], None]] = []
        self.on_ended: list[Callable[[str], None]] = []
        self.side_factory: Callable[[CallPipeline, Callable[[str, float], None]], Any] | None = None
        # where the human leg's transcript lines are stored with the call (the recorder)
        self.store: Callable[[str, TranscriptRow], None] | None = None
        # listen-in: (call_sid, channel, pcm, rate), fed by the gates' monitors
        self.audio_tap: Callable[[str, int, bytes, int], None] | None = None

    # -- registration ----------------------------------------------------------------
    def register(self, call: LiveCall) -> None:
        call.listeners = self.on_transcript
        if call.started_at is None:
            call.started_at = self.clock.now()
        self._calls[call.call_sid] = call
        for cb in list(self.on_started):
            with contextlib.suppress(Exception):
                cb(call)

    def unregister(self, call_sid: str) -> None:
        call = self._calls.pop(call_sid, None)
        if call is None:
            return
        call.ended()
        for cb in list(self.on_ended):
            with contextlib.suppress(Exception):
                cb(call_sid)

    def call_started(self, info: CallInfo, call: CallPipeline) -> None:
        """``SpeechRuntime.on_call_started``."""
        factory = self.side_factory
        live = LiveCall(
            call_sid=info.call_sid,
            control=PipelineControl(call),
            start=info.start,
            side_factory=(lambda cb: factory(call, cb)) if factory else None,
            store=self._storer(info.call_sid, call),
        )
        self.register(live)
        tap = self.audio_tap
        if tap is not None:
            sid = info.call_sid
            call.switch.input.monitor = lambda pcm, rate: tap(sid, CH_CUSTOMER, pcm, rate)
            call.switch.output.monitor = lambda pcm, rate: tap(sid, CH_AGENT, pcm, rate)

    def _storer(self, call_sid: str, call: CallPipeline) -> Callable[[str, str, float], None]:
        def store(speaker: str, text: str, confidence: float) -> None:
            if self.store is None:
                return
            at = call.driver.elapsed_s
            self.store(
                call_sid,
                TranscriptRow(
                    speaker="agent" if speaker == "agent" else "customer",
                    text=text,
                    confidence=round(confidence, 3),
                    start_s=at,
                    end_s=at,
                    state=call.driver.brain.state,
                ),
            )

        return store

    def call_ended(self, info: CallInfo) -> None:
        """``SpeechRuntime.on_call_ended``."""
        self.unregister(info.call_sid)

    # -- lookup ------------------------------------------------------------------------
    def get(self, call_sid: str) -> LiveCall | None:
        return self._calls.get(call_sid)

    def calls(self) -> list[LiveCall]:
        return list(self._calls.values())

    def facts(self) -> list[FloorCall]:
        """Every live call as the floor shows it."""
        now = self.clock.now()
        return [
            FloorCall(
                call_sid=c.call_sid,
                party=c.party,
                started_at=c.started_at or now,
                state=c.state,
                score=c.score,
                grade=c.grade,
                mode=c.mode,
                holding=c.holding,
                agent_id=c.agent_id,
                handled_by=c.handled_by,
            )
            for c in self._calls.values()
        ]

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


def attach(registry: LiveCallRegistry, runtime: SpeechRuntime, language: str = "ko-KR") -> None:
    """Wire a process's speech runtime to the console: call start/end hooks, the live
    transcript (the recorder is wrapped), and the side recognizer for the human leg."""
    runtime.on_call_started = registry.call_started
    runtime.on_call_ended = registry.call_ended
    if not isinstance(runtime.recorder, TeeRecorder):
        runtime.recorder = TeeRecorder(runtime.recorder, registry)
    registry.store = runtime.recorder.inner.transcript  # the human leg, with the call's record

    def side(_call: CallPipeline, on_final: Callable[[str, float], None]) -> SideTranscriber:
        # free decoding: the model with its own (stock) beams, several times faster at it
        # than the grammar's widened ones (loaded once, on the first takeover)
        return SideTranscriber(runtime.models.free_model(language), CALL_RATE, on_final)

    registry.side_factory = side
