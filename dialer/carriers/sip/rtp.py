"""One call's RTP audio: G.711 in and out, paced on the media clock, with RFC 4733 DTMF.

Packets are parsed with aiortp's ``RtpPacket``; pacing, latching, the jitter buffer, loss
fill, DTMF and the RTP timeout are this package's own (see ``jitter``, ``latch``, ``dtmf``).
The sockets are bound before the INVITE goes out, so early media in a 183 is captured.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import struct
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import ClassVar, cast

from aiortp import RtpPacket

from dialer.carriers.sip import g711
from dialer.carriers.sip.dtmf import DtmfDetector, DtmfTick, plan_digit
from dialer.carriers.sip.jitter import JitterBuffer, Slot
from dialer.carriers.sip.latch import RtpLatch
from dialer.carriers.sip.sdp import STATIC_PT, SdpAnswer

log = logging.getLogger(__name__)

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000
FRAME_BYTES = FRAME_SAMPLES * 2  # PCM16
#: Comfort noise (RFC 3389): a silence descriptor, not audio.
CN_PT = 13
#: How far behind the media clock the pacer catches up by bursting; past it, it skips.
MAX_CATCH_UP = 5

PcmCallback = Callable[[bytes], None]


@dataclass
class MediaStats:
    """Counters of one call's media, for logs and the load check."""

    packets_sent: int = 0
    silence_sent: int = 0
    dtmf_packets_sent: int = 0
    packets_received: int = 0
    frames_delivered: int = 0
    early_frames: int = 0
    lost: int = 0
    late: int = 0
    rejected_source: int = 0
    malformed: int = 0
    unknown_pt: int = 0
    pacer_resyncs: int = 0
    pacer_catch_up: int = 0
    rx_dropped: int = 0
    digits_received: list[str] = field(default_factory=list)


