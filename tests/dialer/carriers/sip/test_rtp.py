"""RtpMedia against a plain UDP peer on loopback: pacing, latching, early media, DTMF, timeout."""

from __future__ import annotations

import asyncio
import itertools
import socket
import struct
from collections.abc import AsyncIterator
from typing import cast

import numpy as np
import pytest

from dialer.carriers.sip import g711
from dialer.carriers.sip.dtmf import event_payload, parse_event
from dialer.carriers.sip.ports import PortPool
from dialer.carriers.sip.rtp import FRAME_BYTES, RtpMedia
from dialer.carriers.sip.sdp import SdpAnswer


class Peer(asyncio.DatagramProtocol):
    """A far end: records what arrives (with arrival times) and can send RTP."""

    def __init__(self) -> None:
        self.got: list[tuple[float, bytes, tuple[str, int]]] = []
        self.transport: asyncio.DatagramTransport | None = None
        self.seq = 1000
        self.ts = 5000

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # on 3.11 the selector transport is not a DatagramTransport subclass, only alike
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.got.append((asyncio.get_running_loop().time(), data, addr))

    @property
    def addr(self) -> tuple[str, int]:
        assert self.transport is not None
        host, port = self.transport.get_extra_info("sockname")[:2]
        return host, port

    def send(
        self,
        to: int,
        payload: bytes,
        *,
        pt: int = 8,
        seq: int | None = None,
        ts: int | None = None,
        marker: bool = False,
    ) -> None:
        assert self.transport is not None
        s = self.seq if seq is None else seq
        t = self.ts if ts is None else ts
        if seq is None:
            self.seq += 1
            self.ts += 160
        hdr = struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, s & 0xFFFF, t, 0x1234)
        self.transport.sendto(hdr + payload, ("127.0.0.1", to))


async def peer() -> Peer:
    loop = asyncio.get_running_loop()
    _, p = await loop.create_datagram_endpoint(Peer, local_addr=("127.0.0.1", 0))
    return p


def tone(ms: int, freq: float = 440.0) -> bytes:
    n = 8 * ms
    return (np.sin(np.arange(n) * 2 * np.pi * freq / 8000) * 8000).astype("<i2").tobytes()


def answer_for(p: Peer, codec: str = "PCMA", pt: int = 8) -> SdpAnswer:
    host, port = p.addr
    return SdpAnswer(
        codec=codec,
        payload_type=pt,
        address=host,
        port=port,
        dtmf_pt=101,
        ptime=20,
        direction="sendrecv",
    )


def free_range() -> tuple[int, int]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    low = 20000 + (port % 20000) // 2 * 2
    return low, low + 40


@pytest.fixture
async def pool() -> PortPool:
    low, high = free_range()
    return PortPool("127.0.0.1", low, high)


@pytest.fixture
async def media(pool: PortPool) -> AsyncIterator[RtpMedia]:
    port, rtp, rtcp = pool.bind()
    m = await RtpMedia(rtp, rtcp, rtp_timeout=0.6, on_closed=pool.release).open()
    yield m
    await m.close()
    assert port not in pool.in_use


def rtp_fields(data: bytes) -> tuple[int, int, int, int, bytes]:
    _b0, b1, seq, ts, _ssrc = struct.unpack("!BBHII", data[:12])
    return b1 & 0x7F, b1 >> 7, seq, ts, data[12:]


