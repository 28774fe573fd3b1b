"""The carrier's media websocket: one Twilio Media Streams connection = one call pipeline.

``GET /media/{call_sid}`` (websocket). The carrier sends ``connected``, then ``start``
(``streamSid``, ``callSid``, ``customParameters``), then 20 ms mu-law ``media`` frames;
the bot answers with ``media`` and ``clear``. When the runtime has a ``media_token``,
``customParameters.token`` must equal it, else the socket is closed with 1008; so is a
first frame that is not ``connected``/``start`` JSON, a call or stream id that is not an
identifier, a bad parameter (``StreamStart``) and a stream the runtime's ``admit`` refuses
(the product's: a live attempt whose call id matches, once). Hang-up
goes through the carrier's Twilio-compatible REST API (``carrier_api_base_url``).
Whatever happens, the call ends with a summary and the socket is closed: an error in
the pipeline becomes disposition ``error``, never a hung websocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import re
import time
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, WebSocket
from loguru import logger
from pipecat.frames.frames import Frame, InterruptionFrame, StartFrame
from pipecat.pipeline.worker import PipelineWorker
from pipecat.processors.frame_processor import FrameDirection
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketOutputTransport,
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)
from pipecat.workers.runner import WorkerRunner
from starlette.websockets import WebSocketDisconnect, WebSocketState

from dialogue.speech.driver import PromptHook
from dialogue.speech.media_serializer import BatchingTwilioSerializer
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

START_TIMEOUT_S = 10.0
MAX_FRAMES_BEFORE_START = 4  # ``connected`` (and a few spares) before ``start``
_SID = re.compile(r"[A-Za-z0-9_-]{1,64}")
IN_BATCH_S = 0.1  # customer audio per pipeline frame (the carrier sends 20 ms)
OUT_CHUNK_10MS = round(OUT_CHUNK_S * 100)  # bot audio per websocket message
# How far ahead of real time bot audio may be sent. The carrier plays what it has buffered
# in real time (and drops it on ``clear``), so a small lead lets the bot's audio ride out
# an event-loop stall (a busy worker, a final decode) instead of running the carrier's
# jitter buffer dry mid-prompt.
OUT_LEAD_S = 0.2


class LeadingOutputTransport(FastAPIWebsocketOutputTransport):
    """Paces bot audio in real time like pipecat's, but up to ``OUT_LEAD_S`` ahead.

    It also sends no ``BotSpeakingFrame``: pipecat broadcasts one through the whole
    pipeline every 0.2 s of bot audio, for idle timeouts and wake phrases (neither used
    here; the driver needs only the bot's start and stop)."""

    _play_end = 0.0  # when the audio sent so far has played at the carrier

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        for sender in self._media_senders.values():
            sender._bot_speaking_frame_period = float("inf")

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InterruptionFrame):  # the carrier's buffer gets cleared
            self._play_end = 0.0

    async def _write_audio_sleep(self) -> None:
        now = time.monotonic()
        self._play_end = max(self._play_end, now) + self._send_interval
        delay = self._play_end - OUT_LEAD_S - now
        if delay > 0:
            await asyncio.sleep(delay)


class TelephonyWebsocketTransport(FastAPIWebsocketTransport):
    """``FastAPIWebsocketTransport`` whose output is a ``LeadingOutputTransport``."""

    def __init__(self, websocket: WebSocket, params: FastAPIWebsocketParams) -> None:
        super().__init__(websocket=websocket, params=params)
        self._output = LeadingOutputTransport(
            self, self._client, self._params, name=self._output_name
        )


def media_router(runtime: SpeechRuntime) -> APIRouter:
    router = APIRouter(tags=["media"])

    @router.websocket("/media/{call_sid}")
    async def media(websocket: WebSocket, call_sid: str) -> None:
        await run_media_call(websocket, runtime, call_sid)

    return router


async def _read_start(websocket: WebSocket) -> dict[str, Any] | None:
    """The ``start`` event's body, or None for anything else first (a binary frame,
    text that is not a JSON object, another event, a closed socket): never raises."""
    for _ in range(MAX_FRAMES_BEFORE_START):
        message = await websocket.receive()
        text = message.get("text")
        if message["type"] != "websocket.receive" or not isinstance(text, str):
            return None
        try:
            msg = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if not isinstance(msg, dict):
            return None
        if msg.get("event") == "start":
            start = msg.get("start")
            return start if isinstance(start, dict) else None
        if msg.get("event") != "connected":
            return None
    return None


def _stream_ids(start: dict[str, Any], path_sid: str) -> tuple[str, str] | None:
    """(call id, stream id) if both are identifiers, else None."""
    call_sid = start.get("callSid") or path_sid
    stream_sid = start.get("streamSid")
    if not isinstance(call_sid, str) or not isinstance(stream_sid, str):
        return None
    if not (_SID.fullmatch(call_sid) and _SID.fullmatch(stream_sid)):
        return None
    return call_sid, stream_sid


_active_calls = 0


def active_calls() -> int:
    """Media websockets this process is serving now."""
    return _active_calls


async def run_media_call(websocket: WebSocket, runtime: SpeechRuntime, call_sid: str) -> None:
    global _active_calls
    _active_calls += 1
    try:
        await _run_media_call(websocket, runtime, call_sid)
    finally:
        _active_calls -= 1


