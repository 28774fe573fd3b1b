"""A SIP call's audio in the call pipeline: the second transport of the one pipeline.

The media-stream carrier's audio reaches ``build_call_pipeline`` over a websocket
(``media``); a SIP trunk's over RTP (``dialer.carriers.sip``). ``run_sip_call`` is the
SIP trunk's answered-call handler: it reads the stream start the dialer gave the call
(``kernel.calls.StreamStart``), checks the stream token and the runtime's ``admit`` as
the media endpoint does, and runs the same pipeline with:

- ``RtpInputTransport``: the call's 20 ms PCM16 frames from ``RtpMedia`` (its ``on_audio``
  callback, so nothing wakes per frame), joined into 100 ms input frames (a short one the
  moment VAD's stop is due, as the websocket serializer does), and RFC 4733 digits as
  ``InputDTMFFrame``;
- ``RtpOutputTransport``: bot (or agent) audio queued on the RTP pacer at most
  ``OUT_LEAD_S`` ahead of real time; an interruption drops what is queued; the end of
  the call (the script's ``EndCall``) lets the queued audio play, then sends BYE.

Recording, transcripts, live takeover (``on_call_started``), scoring and the outcome
record are the pipeline's and the runtime's, as for a media-stream call. The call ends
the pipeline when it ends (BYE from the far end, RTP timeout, the trunk stopping).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from loguru import logger
from pipecat.audio.dtmf.types import KeypadEntry
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InputDTMFFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    StartFrame,
)
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import TransportParams
from pipecat.workers.runner import WorkerRunner

from dialer.carriers.sip.ua import SipCall
from dialogue.speech.gates import AgentAudioFrame
from dialogue.speech.pipeline import (
    CALL_RATE,
    OUT_CHUNK_S,
    CallInfo,
    CallPipeline,
    SpeechRuntime,
    build_call_pipeline,
    new_pipeline_params,
)
from dialogue.speech.records import CallSummary
from kernel.calls import StreamStart
from kernel.errors import InvalidInput

IN_BATCH_S = 0.1  # customer audio per pipeline frame (RTP brings 20 ms)
OUT_LEAD_S = 0.2  # bot audio queued ahead of the RTP pacer at most
DRAIN_MAX_S = 10.0  # at the end, how long the last prompt may take to play out

FlushAt = Callable[[], int | None]


def transport_params() -> TransportParams:
    return TransportParams(
        audio_in_enabled=True,
        audio_out_enabled=True,
        audio_out_10ms_chunks=round(OUT_CHUNK_S * 100),
    )


class RtpInputTransport(BaseInputTransport):
    """Customer audio from the call's RTP into the pipeline."""

    def __init__(self, call: SipCall, params: TransportParams, **kwargs: Any) -> None:
        super().__init__(params, **kwargs)
        self._call = call
        self._batch = bytearray()
        self._batch_bytes = int(IN_BATCH_S * CALL_RATE) * 2
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Queue[Frame] = asyncio.Queue()
        self._stopping = False
        #: Samples that would complete VAD's stop (``vad.samples_to_stop``), or None.
        self.flush_at: FlushAt | None = None
        #: Called when the call's media ended on its own (a hang-up, an RTP timeout).
        self.on_gone: Callable[[], Awaitable[None]] | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        media = self._call.media
        media.on_dtmf = self._dtmf
        media.on_audio = self._audio
        if self._task is None:
            self._task = self.create_task(self._receive(), "rtp_in")
        await self.set_transport_ready(frame)

    async def stop(self, frame: EndFrame) -> None:
        await self._halt()
        await super().stop(frame)

    async def cancel(self, frame: CancelFrame) -> None:
        await self._halt()
        await super().cancel(frame)

    async def _halt(self) -> None:
        self._stopping = True
        self._call.media.on_dtmf = None
        self._call.media.on_audio = None
        if self._task is not None:
            await self.cancel_task(self._task)
            self._task = None

    def _dtmf(self, digit: str) -> None:
        try:
            entry = KeypadEntry(digit)
        except ValueError:
            return
        self._ready.put_nowait(InputDTMFFrame(button=entry))

    def _audio(self, pcm: bytes) -> None:
        """A 20 ms frame from the RTP socket (a plain callback: no task wakes per frame)."""
        self._batch += pcm
        if len(self._batch) >= self._batch_bytes or self._stop_is_due():
            audio = bytes(self._batch)
            self._batch.clear()
            self._ready.put_nowait(
                InputAudioRawFrame(audio=audio, sample_rate=CALL_RATE, num_channels=1)
            )

    async def _receive(self) -> None:
        ended = asyncio.ensure_future(self._call.wait_ended())
        try:
            while True:
                get = asyncio.ensure_future(self._ready.get())
                await asyncio.wait((get, ended), return_when=asyncio.FIRST_COMPLETED)
                if not get.done():
                    get.cancel()
                    break
                frame = get.result()
                if isinstance(frame, InputAudioRawFrame):
                    await self.push_audio_frame(frame)
                else:
                    await self.push_frame(frame)
        finally:
            ended.cancel()
        if not self._stopping and self.on_gone is not None:
            await self.on_gone()

    def _stop_is_due(self) -> bool:
        need = self.flush_at() if self.flush_at is not None else None
        return need is not None and len(self._batch) // 2 >= need