async def test_paced_audio_then_comfort_silence(media: RtpMedia) -> None:
    p = await peer()
    media.send_pcm16(tone(200))
    media.start(answer_for(p))
    await asyncio.sleep(0.5)
    pkts = [rtp_fields(d) for _, d, _ in p.got]
    assert 22 <= len(pkts) <= 27
    assert {pt for pt, *_ in pkts} == {8}
    assert pkts[0][1] == 1 and all(m == 0 for _, m, *_ in pkts[1:])
    seqs = [s for _, _, s, _, _ in pkts]
    assert all((b - a) & 0xFFFF == 1 for a, b in itertools.pairwise(seqs))
    tss = [t for _, _, _, t, _ in pkts]
    assert all((b - a) & 0xFFFFFFFF == 160 for a, b in itertools.pairwise(tss))
    audio = b"".join(g711.decode("PCMA", pl) for *_, pl in pkts[:10])
    want = np.frombuffer(tone(200), "<i2")[: len(audio) // 2].astype(int)
    got = np.frombuffer(audio, "<i2").astype(int)
    assert np.abs(got - want).max() < 300
    assert all(pl == b"\xd5" * 160 for *_, pl in pkts[11:])
    gaps = np.diff([t for t, _, _ in p.got])
    assert abs(float(np.mean(gaps)) - 0.020) < 0.002
    assert media.stats.silence_sent >= 10
    assert p.transport is not None
    p.transport.close()


async def test_partial_frame_is_padded_after_one_tick(media: RtpMedia) -> None:
    p = await peer()
    media.start(answer_for(p))
    media.send_pcm16(tone(10))
    await asyncio.sleep(0.15)
    sent = [rtp_fields(d)[4] for _, d, _ in p.got]
    assert any(pl[:80] != b"\xd5" * 80 and pl[80:] == b"\xd5" * 80 for pl in sent)
    with pytest.raises(ValueError, match="whole samples"):
        media.send_pcm16(b"\x00")


async def test_early_media_then_answered_audio_with_latching(media: RtpMedia) -> None:
    sdp_peer, nat_peer, stranger = await peer(), await peer(), await peer()
    early: list[bytes] = []
    answered: list[bytes] = []
    media.on_early_audio = early.append
    media.on_audio = answered.append
    frames = media.frames()
    # before any SDP nothing is accepted
    nat_peer.send(media.local_port, g711.encode("PCMA", tone(20)))
    await asyncio.sleep(0.05)
    assert early == [] and media.stats.rejected_source == 1
    media.start(answer_for(sdp_peer))
    for _ in range(5):
        nat_peer.send(media.local_port, g711.encode("PCMA", tone(20)))
    await asyncio.sleep(0.1)
    assert len(early) == 5 and all(len(f) == FRAME_BYTES for f in early)
    # our RTP now goes to where the far end's packets come from
    assert media.latch.target == nat_peer.addr
    n_nat = len(nat_peer.got)
    await asyncio.sleep(0.1)
    assert len(nat_peer.got) > n_nat
    stranger.send(media.local_port, g711.encode("PCMA", tone(20)))
    media.set_answered()
    for _ in range(3):
        nat_peer.send(media.local_port, g711.encode("PCMA", tone(20)))
    await asyncio.sleep(0.05)
    assert len(answered) == 3 and len(early) == 5
    assert media.stats.rejected_source == 2
    got = [await asyncio.wait_for(frames.__anext__(), 1) for _ in range(3)]
    assert got == answered


async def test_reorder_loss_and_ptime_30(media: RtpMedia) -> None:
    p = await peer()
    media.start(answer_for(p))
    media.set_answered()
    out: list[bytes] = []
    media.on_audio = out.append
    frame = g711.encode("PCMA", tone(30))
    for seq in (1, 3, 2, 4, 6, 7, 8):  # 3/2 swapped, 5 lost
        p.send(media.local_port, frame, seq=seq, ts=seq * 240)
    await asyncio.sleep(0.05)
    # 8 slots of 30 ms (one filled) = 240 ms = 12 frames of 20 ms
    assert len(out) == 12
    assert media.stats.lost == 1


async def test_dtmf_in_once_per_event(media: RtpMedia) -> None:
    p = await peer()
    media.start(answer_for(p))
    digits: list[str] = []
    media.on_dtmf = digits.append
    for d in (160, 320, 480):
        p.send(media.local_port, event_payload(3, end=False, duration=d), pt=101, ts=9000)
    for _ in range(3):
        p.send(media.local_port, event_payload(3, end=True, duration=800), pt=101, ts=9000)
    p.send(media.local_port, event_payload(11, end=True, duration=800), pt=101, ts=12000)
    await asyncio.sleep(0.05)
    assert digits == ["3", "#"]


async def test_dtmf_out_on_the_media_clock(media: RtpMedia) -> None:
    p = await peer()
    media.start(answer_for(p))
    await asyncio.wait_for(media.send_dtmf("15", duration_ms=100), 2)
    events = [(t, rtp_fields(d)) for t, d, _ in p.got if rtp_fields(d)[0] == 101]
    assert len(events) == 14
    first = [f for _, f in events[:7]]
    assert len({ts for *_, ts, _ in first}) == 1
    assert [parse_event(f[4])[1] for f in first] == [False] * 4 + [True] * 3
    assert first[0][1] == 1 and all(f[1] == 0 for f in first[1:])
    times = [t for t, _ in events[:7]]
    assert all(0.012 < b - a < 0.028 for a, b in itertools.pairwise(times))
    second_ts = events[7][1][3]
    assert second_ts != first[0][3]
    # audio timestamps keep running across the event
    audio = [rtp_fields(d) for _, d, _ in p.got if rtp_fields(d)[0] == 8]
    tss = [f[3] for f in audio]
    assert all((b - a) & 0xFFFFFFFF in (160, 160 * 8) for a, b in itertools.pairwise(tss))
    with pytest.raises(ValueError, match="not a DTMF digit"):
        await media.send_dtmf("x")


async def test_rtp_timeout(media: RtpMedia) -> None:
    p = await peer()
    fired = asyncio.Event()
    media.on_timeout = fired.set
    media.start(answer_for(p))
    media.set_answered()
    for _ in range(10):
        p.send(media.local_port, g711.encode("PCMA", tone(20)))
        await asyncio.sleep(0.05)
    assert not fired.is_set()
    await asyncio.wait_for(fired.wait(), 2)