async def _run_media_call(websocket: WebSocket, runtime: SpeechRuntime, call_sid: str) -> None:
    await websocket.accept()
    answered_at = time.monotonic()
    try:
        start = await asyncio.wait_for(_read_start(websocket), START_TIMEOUT_S)
    except (TimeoutError, WebSocketDisconnect, RuntimeError):
        start = None
    ids = _stream_ids(start, call_sid) if start else None
    if start is None or ids is None:
        await _close(websocket, 1008)
        return
    raw = start.get("customParameters")
    params = raw if isinstance(raw, dict) else {}
    # the token first: a peer without it is closed unheard, and nothing of it is logged
    token = params.get("token")
    if runtime.media_token and not hmac.compare_digest(
        (token if isinstance(token, str) else "").encode(), runtime.media_token.encode()
    ):
        await _close(websocket, 1008)
        return
    try:
        stream = StreamStart.from_parameters(params)
    except InvalidInput as exc:
        logger.warning("media stream refused", call_sid=call_sid, reason=str(exc))
        await _close(websocket, 1008)
        return
    info = CallInfo(call_sid=ids[0], stream_sid=ids[1], start=replace(stream, token=None))
    if runtime.admit is not None:
        refused = await asyncio.to_thread(runtime.admit, info)
        if refused is not None:
            logger.warning("media stream refused", call_sid=info.call_sid, reason=refused)
            await _close(websocket, 1008)
            return
    call: CallPipeline | None = None
    try:
        setup = runtime.brain_factory(info)
        settings = runtime.settings
        serializer = BatchingTwilioSerializer(
            stream_sid=info.stream_sid,
            call_sid=info.call_sid,
            account_sid=settings.carrier_account_sid,
            auth_token=settings.carrier_auth_token.get_secret_value(),
            base_url=settings.carrier_api_base_url,
            batch_s=IN_BATCH_S,
        )
        transport = TelephonyWebsocketTransport(
            websocket=websocket,
            params=FastAPIWebsocketParams(
                audio_in_enabled=True,
                audio_out_enabled=True,
                add_wav_header=False,
                audio_out_10ms_chunks=OUT_CHUNK_10MS,
                serializer=serializer,
                allowed_origins=[],
            ),
        )
        if setup.prerender:
            # Normally done by warm_up before the first call; here only what is missing,
            # in the background, so it never delays this call's greeting.
            _background(
                runtime.renderer.prerender(
                    setup.prerender, setup.voice, setup.rate or settings.tts_rate, CALL_RATE
                )
            )
        call = build_call_pipeline(
            runtime=runtime,
            info=info,
            setup=setup,
            transport_in=transport.input(),
            transport_out=transport.output(),
            call_started_at=answered_at,
            on_prompt=_prompt_hook(runtime, websocket, info),
        )
        # The end of the customer's turn is not held back by input batching.
        serializer.flush_at = call.vad.samples_to_stop
        if runtime.on_call_started is not None:
            runtime.on_call_started(info, call)
        worker = PipelineWorker(
            call.pipeline,
            params=new_pipeline_params(),
            idle_timeout_secs=None,
            cancel_on_idle_timeout=False,
            enable_rtvi=False,
            # The turn-tracking observer gets every push of every frame through its own
            # queue and task, and keeps every frame id: a large per-call cost, unused here.
            enable_turn_tracking=False,
            check_dangling_tasks=False,
        )

        @transport.event_handler("on_client_disconnected")  # type: ignore[untyped-decorator]
        async def _gone(_transport: Any, _ws: Any) -> None:
            await worker.cancel(reason="customer_hangup")

        runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
        await runner.add_workers(worker)
        await runner.run()
        call.driver.finish("customer_hangup")
    except Exception as exc:
        reason = failure_reason(exc)
        # one line per failed call; the traceback only at DEBUG
        logger.warning("call failed", call_sid=info.call_sid, reason=reason)
        logger.opt(exception=True).debug("call failed", call_sid=info.call_sid)
        if runtime.on_call_failed is not None:
            # before the socket closes (and so before the carrier reports the call
            # completed): the attempt is recorded failed, never answered
            with contextlib.suppress(Exception):
                await asyncio.to_thread(runtime.on_call_failed, info, reason)
        if call is not None:
            call.driver.finish("error", error=type(exc).__name__)
        else:
            runtime.recorder.ended(
                info.call_sid,
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
        if call is not None and runtime.on_call_ended is not None:
            runtime.on_call_ended(info)
        if call is not None and call.recording is not None:
            call.recording.close()
        await _close(websocket, 1000)


def failure_reason(exc: BaseException) -> str:
    """What went wrong with a call, in one line for its record and the log."""
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_BACKGROUND: set[asyncio.Task[Any]] = set()


def _prompt_hook(runtime: SpeechRuntime, websocket: WebSocket, info: CallInfo) -> PromptHook | None:
    """The runtime's prompt tap (a simulation's) for this call, sending over its socket."""
    if runtime.prompt_tap is None:
        return None

    def send(msg: str) -> None:
        if websocket.application_state == WebSocketState.CONNECTED:
            _background(_send_quietly(websocket, msg))

    return runtime.prompt_tap(info, send)


async def _send_quietly(websocket: WebSocket, msg: str) -> None:
    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
        await websocket.send_text(msg)


def _background(coro: Coroutine[Any, Any, Any]) -> None:
    task = asyncio.get_running_loop().create_task(coro)
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


async def _close(websocket: WebSocket, code: int) -> None:
    if websocket.application_state != WebSocketState.DISCONNECTED:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=code)
