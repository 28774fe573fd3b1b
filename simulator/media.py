"""The carrier side of a Twilio Media Stream: a websocket client toward the bot.

On connect it sends ``connected`` then ``start`` (streamSid, callSid, customParameters,
mediaFormat), then one ``media`` message every 20 ms for the whole call (mu-law 8 kHz;
line silence when the customer is not talking), ``dtmf`` when the customer presses a key
and ``stop`` when the call ends. Audio the bot sends is queued like a real carrier's
playout buffer and played out in real time, one 20 ms frame per tick; ``clear`` drops
what is still buffered, ``mark`` is echoed when the audio before it has been played (or
cleared). Played bot audio is captured with timestamps for analysis; bot speech is
detected by energy so a simulated customer can take turns and barge in.

Optional impairments: send jitter and packet loss (seeded). Time comes from the injected
clock (``kernel.clock``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import random
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from kernel.clock import Clock
from simulator import audio
from simulator.sidechannel import (
    WS_BOT_SAID,
    WS_TRANSCRIPT,
    BotPrompt,
    InMemorySideChannel,
    SimSideChannel,
)

log = logging.getLogger(__name__)

FRAME_S = audio.FRAME_MS / 1000.0
CloseReason = Literal["customer", "carrier", "bot", "error"]


@dataclass(frozen=True)
class MediaOptions:
    """Line impairments and turn detection for one stream."""

    jitter_ms: float = 0.0  # each frame is sent up to this late (order is kept)
    loss_rate: float = 0.0  # share of customer frames never sent
    seed: int = 0
    turn_gap_s: float = 0.6  # bot silence that ends a bot turn
    speech_threshold_dbfs: float = -45.0
    ws_side_channel: bool = False  # carry the sim side channel as x-sim websocket events
    open_timeout_s: float = 5.0


@dataclass(frozen=True)
class CapturedFrame:
    """20 ms of bot audio played to the customer, ``t`` seconds after the stream start."""

    t: float
    payload: bytes


@dataclass(frozen=True)
class StreamEvent:
    t: float
    kind: str
    detail: Mapping[str, Any] = field(default_factory=dict)


class MediaSession:
    """One call's media stream, seen from the carrier (the customer's end of the line)."""

    def __init__(
        self,
        *,
        url: str,
        account_sid: str,
        call_sid: str,
        stream_sid: str,
        clock: Clock,
        custom_parameters: Mapping[str, str] | None = None,
        options: MediaOptions | None = None,
        side_channel: SimSideChannel | None = None,
        headers: Mapping[str, str] | None = None,
        rng_key: str = "",  # what jitter and loss are seeded by (default: the call id)
    ) -> None:
        self.url = url
        self.account_sid = account_sid
        self.call_sid = call_sid
        self.stream_sid = stream_sid
        self.custom_parameters = dict(custom_parameters or {})
        self.options = options or MediaOptions()
        self.side_channel = side_channel
        self._headers = dict(headers or {})
        self._clock = clock
        self._rng = random.Random(f"{self.options.seed}:{rng_key or call_sid}")
        self._ws: ClientConnection | None = None
        self._t0 = 0.0
        self._seq = 0
        self._chunk = 0
        self._out: deque[bytes | asyncio.Future[bool]] = deque()
        self._playout: deque[bytes | str] = deque()  # bot frames, or mark names
        self._partial = b""
        self._tasks: list[asyncio.Task[None]] = []
        self.closed = asyncio.Event()
        self.closed_by: CloseReason | None = None
        self.captured: list[CapturedFrame] = []  # bot audio as played
        self.received: list[CapturedFrame] = []  # bot audio as it arrived
        self.events: list[StreamEvent] = []
        self.sent_frames = 0
        self.lost_frames = 0
        self.bot_speaking = False
        self.bot_turns = 0  # bot turns started so far
        self.bot_turns_ended = 0
        self.customer_speaking = False
        self._last_bot_speech = 0.0
        self.prompts: list[BotPrompt] = []  # prompts learnt over the websocket side channel

    # -- lifecycle ---------------------------------------------------------------------
    def now(self) -> float:
        """Seconds since the stream started."""
        return self._clock.monotonic() - self._t0

    def _event(self, kind: str, **detail: Any) -> None:
        self.events.append(StreamEvent(self.now(), kind, detail))

    def _next_seq(self) -> str:
        self._seq += 1
        return str(self._seq)

    async def start(self) -> None:
        """Open the websocket, send ``connected`` and ``start``, start streaming."""
        self._ws = await connect(
            self.url,
            open_timeout=self.options.open_timeout_s,
            additional_headers=self._headers,
            max_size=2**22,
        )
        self._t0 = self._clock.monotonic()
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send(
            {
                "event": "start",
                "sequenceNumber": self._next_seq(),
                "start": {
                    "accountSid": self.account_sid,
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "tracks": ["inbound"],
                    "customParameters": self.custom_parameters,
                    "mediaFormat": {
                        "encoding": "audio/x-mulaw",
                        "sampleRate": audio.SAMPLE_RATE,
                        "channels": 1,
                    },
                },
                "streamSid": self.stream_sid,
            }
        )
        self._event("start")
        self._tasks = [
            asyncio.create_task(self._tick_loop(), name=f"media-tick-{self.stream_sid}"),
            asyncio.create_task(self._recv_loop(), name=f"media-recv-{self.stream_sid}"),
        ]

    async def close(self, reason: CloseReason = "carrier") -> None:
        """End the stream: send ``stop`` and close the websocket (idempotent)."""
        if self.closed.is_set():
            return
        self._mark_closed(reason)
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(ConnectionClosed, WebSocketException, OSError):
                await self._send(
                    {
                        "event": "stop",
                        "sequenceNumber": self._next_seq(),
                        "streamSid": self.stream_sid,
                        "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
                    }
                )
                await ws.close()
        await self._cancel_tasks()

    async def _cancel_tasks(self) -> None:
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        for task in self._tasks:
            if task is not current:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    def _mark_closed(self, reason: CloseReason) -> None:
        if self.closed.is_set():
            return
        self.closed_by = reason
        self._event("closed", by=reason)
        self.closed.set()
        while self._out:
            item = self._out.popleft()
            if isinstance(item, asyncio.Future) and not item.done():
                item.set_result(False)

    async def wait_closed(self) -> None:
        await self.closed.wait()
        await self._cancel_tasks()

    async def _send(self, message: Mapping[str, Any]) -> None:
        if self._ws is None:
            raise RuntimeError("media stream not started")
        await self._ws.send(json.dumps(message, ensure_ascii=False))

    # -- the 20 ms clock: customer audio out, bot audio played -------------------------
    async def _tick_loop(self) -> None:
        deadline = self._clock.monotonic()
        try:
            while not self.closed.is_set():
                await self._send_customer_frame()
                self._play_bot_frame()
                deadline += FRAME_S
                delay = deadline - self._clock.monotonic()
                if delay < -0.2:  # far behind (busy machine): resync, don't burst
                    deadline = self._clock.monotonic()
                    delay = 0.0
                await self._clock.sleep(max(delay, 0.0))
        except (ConnectionClosed, WebSocketException, OSError):
            self._mark_closed("bot")

    async def _send_customer_frame(self) -> None:
        frame = audio.SILENT_FRAME
        speaking = False
        while self._out:
            item = self._out.popleft()
            if isinstance(item, asyncio.Future):
                if not item.done():
                    item.set_result(True)
                continue
            frame, speaking = item, True
            break
        if speaking != self.customer_speaking:
            self.customer_speaking = speaking
            self._event("customer_speech_start" if speaking else "customer_speech_end")
        self._chunk += 1
        timestamp = (self._chunk - 1) * audio.FRAME_MS
        seq = self._next_seq()
        if self.options.loss_rate and self._rng.random() < self.options.loss_rate:
            self.lost_frames += 1
            return
        if self.options.jitter_ms:
            await self._clock.sleep(self._rng.uniform(0.0, self.options.jitter_ms) / 1000.0)
        await self._send(
            {
                "event": "media",
                "sequenceNumber": seq,
                "media": {
                    "track": "inbound",
                    "chunk": str(self._chunk),
                    "timestamp": str(timestamp),
                    "payload": base64.b64encode(frame).decode("ascii"),
                },
                "streamSid": self.stream_sid,
            }
        )
        self.sent_frames += 1

    def _play_bot_frame(self) -> None:
        t = self.now()
        while self._playout and isinstance(self._playout[0], str):
            self._echo_mark(str(self._playout.popleft()))
        if self._playout:
            frame = self._playout.popleft()
            assert isinstance(frame, bytes)
            self.captured.append(CapturedFrame(t, frame))
            if audio.is_speech_frame(frame, self.options.speech_threshold_dbfs):
                self._last_bot_speech = t
                if not self.bot_speaking:
                    self.bot_speaking = True
                    self.bot_turns += 1
                    self._event("bot_speech_start", turn=self.bot_turns)
                return
        if self.bot_speaking and t - self._last_bot_speech >= self.options.turn_gap_s:
            self.bot_speaking = False
            self.bot_turns_ended += 1
            self._event("bot_speech_end", turn=self.bot_turns)

    def _echo_mark(self, name: str) -> None:
        self._event("mark_played", name=name)
        task = asyncio.create_task(
            self._send_quiet(
                {
                    "event": "mark",
                    "sequenceNumber": self._next_seq(),
                    "streamSid": self.stream_sid,
                    "mark": {"name": name},
                }
            )
        )
        self._tasks.append(task)

    async def _send_quiet(self, message: Mapping[str, Any]) -> None:
        with contextlib.suppress(ConnectionClosed, WebSocketException, OSError):
            await self._send(message)

    # -- messages from the bot ---------------------------------------------------------
    async def _recv_loop(self) -> None:
        assert self._ws is not None
        try:
            async for raw in self._ws:
                self._on_message(raw)
        except (ConnectionClosed, WebSocketException, OSError):
            pass
        self._mark_closed("bot")

    def _on_message(self, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
            event = msg["event"]
        except (ValueError, KeyError, TypeError):
            self._event("bad_message")
            log.warning("media stream: unparseable message from bot ignored")
            return
        if event == "media":
            try:
                payload = base64.b64decode(msg["media"]["payload"])
            except (KeyError, TypeError, ValueError):
                self._event("bad_message", at="media.payload")
                return
            self.received.append(CapturedFrame(self.now(), payload))
            data = self._partial + payload
            cut = len(data) - len(data) % audio.FRAME_BYTES
            for i in range(0, cut, audio.FRAME_BYTES):
                self._playout.append(data[i : i + audio.FRAME_BYTES])
            self._partial = data[cut:]
        elif event == "clear":
            dropped = sum(1 for x in self._playout if isinstance(x, bytes))
            marks = [x for x in self._playout if isinstance(x, str)]
            self._playout.clear()
            self._partial = b""
            self._event("clear", dropped_frames=dropped)
            for name in marks:  # Twilio returns the marks of cleared audio at once
                self._echo_mark(name)
        elif event == "mark":
            name = str(msg.get("mark", {}).get("name", ""))
            if self._playout:
                self._playout.append(name)
            else:
                self._echo_mark(name)
        elif event == WS_BOT_SAID:
            info = msg.get("botSaid", {})
            prompt = BotPrompt(info.get("promptId"), str(info.get("text", "")))
            self.prompts.append(prompt)
            self._event("bot_said", prompt_id=prompt.prompt_id)
            if self.side_channel is not None:
                self.side_channel.bot_said(self.call_sid, prompt.prompt_id, prompt.text)
        else:
            self._event("ignored", event=str(event))

    # -- what the simulated customer does ---------------------------------------------
    def play_nowait(self, mulaw: bytes) -> asyncio.Future[bool]:
        """Queue customer speech; the future is True once played, False if cut off."""
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if self.closed.is_set():
            fut.set_result(False)
            return fut
        self._out.extend(audio.frames(mulaw))
        self._out.append(fut)
        return fut

    async def play(self, mulaw: bytes) -> bool:
        """Speak and wait until the audio has been sent (False if the call ended first)."""
        return await self.play_nowait(mulaw)

    async def send_dtmf(self, digit: str) -> None:
        if digit not in "0123456789*#ABCD" or len(digit) != 1:
            raise ValueError(f"dtmf: {digit!r} is not a DTMF digit")
        self._event("dtmf", digit=digit)
        await self._send(
            {
                "event": "dtmf",
                "streamSid": self.stream_sid,
                "sequenceNumber": self._next_seq(),
                "dtmf": {"track": "inbound_track", "digit": digit},
            }
        )

    async def inject_transcript(self, text: str, confidence: float) -> None:
        """Text mode: hand the reply to the bot as an ASR result (simulator-only)."""
        self._event("transcript", chars=len(text))
        if self.options.ws_side_channel:
            await self._send(
                {
                    "event": WS_TRANSCRIPT,
                    "streamSid": self.stream_sid,
                    "transcript": {"text": text, "confidence": confidence},
                }
            )
        elif self.side_channel is not None:
            self.side_channel.inject_transcript(self.call_sid, text, confidence)
        else:
            raise RuntimeError("text mode needs a simulator side channel")

    def latest_prompt(self) -> BotPrompt | None:
        """The newest prompt the bot announced since the last call (side channel)."""
        if self.prompts:
            last = self.prompts[-1]
            self.prompts.clear()
            return last
        if isinstance(self.side_channel, InMemorySideChannel):
            return self.side_channel.latest_prompt(self.call_sid)
        return None

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None) -> bool:
        """Poll ``predicate`` every frame on the injected clock until true, timeout or close."""
        deadline = None if timeout is None else self._clock.monotonic() + timeout
        while not predicate():
            if self.closed.is_set():
                return predicate()
            if deadline is not None and self._clock.monotonic() >= deadline:
                return False
            await self._clock.sleep(FRAME_S)
        return True

    async def sleep(self, seconds: float) -> bool:
        """Wait on the call's clock; False if the call ended meanwhile."""
        await self.wait_for(lambda: False, seconds)
        return not self.closed.is_set()

    async def wait_bot_turn_start(self, after_turn: int, timeout: float | None) -> bool:
        return await self.wait_for(lambda: self.bot_turns > after_turn, timeout)

    async def wait_bot_turn_end(self, turn: int, timeout: float | None) -> bool:
        return await self.wait_for(lambda: self.bot_turns_ended >= turn, timeout)

    def bot_audio(self) -> bytes:
        """All bot audio as played to the customer."""
        return b"".join(f.payload for f in self.captured)
