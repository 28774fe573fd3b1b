"""The per-call pipeline, and what a process shares between calls.

    transport in -> customer tap -> input gate -> Silero VAD -> Vosk STT -> user turns
    -> script driver -> pyttsx3 TTS -> output gate -> transport out -> bot tap

User turns start on VAD (an interruption is broadcast: barge-in) and stop on the STT's
final, which the STT forces the moment VAD reports the stop; there is no smart-turn
model in the path (about 30 ms and 30-47 MB per call) and no speech-timeout wait.

Customer audio arrives in 100 ms frames (``media_serializer.BatchingTwilioSerializer``;
a short frame when it completes VAD's stop, so batching never delays a turn's end),
and the cheap steps it visits (tap, input gate, VAD; also the output gate and bot tap)
run in pipecat's direct mode: a frame is processed in the task that pushed it, instead
of through a queue and a task per step. Those per-frame queue and task hops, not the
audio work, were most of a call's CPU. The STT keeps its own queue and task: free
decoding waits on a worker thread, and in direct mode that wait would stall VAD (whose
idle timer then forces a false speech stop). The STT passes no audio on, so the steps
after it see only turn and control frames.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soxr
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import Frame, TranscriptionFrame
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameProcessor
from pipecat.turns.types import ProcessFrameResult
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import BaseUserTurnStopStrategy
from pipecat.turns.user_turn_processor import UserTurnProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from dialogue.brain import BrainEvents, CallBrain, EngineEvents, TurnObserver
from dialogue.speech.answer_tap import AnswerHandling, AnswerTap
from dialogue.speech.asr_models import ModelRegistry
from dialogue.speech.driver import ActionHook, PromptHook, ScriptDriver
from dialogue.speech.gates import InputGate, OutputGate, TakeoverSwitch
from dialogue.speech.pyttsx3_tts import (
    PromptRenderer,
    Pyttsx3TTSService,
    RenderCache,
    check_espeak,
)
from dialogue.speech.recognizers import RecognizerPool
from dialogue.speech.recording import StereoRecording
from dialogue.speech.records import CallRecorder
from dialogue.speech.settings import SpeechSettings
from dialogue.speech.vad import SharedSileroVADAnalyzer, shared_silero_session
from dialogue.speech.vosk_stt import VoskSTTService
from kernel.calls import StreamStart

CALL_RATE = 8000  # the carrier's rate; the pipeline runs at it end to end
# Bot audio per frame and per websocket message (pipecat's default is 40 ms): fewer
# frames, serializations and writes. The transport still paces it in real time (a little
# ahead, ``media.OUT_LEAD_S``) and an interruption's ``clear`` drops whatever the carrier
# has buffered, so larger chunks do not make barge-in slower. (200 ms chunks made
# pipecat's TTS report "context completed with no audio" under load: not used.)
OUT_CHUNK_S = 0.1
# pipecat's VAD broadcasts a UserSpeakingFrame through the whole pipeline every 0.2 s of
# speech (for idle timeouts and wake phrases, neither used here): effectively never.
_NO_SPEECH_ACTIVITY_S = 3600.0


class FinalTranscriptTurnStop(BaseUserTurnStopStrategy):  # type: ignore[no-untyped-call]
    """The user's turn ends with the STT's final (which VAD's stop forces)."""

    async def process_frame(self, frame: Frame) -> ProcessFrameResult:
        if isinstance(frame, TranscriptionFrame) and frame.finalized:
            await self.trigger_user_turn_stopped()
        return ProcessFrameResult.CONTINUE


@dataclass(frozen=True)
class CallInfo:
    """What the carrier told us when the media stream started."""

    call_sid: str
    stream_sid: str
    start: StreamStart = field(default_factory=StreamStart)

    @classmethod
    def from_parameters(
        cls, call_sid: str, stream_sid: str, parameters: Mapping[str, object]
    ) -> CallInfo:
        """From the stream's ``customParameters`` (``InvalidInput`` names a bad one)."""
        return cls(call_sid, stream_sid, StreamStart.from_parameters(parameters))


@dataclass
class CallSetup:
    """What the application decides for one call (script engine, language, voice)."""

    brain: CallBrain
    language: str = "ko-KR"
    voice: str = "ko"
    rate: int | None = None
    on_action: ActionHook | None = None
    prerender: Sequence[str] = ()
    observer: TurnObserver | None = None  # the call's intent scorer
    # who answered, told from the first seconds of audio (None: the script starts at once)
    answer: AnswerHandling | None = None


BrainFactory = Callable[[CallInfo], CallSetup]
SendText = Callable[[str], None]
PromptTap = Callable[[CallInfo, SendText], PromptHook]
"""A hook a simulated carrier hands in: given a call and a way to send a text message to
the carrier over the call's media websocket, the call's ``PromptHook`` (the simulator
tells its customer which prompt the bot plays). A real carrier gets none."""


@dataclass
class SpeechRuntime:
    """Process-wide speech dependencies, shared by every call of the process."""

    settings: SpeechSettings
    recorder: CallRecorder
    brain_factory: BrainFactory
    events: BrainEvents = field(default_factory=EngineEvents)
    registry: ModelRegistry | None = None
    prompts: PromptRenderer | None = None
    media_token: str | None = None
    # Decides whether a stream may run (after its token): None to admit, else the reason
    # to refuse. Called once per stream on a worker thread, before anything is recorded.
    admit: Callable[[CallInfo], str | None] | None = None
    record_calls: bool = True
    interim_results: bool = False
    recognizers: RecognizerPool = field(default_factory=RecognizerPool)
    # A campaign's fixed prompts (and their voice), rendered by warm_up before any call.
    prerender: tuple[str, ...] = ()
    prerender_voice: str = "ko"
    # live-handoff hooks (handoff.live.LiveCallRegistry): called once the call's pipeline
    # is built, and when the call has ended
    on_call_started: Callable[[CallInfo, CallPipeline], None] | None = None
    on_call_ended: Callable[[CallInfo], None] | None = None
    # a call that failed after answer (its pipeline raised), with the reason: called on a
    # worker thread before the media socket closes
    on_call_failed: Callable[[CallInfo, str], None] | None = None
    # handed in by a simulation only: each prompt the bot plays, told to the carrier
    prompt_tap: PromptTap | None = None
    # Load the stock-beam model for free decoding at warm-up (+0.5 GB per process);
    # otherwise it loads on the first free-decoding state (about 1.5 s, off the loop).
    free_decoding: bool = False
    # With ``free_decoding``: free recognizers warmed (on the rendered prompts) and pooled
    # at warm-up, so the first free calls do not pay a cold recognizer's 2-3x cost.
    free_warm_recognizers: int = 4

    def __post_init__(self) -> None:
        if self.registry is None:
            self.registry = ModelRegistry(self.settings)
        if self.prompts is None:
            self.prompts = PromptRenderer(RenderCache(self.settings.resolved_tts_cache_dir))

    async def warm_up(
        self,
        languages: Sequence[str] = ("ko-KR",),
        prompts: Sequence[str] = (),
        voice: str | None = None,
        rate: int | None = None,
    ) -> None:
        """Load what every call needs before the first call: models, vocabularies, the
        VAD session, the TTS thread and (``prompts``) a campaign's fixed prompts, so a
        call's setup is cheap and its greeting starts at once."""
        for language in languages:
            await asyncio.to_thread(self.models.model, language)
            await asyncio.to_thread(self.models.vocabulary, language)
            if self.free_decoding:
                await asyncio.to_thread(self.models.free_model, language)
        await asyncio.to_thread(shared_silero_session)
        await asyncio.to_thread(check_espeak)  # looked up once (a child process), not per call
        # the worker threads the calls' decoding and lookups use, started now: the first
        # calls would otherwise wait for each thread to start
        await asyncio.gather(*(asyncio.to_thread(time.sleep, 0.005) for _ in range(8)))
        texts = [*self.prerender, *prompts]
        voice, rate = voice or self.prerender_voice, rate or self.settings.tts_rate
        if texts:
            await self.renderer.prerender(texts, voice, rate, CALL_RATE)
        if self.free_decoding and self.free_warm_recognizers > 0:
            audio = [await self._call_rate_pcm(t, voice, rate) for t in texts]
            for language in languages:
                await asyncio.to_thread(
                    self.recognizers.prewarm_free,
                    self.models.free_model(language),
                    CALL_RATE,
                    audio,
                    self.free_warm_recognizers,
                )

    async def _call_rate_pcm(self, text: str, voice: str, rate: int) -> bytes:

        r = await self.renderer.get(text, voice, rate)
        pcm = np.frombuffer(r.pcm, dtype=np.int16)
        if r.sample_rate != CALL_RATE:
            pcm = soxr.resample(pcm, r.sample_rate, CALL_RATE)
        return bytes(np.asarray(pcm, dtype=np.int16).tobytes())

    @property
    def models(self) -> ModelRegistry:
        assert self.registry is not None
        return self.registry

    @property
    def renderer(self) -> PromptRenderer:
        assert self.prompts is not None
        return self.prompts


@dataclass
class CallPipeline:
    pipeline: Pipeline
    driver: ScriptDriver
    stt: VoskSTTService
    tts: Pyttsx3TTSService
    switch: TakeoverSwitch
    recording: StereoRecording | None
    vad: SharedSileroVADAnalyzer


def build_call_pipeline(
    *,
    runtime: SpeechRuntime,
    info: CallInfo,
    setup: CallSetup,
    transport_in: FrameProcessor,
    transport_out: FrameProcessor,
    call_started_at: float | None = None,
    on_prompt: PromptHook | None = None,
) -> CallPipeline:
    settings = runtime.settings
    analyzer = SharedSileroVADAnalyzer(
        sample_rate=CALL_RATE, params=VADParams(stop_secs=settings.vad_stop_s)
    )
    model = runtime.models.model(setup.language)
    vocab = runtime.models.vocabulary(setup.language)
    stt = VoskSTTService(
        model=model,
        vocabulary=vocab,
        min_word_confidence=settings.asr_min_word_confidence,
        interim_results=runtime.interim_results,
        sample_rate=CALL_RATE,
        pool=runtime.recognizers,
        free_model=lambda: runtime.models.free_model(setup.language),
        incomplete_timeout_s=settings.asr_incomplete_timeout_s,
        incomplete_quiet_s=settings.asr_incomplete_quiet_s,
        voice_activity=analyzer.hears_voice,
    )
    tts = Pyttsx3TTSService(
        prompts=runtime.renderer,
        voice=setup.voice,
        rate=setup.rate or settings.tts_rate,
        sample_rate=CALL_RATE,
        chunk_s=OUT_CHUNK_S,
    )
    recording = None
    if runtime.record_calls:
        path = settings.resolved_recordings_dir / f"{_safe_name(info.call_sid)}.wav"
        recording = StereoRecording(path, CALL_RATE)
    in_gate, out_gate = InputGate(enable_direct_mode=True), OutputGate(enable_direct_mode=True)
    driver = ScriptDriver(
        brain=setup.brain,
        events=runtime.events,
        recorder=runtime.recorder,
        call_id=info.call_sid,
        call_started_at=call_started_at,
        max_call_s=settings.max_call_s,
        default_no_input_s=settings.default_no_input_s,
        tts_timer=lambda: tts.last_render_s,
        on_action=setup.on_action,
        observer=setup.observer,
        on_prompt=on_prompt,
        recording_path=str(recording.path) if recording else None,
        listening=lambda: in_gate.mode == "bot",
        answer_hold_s=setup.answer.hold_s if setup.answer is not None else 0.0,
    )
    vad = VADProcessor(
        vad_analyzer=analyzer,
        speech_activity_period=_NO_SPEECH_ACTIVITY_S,
        enable_direct_mode=True,
    )
    turns = UserTurnProcessor(
        user_turn_strategies=UserTurnStrategies(
            start=[VADUserTurnStartStrategy()], stop=[FinalTranscriptTurnStop()]
        ),
        user_turn_stop_timeout=5.0,
    )
    steps: list[FrameProcessor] = [transport_in]
    if setup.answer is not None:
        steps.append(AnswerTap(setup.answer, driver.answered, enable_direct_mode=True))
    if recording:
        steps.append(recording.customer_tap(enable_direct_mode=True))
    steps += [in_gate, vad, stt, turns, driver, tts, out_gate, transport_out]
    if recording:
        steps.append(recording.bot_tap(enable_direct_mode=True))
    return CallPipeline(
        pipeline=Pipeline(steps),
        driver=driver,
        stt=stt,
        tts=tts,
        switch=TakeoverSwitch(in_gate, out_gate),
        recording=recording,
        vad=analyzer,
    )


def _safe_name(call_sid: str) -> str:
    keep = "".join(c for c in call_sid if c.isalnum() or c in "-_")
    return keep[:64] or "call"


def recording_path_for(settings: SpeechSettings, call_sid: str) -> Path:
    return settings.resolved_recordings_dir / f"{_safe_name(call_sid)}.wav"


def new_pipeline_params() -> Any:

    return PipelineParams(
        audio_in_sample_rate=CALL_RATE,
        audio_out_sample_rate=CALL_RATE,
        enable_metrics=False,
        enable_usage_metrics=False,
    )
