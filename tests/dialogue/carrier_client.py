"""A minimal Twilio Media Streams client (the carrier side) for the speech tests."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import websockets
from pipecat.audio.utils import create_stream_resampler, pcm_to_ulaw, ulaw_to_pcm

FRAME = 320  # 20 ms of 16-bit 8 kHz


@dataclass
class CarrierCall:
    url: str
    call_sid: str = "CA0001"
    stream_sid: str = "MZ0001"
    params: dict[str, str] = field(default_factory=dict)
    bot_audio: list[tuple[float, bytes]] = field(default_factory=list)
    clears: list[float] = field(default_factory=list)
    closed_at: float | None = None
    t0: float = 0.0

    async def __aenter__(self) -> CarrierCall:
        self.ws: Any = await websockets.connect(self.url)
        self._res_in = create_stream_resampler()
        self._res_out = create_stream_resampler()
        self.t0 = time.monotonic()
        await self.ws.send(
            json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        )
        await self.ws.send(
            json.dumps(
                {
                    "event": "start",
                    "streamSid": self.stream_sid,
                    "start": {
                        "streamSid": self.stream_sid,
                        "callSid": self.call_sid,
                        "accountSid": "ACtest",
                        "customParameters": self.params,
                        "mediaFormat": {
                            "encoding": "audio/x-mulaw",
                            "sampleRate": 8000,
                            "channels": 1,
                        },
                    },
                }
            )
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.closed_at is None:
            await self.ws.close()
        self._reader.cancel()

    def now(self) -> float:
        return time.monotonic() - self.t0

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if msg.get("event") == "media":
                    ulaw = base64.b64decode(msg["media"]["payload"])
                    pcm = await ulaw_to_pcm(ulaw, 8000, 8000, self._res_in)
                    self.bot_audio.append((self.now(), pcm))
                elif msg.get("event") == "clear":
                    self.clears.append(self.now())
        except websockets.ConnectionClosed:
            pass
        self.closed_at = self.now()

    async def send_pcm(self, pcm: bytes) -> None:
        """Stream 8 kHz PCM as 20 ms mu-law media frames, in real time."""
        start = time.monotonic()
        for i, off in enumerate(range(0, len(pcm), FRAME)):
            chunk = pcm[off : off + FRAME].ljust(FRAME, b"\0")
            ulaw = await pcm_to_ulaw(chunk, 8000, 8000, self._res_out)
            if self.closed_at is not None:
                return
            try:
                await self.ws.send(
                    json.dumps(
                        {
                            "event": "media",
                            "streamSid": self.stream_sid,
                            "media": {"payload": base64.b64encode(ulaw).decode()},
                        }
                    )
                )
            except websockets.ConnectionClosed:
                return
            delay = start + (i + 1) * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    async def send_dtmf(self, digit: str) -> None:
        await self.ws.send(
            json.dumps({"event": "dtmf", "streamSid": self.stream_sid, "dtmf": {"digit": digit}})
        )

    async def silence(self, seconds: float) -> None:
        await self.send_pcm(bytes(int(seconds * 8000) * 2))

    def last_bot_audio_at(self) -> float:
        return self.bot_audio[-1][0] if self.bot_audio else 0.0

    async def wait_bot_quiet(self, quiet_s: float = 0.6, timeout: float = 20.0) -> None:
        """Keep sending silence until the bot has said something and then been quiet."""
        end = self.now() + timeout
        while self.now() < end and self.closed_at is None:
            if self.bot_audio and self.now() - self.last_bot_audio_at() > quiet_s:
                return
            await self.silence(0.1)

    def bot_seconds(self, since: float = 0.0, until: float = 1e9) -> float:
        n = sum(len(p) for t, p in self.bot_audio if since <= t <= until)
        return n / 16000

    def bot_energy(self) -> float:
        if not self.bot_audio:
            return 0.0
        a = np.frombuffer(b"".join(p for _, p in self.bot_audio), dtype=np.int16)
        return float(np.abs(a).mean())