class _Endpoint(asyncio.DatagramProtocol):
    """Hands datagrams to the media; tells when the socket is really closed."""

    def __init__(self, on_datagram: Callable[[bytes, tuple[str, int]], None] | None) -> None:
        self.on_datagram = on_datagram
        self.transport: asyncio.DatagramTransport | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # on 3.11 the selector transport is not a DatagramTransport subclass, only alike
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if self.on_datagram is not None:
            self.on_datagram(data, (str(addr[0]), int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a far end that is not listening yet: not fatal
        log.debug("RTP socket error: %s", exc)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class RtpMedia:
    """The RTP side of one call.

    Outgoing: ``send_pcm16`` queues 8 kHz PCM16; every 20 ms on an absolute clock one frame
    is encoded and sent, or encoded silence when the queue is empty, so the stream never has
    gaps. Incoming: packets from the SDP address or the latched source go through the jitter
    buffer, are decoded and re-cut into 20 ms PCM16 frames; before ``set_answered`` they go to
    ``on_early_audio``, after it to ``on_audio`` and ``frames()``.
    """

    def __init__(
        self,
        rtp_sock: socket.socket,
        rtcp_sock: socket.socket,
        *,
        codecs: tuple[str, ...] = ("PCMA", "PCMU"),
        rtp_timeout: float = 20.0,
        jitter_depth: int = 1,
        on_closed: Callable[[int], None] | None = None,
        name: str = "",
    ) -> None:
        self._rtp_sock = rtp_sock
        self._rtcp_sock = rtcp_sock
        self.local_port: int = rtp_sock.getsockname()[1]
        self.name = name or f"rtp:{self.local_port}"
        self._codecs = codecs
        self._rtp_timeout = rtp_timeout
        self._jitter_depth = jitter_depth
        self._on_closed = on_closed
        self.stats = MediaStats()
        self.latch = RtpLatch()
        self.answer: SdpAnswer | None = None
        self.on_audio: PcmCallback | None = None
        self.on_early_audio: PcmCallback | None = None
        self.on_dtmf: Callable[[str], None] | None = None
        self.on_timeout: Callable[[], None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._rtp: _Endpoint | None = None
        self._rtcp: _Endpoint | None = None
        self._answered = False
        self._closed = False
        # receive
        self._jitter = JitterBuffer(depth=jitter_depth)
        self._rx_ssrc: int | None = None
        self._detector = DtmfDetector()
        self._rx_pcm = bytearray()
        self._last_frame: bytes | None = None
        self._fill_run = 0
        self._last_rx: float = 0.0
        self._timeout_handle: asyncio.TimerHandle | None = None
        self._timed_out = False
        self._queue: asyncio.Queue[bytes | None] | None = None
        # send
        self._ssrc = random.getrandbits(32)
        self._seq = random.getrandbits(16)
        self._ts = random.getrandbits(32)
        self._out = bytearray()
        self._partial_ticks = 0
        self._first_packet = True
        self._clocked = False
        self._dtmf: deque[tuple[DtmfTick | None, asyncio.Future[None] | None]] = deque()
        self._dtmf_ts: int | None = None
        #: Set to a list to record the loop time of every packet sent (load checks).
        self.tx_times: list[float] | None = None

    async def open(self) -> RtpMedia:
        """Start receiving on the sockets (nothing is sent before ``start``)."""
        self._loop = asyncio.get_running_loop()
        try:
            _, self._rtp = await self._loop.create_datagram_endpoint(
                lambda: _Endpoint(self._datagram), sock=self._rtp_sock
            )
            _, self._rtcp = await self._loop.create_datagram_endpoint(
                lambda: _Endpoint(None), sock=self._rtcp_sock
            )
        except BaseException:
            await self.close()
            raise
        return self

    # ----- control -------------------------------------------------------------------------

    @property
    def codec(self) -> str | None:
        return self.answer.codec if self.answer else None

    @property
    def answered(self) -> bool:
        return self._answered

    @property
    def closed(self) -> bool:
        return self._closed

    def start(self, answer: SdpAnswer) -> None:
        """Use the far end's SDP (183 or 200): where to send, which codec; start sending."""
        if self._closed:
            return
        self.answer = answer
        self.latch.set_sdp(answer.rtp_addr)
        if not self._clocked:
            self._clocked = True
            MediaClock.of(self._require_loop()).add(self)

    def set_answered(self) -> None:
        """The call was answered: audio now goes to ``on_audio``; the RTP timeout is armed."""
        self._answered = True
        if self.answer is not None and not self.answer.far_end_sends:
            return
        loop = self._require_loop()
        self._last_rx = max(self._last_rx, loop.time())
        if self._timeout_handle is None and not self._closed:
            self._timeout_handle = loop.call_later(0.5, self._check_timeout)

    def send_pcm16(self, pcm: bytes) -> None:
        """Queue 8 kHz mono PCM16 little-endian audio for sending."""
        if len(pcm) % 2:
            raise ValueError(f"PCM16 audio must be whole samples; got {len(pcm)} bytes")
        if not self._closed:
            self._out += pcm

    def clear_audio(self) -> None:
        """Drop queued outgoing audio (barge-in)."""
        self._out.clear()
        self._partial_ticks = 0

    @property
    def queued_ms(self) -> float:
        return len(self._out) / 2 / SAMPLE_RATE * 1000

    async def send_dtmf(self, digits: str, *, duration_ms: int = 100, gap_ms: int = 60) -> None:
        """Send digits as RFC 4733 events on the media clock; returns when all were sent."""
        if self.answer is None:
            raise RuntimeError("cannot send DTMF before the far end's SDP is known")
        if self.answer.dtmf_pt is None:
            raise RuntimeError("the far end did not accept telephone-event in its SDP")
        plans = [plan_digit(d, duration_ms=duration_ms) for d in digits]  # validates all first
        done: asyncio.Future[None] = self._require_loop().create_future()
        gap = max(1, gap_ms // FRAME_MS)
        for n, plan in enumerate(plans):
            for tick in plan:
                self._dtmf.append((tick, None))
            self._dtmf.append((None, done if n == len(plans) - 1 else None))
            for _ in range(gap - 1):
                self._dtmf.append((None, None))
        if not plans:
            return
        await done

    def frames(self) -> AsyncIterator[bytes]:
        """Answered-call audio as 20 ms PCM16 frames, until the media closes."""
        if self._queue is None:
            self._queue = asyncio.Queue(maxsize=250)
        return self._iter(self._queue)

    async def _iter(self, queue: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
        while True:
            frame = await queue.get()
            if frame is None:
                return
            yield frame

    async def close(self) -> None:
        """Stop sending and receiving and free the ports (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._clocked and self._loop is not None:
            MediaClock.of(self._loop).remove(self)
        if self._timeout_handle is not None:
            self._timeout_handle.cancel()
            self._timeout_handle = None
        while self._dtmf:
            _, fut = self._dtmf.popleft()
            if fut is not None and not fut.done():
                fut.set_exception(RuntimeError("media closed before the DTMF was sent"))
        if self._queue is not None:
            self._put_frame(None)
        waits = []
        for ep in (self._rtp, self._rtcp):
            if ep is not None and ep.transport is not None:
                ep.transport.close()
                waits.append(ep.closed)
        if self._rtp is None:
            self._rtp_sock.close()
        if self._rtcp is None:
            self._rtcp_sock.close()
        if waits:
            await asyncio.wait(waits, timeout=1.0)
        if self._on_closed is not None:
            self._on_closed(self.local_port)

    def _require_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("RtpMedia is not open")
        return self._loop

    # ----- sending -------------------------------------------------------------------------

    def _clock_tick(self, frames: int, skipped: int) -> None:
        """The media clock ticked: send ``frames`` frames after skipping ``skipped`` (stall)."""
        if skipped:
            self._ts = (self._ts + skipped * FRAME_SAMPLES) & 0xFFFFFFFF
            self.stats.pacer_resyncs += 1
        self.stats.pacer_catch_up += frames - 1
        for _ in range(frames):
            self._send_frame()

    def _send_frame(self) -> None:
        answer, target = self.answer, self.latch.target
        if answer is None or target is None or self._rtp is None or self._rtp.transport is None:
            return
        if self._dtmf:
            tick, fut = self._dtmf.popleft()
            if tick is not None and answer.dtmf_pt is not None:
                if self._dtmf_ts is None:
                    self._dtmf_ts = self._ts
                for n, payload in enumerate(tick.payloads):
                    marker = tick.marker and n == 0
                    self._send(answer.dtmf_pt, payload, self._dtmf_ts, marker, target)
                    self.stats.dtmf_packets_sent += 1
                self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF
                return
            self._dtmf_ts = None
            if fut is not None and not fut.done():
                fut.set_result(None)
        codec = answer.codec
        if len(self._out) >= FRAME_BYTES:
            pcm = bytes(self._out[:FRAME_BYTES])
            del self._out[:FRAME_BYTES]
            self._partial_ticks = 0
            payload = g711.encode(codec, pcm)
        elif self._out and self._partial_ticks >= 1:
            pcm = bytes(self._out) + bytes(FRAME_BYTES - len(self._out))
            self._out.clear()
            self._partial_ticks = 0
            payload = g711.encode(codec, pcm)
        else:
            if self._out:
                self._partial_ticks += 1
            payload = g711.silence(codec, FRAME_SAMPLES)
            self.stats.silence_sent += 1
        self._send(answer.payload_type, payload, self._ts, self._first_packet, target)
        self._first_packet = False
        self._ts = (self._ts + FRAME_SAMPLES) & 0xFFFFFFFF

    def _send(
        self, pt: int, payload: bytes, ts: int, marker: bool, target: tuple[str, int]
    ) -> None:
        assert self._rtp is not None and self._rtp.transport is not None
        header = struct.pack(
            "!BBHII", 0x80, (0x80 if marker else 0) | pt, self._seq, ts, self._ssrc
        )
        self._seq = (self._seq + 1) & 0xFFFF
        self._rtp.transport.sendto(header + payload, target)
        self.stats.packets_sent += 1
        if self.tx_times is not None:
            self.tx_times.append(self._require_loop().time())

    # ----- receiving -----------------------------------------------------------------------

    def _datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        if self._closed:
            return
        if len(data) < 12 or data[0] >> 6 != 2 or 72 <= (data[1] & 0x7F) <= 76:
            self.stats.malformed += 1
            return
        try:
            packet = RtpPacket.parse(data)
        except ValueError:
            self.stats.malformed += 1
            return
        pt = packet.payload_type
        answer = self.answer
        dtmf_pt = answer.dtmf_pt if answer else None
        audio_codec = _CODEC_OF_PT.get(pt)
        if (
            pt != dtmf_pt
            and pt != CN_PT
            and (audio_codec is None or audio_codec not in self._codecs)
        ):
            self.stats.unknown_pt += 1
            return
        if not self.latch.accept(addr):
            self.stats.rejected_source += 1
            return
        self.stats.packets_received += 1
        self._last_rx = self._require_loop().time()
        if packet.ssrc != self._rx_ssrc:
            if self._rx_ssrc is not None:
                self._deliver_slots(self._jitter.flush())
                self._jitter = JitterBuffer(depth=self._jitter_depth)
            self._rx_ssrc = packet.ssrc
        if pt == dtmf_pt:
            try:
                digits = self._detector.packet(packet.timestamp, packet.payload)
            except ValueError:
                self.stats.malformed += 1
                digits = []
            self._report_digits(digits)
            slots = self._jitter.push(packet.sequence_number, packet.timestamp, b"", media=False)
        elif pt == CN_PT:
            slots = self._jitter.push(packet.sequence_number, packet.timestamp, b"", media=False)
        else:
            assert audio_codec is not None
            pcm = g711.decode(audio_codec, packet.payload)
            slots = self._jitter.push(packet.sequence_number, packet.timestamp, pcm)
        self._deliver_slots(slots)

    def _deliver_slots(self, slots: list[Slot]) -> None:
        for slot in slots:
            if not slot.media:
                continue
            if slot.payload is None:
                self.stats.lost += 1
                pcm = self._fill()
            else:
                self._report_digits(self._detector.audio())
                pcm = slot.payload
                self._last_frame = pcm
                self._fill_run = 0
            self._rx_pcm += pcm
            while len(self._rx_pcm) >= FRAME_BYTES:
                frame = bytes(self._rx_pcm[:FRAME_BYTES])
                del self._rx_pcm[:FRAME_BYTES]
                self._dispatch(frame)
        self.stats.late = self._jitter.stats.late

    def _fill(self) -> bytes:
        """A lost packet: the last frame once at half volume, then silence."""
        last = self._last_frame
        self._fill_run += 1
        if last is None:
            return bytes(FRAME_BYTES)
        if self._fill_run > 1:
            return bytes(len(last))
        samples = memoryview(last).cast("h")
        return struct.pack(f"<{len(samples)}h", *(s // 2 for s in samples))

    def _dispatch(self, frame: bytes) -> None:
        if not self._answered:
            self.stats.early_frames += 1
            self._call(self.on_early_audio, frame)
            return
        self.stats.frames_delivered += 1
        self._call(self.on_audio, frame)
        if self._queue is not None:
            self._put_frame(frame)

    def _put_frame(self, frame: bytes | None) -> None:
        assert self._queue is not None
        if self._queue.full():
            self._queue.get_nowait()
            self.stats.rx_dropped += 1
        self._queue.put_nowait(frame)

    def _report_digits(self, digits: list[str]) -> None:
        for digit in digits:
            self.stats.digits_received.append(digit)
            self._call(self.on_dtmf, digit)

    def _call(self, callback: Callable[[str], None] | PcmCallback | None, arg: object) -> None:
        if callback is None:
            return
        try:
            callback(arg)  # type: ignore[arg-type]
        except Exception:
            log.exception("%s: media callback %r failed", self.name, callback)

    def _check_timeout(self) -> None:
        self._timeout_handle = None
        if self._closed or self._timed_out:
            return
        loop = self._require_loop()
        silent = loop.time() - self._last_rx
        if silent >= self._rtp_timeout:
            self._timed_out = True
            log.info("%s: no RTP for %.1f s (rtp_timeout)", self.name, silent)
            if self.on_timeout is not None:
                try:
                    self.on_timeout()
                except Exception:
                    log.exception("%s: on_timeout failed", self.name)
            return
        self._timeout_handle = loop.call_later(
            min(0.5, self._rtp_timeout - silent + 0.01), self._check_timeout
        )


_CODEC_OF_PT = {pt: name for name, pt in STATIC_PT.items()}


class MediaClock:
    """One 20 ms ticker per event loop that drives every RtpMedia on it.

    Deadlines are absolute (start + n * 20 ms), so scheduling delays never accumulate; one
    wakeup serves all calls instead of one per call. After a stall it catches up by sending
    up to ``MAX_CATCH_UP`` frames at once; past that it skips ahead (timestamps jump).
    """

    _clocks: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MediaClock]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._members: dict[int, RtpMedia] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._deadline = 0.0

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop) -> MediaClock:
        clock = cls._clocks.get(loop)
        if clock is None:
            clock = cls._clocks[loop] = MediaClock(loop)
        return clock

    def add(self, media: RtpMedia) -> None:
        self._members[id(media)] = media
        if self._handle is None:
            self._deadline = self._loop.time() + FRAME_MS / 1000
            self._handle = self._loop.call_at(self._deadline, self._tick)

    def remove(self, media: RtpMedia) -> None:
        self._members.pop(id(media), None)
        if not self._members and self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self) -> None:
        period = FRAME_MS / 1000
        behind = int((self._loop.time() - self._deadline) / period)
        skipped = 0
        if behind > MAX_CATCH_UP:
            skipped, behind = behind, 0
            self._deadline += skipped * period
        for media in list(self._members.values()):
            try:
                media._clock_tick(behind + 1, skipped)
            except Exception:
                log.exception("%s: sending RTP failed", media.name)
        self._deadline += (behind + 1) * period
        self._handle = self._loop.call_at(self._deadline, self._tick) if self._members else None
