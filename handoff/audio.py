"""Audio between calls (8 kHz) and browsers (PCM16 mono 16 kHz over a websocket).

Binary websocket frames toward a browser start with one channel byte, then PCM16 at
16 kHz: 0 the customer, 1 a supervisor's whisper, 2 what the customer hears (bot or agent;
for listeners). The agent's
browser sends plain PCM16 16 kHz (its microphone). Each socket has a sender task with a
bounded backlog: past the latency cap the oldest audio is dropped, so a stall never
leaves the call behind for the rest of the call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np

BROWSER_RATE = 16_000
CH_CUSTOMER, CH_WHISPER, CH_AGENT = 0, 1, 2

SendBytes = Callable[[bytes], Awaitable[None]]


def resample(pcm: bytes, src: int, dst: int) -> bytes:
    """Linear-interpolation resampling of PCM16 mono (2:1 and 1:2 for speech bands).

    Stateless per chunk, so it costs nothing to keep per stream; for 8<->16 kHz telephone
    speech the difference to a polyphase filter is inaudible."""
    if src == dst or not pcm:
        return pcm
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
    n_out = max(1, round(len(x) * dst / src))
    pos = np.arange(n_out, dtype=np.float32) * (src / dst)
    y = np.interp(pos, np.arange(len(x), dtype=np.float32), x)
    return bytes(np.clip(y, -32768, 32767).astype(np.int16).tobytes())


@dataclass(eq=False)
class AudioOut:
    """One browser socket's outgoing audio with a latency cap."""

    send: SendBytes
    cap_ms: int = 200
    _queue: deque[bytes] = field(default_factory=deque)
    _queued_ms: float = 0.0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    dropped_ms: float = 0.0
    closed: bool = False

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def put(self, channel: int, pcm16k: bytes) -> None:
        if self.closed:
            return
        ms = len(pcm16k) / 32.0  # 16 kHz * 2 bytes = 32 bytes per ms
        self._queue.append(bytes([channel]) + pcm16k)
        self._queued_ms += ms
        while self._queued_ms > self.cap_ms and len(self._queue) > 1:
            old = self._queue.popleft()
            gone = (len(old) - 1) / 32.0
            self._queued_ms -= gone
            self.dropped_ms += gone
        self._wake.set()

    async def _run(self) -> None:
        try:
            while not self.closed:
                await self._wake.wait()
                self._wake.clear()
                while self._queue:
                    item = self._queue.popleft()
                    self._queued_ms -= (len(item) - 1) / 32.0
                    await self.send(item)
        except Exception:
            self.closed = True

    async def close(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


class BargeMixer:
    """A supervisor barging in on a taken-over call: their microphone (PCM16 16 kHz) is kept
    per call, at most ``cap_ms`` of it, and added to the agent's next frames on their way to
    the customer, so both voices reach the line without either stream waiting."""

    def __init__(self, cap_ms: int = 200) -> None:
        self.cap_bytes = cap_ms * 32
        self._pending: dict[str, bytearray] = {}

    def push(self, call_sid: str, pcm16k: bytes) -> None:
        buf = self._pending.setdefault(call_sid, bytearray())
        buf += pcm16k
        if len(buf) > self.cap_bytes:
            del buf[: len(buf) - self.cap_bytes]

    def stop(self, call_sid: str) -> None:
        self._pending.pop(call_sid, None)

    def mix(self, call_sid: str, pcm16k: bytes) -> bytes:
        buf = self._pending.get(call_sid)
        if not buf:
            return pcm16k
        n = min(len(buf), len(pcm16k)) & ~1
        ours = np.frombuffer(pcm16k, dtype=np.int16).astype(np.int32)
        theirs = np.frombuffer(bytes(buf[:n]), dtype=np.int16).astype(np.int32)
        del buf[:n]
        ours[: len(theirs)] += theirs
        return bytes(np.clip(ours, -32768, 32767).astype(np.int16).tobytes())


class AudioHub:
    """Who hears what: each agent's browser link, listeners per call (listen-in), and
    supervisors barging in."""

    def __init__(self, cap_ms: int = 200) -> None:
        self.cap_ms = cap_ms
        self.agents: dict[int, AudioOut] = {}
        self.listeners: dict[str, set[AudioOut]] = {}
        self.barge = BargeMixer(cap_ms)
        self.first_agent_frame: dict[int, float] = {}  # for the bench: agent -> loop time

    def attach_agent(self, agent_id: int, out: AudioOut) -> None:
        old = self.agents.get(agent_id)
        if old is not None and old is not out:
            old.closed = True
        self.agents[agent_id] = out

    def detach_agent(self, agent_id: int, out: AudioOut) -> None:
        if self.agents.get(agent_id) is out:
            del self.agents[agent_id]

    def listen(self, call_sid: str, out: AudioOut) -> None:
        self.listeners.setdefault(call_sid, set()).add(out)

    def unlisten(self, call_sid: str, out: AudioOut) -> None:
        self.listeners.get(call_sid, set()).discard(out)

    def to_listeners(self, call_sid: str, channel: int, pcm: bytes, rate: int) -> None:
        outs = self.listeners.get(call_sid)
        if outs:
            data = resample(pcm, rate, BROWSER_RATE)
            for out in outs:
                out.put(channel, data)

    def whisper(self, agent_id: int, pcm16k: bytes) -> None:
        out = self.agents.get(agent_id)
        if out is not None:
            out.put(CH_WHISPER, pcm16k)


@dataclass
class AgentLinkSink:
    """The call's ``AgentSink`` in human mode: customer audio to whichever browser link the
    agent has now (a reconnect attaches a new one). Listeners get audio from the gates'
    monitors (``LiveCallRegistry.audio_tap``), in bot and human mode alike."""

    hub: AudioHub
    agent_id: int
    call_sid: str

    async def customer_audio(self, pcm: bytes, sample_rate: int) -> None:
        out = self.hub.agents.get(self.agent_id)
        if out is not None:
            out.put(CH_CUSTOMER, resample(pcm, sample_rate, BROWSER_RATE))
