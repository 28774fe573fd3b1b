"""RFC 4733 telephone-events: parse and report received digits, plan the packets to send (pure)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

DIGITS = "0123456789*#ABCD"
EVENT_OF = {d: i for i, d in enumerate(DIGITS)}


def parse_event(payload: bytes) -> tuple[int, bool, int, int]:
    """(event, end, volume, duration) of a telephone-event payload; ValueError when short."""
    if len(payload) < 4:
        raise ValueError(f"telephone-event payload of {len(payload)} bytes (needs 4)")
    event, flags, duration = struct.unpack("!BBH", payload[:4])
    return event, bool(flags & 0x80), flags & 0x3F, duration


def event_payload(event: int, *, end: bool, duration: int, volume: int = 10) -> bytes:
    return struct.pack("!BBH", event, (0x80 if end else 0) | (volume & 0x3F), duration & 0xFFFF)


class DtmfDetector:
    """Turns a stream of telephone-event packets into digits, each reported once.

    A digit is reported at its first end packet. If every end packet is lost, it is reported
    when the next event starts or audio resumes (``audio``). Repeated end packets are ignored.
    """

    def __init__(self) -> None:
        self._ts: int | None = None
        self._event: int | None = None
        self._reported = False

    def packet(self, timestamp: int, payload: bytes) -> list[str]:
        event, end, _volume, _duration = parse_event(payload)
        out: list[str] = []
        if timestamp != self._ts:
            out += self._finish()
            self._ts, self._event, self._reported = timestamp, event, False
        if end and not self._reported:
            out += self._finish()
        return out

    def audio(self) -> list[str]:
        """Audio arrived: any event still open is over."""
        out = self._finish()
        self._event = None
        return out

    def _finish(self) -> list[str]:
        if self._event is None or self._reported:
            return []
        self._reported = True
        return [DIGITS[self._event]] if self._event < len(DIGITS) else []


@dataclass(frozen=True)
class DtmfTick:
    """What to send on one media tick of a digit: payloads (first has the marker if ``marker``)."""

    payloads: tuple[bytes, ...]
    marker: bool


def plan_digit(
    digit: str, *, duration_ms: int = 100, ptime_ms: int = 20, volume: int = 10
) -> list[DtmfTick]:
    """The packets of one digit, one entry per media tick, all on the event's start timestamp.

    Progress packets grow the duration by one ptime per tick; the final packet carries the end
    bit and is sent three times (RFC 4733 2.5.1.4), once on each of three consecutive ticks.
    """
    if digit.upper() not in EVENT_OF:
        raise ValueError(f"not a DTMF digit: {digit!r} (use 0-9, *, #, A-D)")
    event = EVENT_OF[digit.upper()]
    step = 8 * ptime_ms
    ticks = max(1, -(-duration_ms // ptime_ms))
    out: list[DtmfTick] = []
    for k in range(1, ticks):
        out.append(
            DtmfTick((event_payload(event, end=False, duration=k * step, volume=volume),), k == 1)
        )
    final = event_payload(event, end=True, duration=ticks * step, volume=volume)
    out += [DtmfTick((final,), ticks == 1 and i == 0) for i in range(3)]
    return out