class RtpOutputTransport(BaseOutputTransport):
    """Bot and agent audio onto the call's RTP pacer, a little ahead of real time."""

    def __init__(self, call: SipCall, params: TransportParams, **kwargs: Any) -> None:
        super().__init__(params, **kwargs)
        self._call = call
        #: When the first bot audio was queued (for the greeting latency figure).
        self.first_audio_at: float | None = None
        #: True once an agent has the line: bot audio still queued here (it passed the
        #: output gate before the switch) is dropped instead of delaying the agent's.
        self.bot_muted: Callable[[], bool] | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        # no BotSpeakingFrame every 0.2 s of audio (see media.LeadingOutputTransport)
        for sender in self._media_senders.values():
            sender._bot_speaking_frame_period = float("inf")
        await self.set_transport_ready(frame)

    async def stop(self, frame: EndFrame) -> None:
        await super().stop(frame)
        media = self._call.media
        end = time.monotonic() + DRAIN_MAX_S
        while media.queued_ms > 0 and not media.closed and time.monotonic() < end:
            await asyncio.sleep(0.02)
        if self._call.ended is None:
            await self._call.hangup()

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InterruptionFrame):
            self._call.media.clear_audio()

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        media = self._call.media
        if media.closed:
            return False
        if (
            self.bot_muted is not None
            and self.bot_muted()
            and not isinstance(frame, AgentAudioFrame)
        ):
            return True
        if self.first_audio_at is None:
            self.first_audio_at = time.monotonic()
        media.send_pcm16(frame.audio)
        ahead = media.queued_ms / 1000 - OUT_LEAD_S
        if ahead > 0:
            await asyncio.sleep(ahead)
        return True


async def run_sip_call(
    runtime: SpeechRuntime, sid: str, call: SipCall, params: Mapping[str, str]
) -> CallPipeline | None:
    """Run an answered SIP call's pipeline until the call or the script ends."""
    answered_at = time.monotonic()
    try:
        stream = StreamStart.from_parameters(params)
    except InvalidInput as exc:
        logger.warning("SIP call refused", call_sid=sid, reason=str(exc))
        return None
    if runtime.media_token and not hmac.compare_digest(
        (stream.token or "").encode(), runtime.media_token.encode()
    ):
        logger.warning("SIP call refused", call_sid=sid, reason="bad stream token")
        return None
    info = CallInfo(call_sid=sid, stream_sid=sid, start=replace(stream, token=None))
    if runtime.admit is not None:
        refused = await asyncio.to_thread(runtime.admit, info)
        if refused is not None:
            logger.warning("SIP call refused", call_sid=sid, reason=refused)
            return None
    pipeline: CallPipeline | None = None
    try:
        setup = runtime.brain_factory(info)
        params_ = transport_params()
        transport_in = RtpInputTransport(call, params_)
        transport_out = RtpOutputTransport(call, params_)
        pipeline = build_call_pipeline(
            runtime=runtime,
            info=info,
            setup=setup,
            transport_in=transport_in,
            transport_out=transport_out,
            call_started_at=answered_at,
        )
        transport_in.flush_at = pipeline.vad.samples_to_stop
        switch = pipeline.switch
        transport_out.bot_muted = lambda: switch.output.mode == "human"
        if runtime.on_call_started is not None:
            runtime.on_call_started(info, pipeline)
        worker = PipelineWorker(
            pipeline.pipeline,
            params=new_pipeline_params(),
            idle_timeout_secs=None,
            cancel_on_idle_timeout=False,
            enable_rtvi=False,
            enable_turn_tracking=False,
            check_dangling_tasks=False,
        )

        async def gone() -> None:
            await worker.cancel(reason="customer_hangup")

        transport_in.on_gone = gone
        runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
        await runner.add_workers(worker)
        await runner.run()
        pipeline.driver.finish("customer_hangup")
    except Exception as exc:
        logger.exception("SIP call pipeline failed", call_sid=sid)
        if pipeline is not None:
            pipeline.driver.finish("error", error=type(exc).__name__)
        else:
            runtime.recorder.ended(
                sid,
                CallSummary(
                    disposition="error",
                    duration_s=time.monotonic() - answered_at,
                    greeting_latency_s=None,
                    final_state="",
                    turns=0,
                    error=type(exc).__name__,
                ),
            )
    finally:
        if pipeline is not None and runtime.on_call_ended is not None:
            runtime.on_call_ended(info)
        if pipeline is not None and pipeline.recording is not None:
            pipeline.recording.close()
    return pipeline


def sip_call_handler(
    runtime: SpeechRuntime,
) -> Callable[[str, SipCall, Mapping[str, str]], Awaitable[None]]:
    """The SIP carrier's answered-call handler over this runtime."""

    async def handle(sid: str, call: SipCall, params: Mapping[str, str]) -> None:
        await run_sip_call(runtime, sid, call, params)

    return handle
