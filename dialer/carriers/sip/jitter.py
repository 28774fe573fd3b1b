"""A low-latency receive jitter buffer: reorder by sequence number, report losses (pure).

In-order packets leave at once (no added delay). A missing packet is waited for until
``depth`` later packets have arrived; then it is declared lost and the caller fills it.
"""

from __future__ import annotations

from dataclasses import dataclass

_SEQ_MOD = 1 << 16


def seq_delta(a: int, b: int) -> int:
    """``a - b`` for 16-bit sequence numbers, in -32768..32767."""
    d = (a - b) % _SEQ_MOD
    return d - _SEQ_MOD if d >= _SEQ_MOD // 2 else d


@dataclass(frozen=True)
class Slot:
    """One packet's place in the stream: its payload, or ``None`` when it was lost."""

    seq: int
    timestamp: int
    payload: bytes | None
    media: bool = True


@dataclass
class JitterStats:
    received: int = 0
    lost: int = 0
    late: int = 0
    duplicate: int = 0
    resets: int = 0


class JitterBuffer:
    """Orders packets of one RTP stream; ``push`` returns what may be played now."""

    def __init__(self, depth: int = 1, max_jump: int = 100) -> None:
        if depth < 0:
            raise ValueError("depth must be >= 0")
        self.depth = depth
        self.max_jump = max_jump
        self.stats = JitterStats()
        self._expected: int | None = None
        self._held: dict[int, Slot] = {}

    def push(self, seq: int, timestamp: int, payload: bytes, *, media: bool = True) -> list[Slot]:
        """Add a packet; ``media=False`` marks a sequence number used by a non-audio packet."""
        self.stats.received += 1
        out: list[Slot] = []
        if self._expected is None:
            self._expected = seq
        ahead = seq_delta(seq, self._expected)
        if ahead < 0:
            if ahead < -self.max_jump:
                out += self._reset(seq)
            else:
                self.stats.late += 1
                return out
        elif ahead > self.max_jump:
            out += self._reset(seq)
        if seq in self._held:
            self.stats.duplicate += 1
            return out
        self._held[seq] = Slot(seq, timestamp, payload, media)
        out += self._release()
        return out

    def flush(self) -> list[Slot]:
        """Everything still held, in order, with losses marked (the stream ended)."""
        out: list[Slot] = []
        while self._held:
            out += self._release(force=True)
        return out

    def _reset(self, seq: int) -> list[Slot]:
        out = self.flush()
        self.stats.resets += 1
        self._expected = seq
        return out

    def _release(self, *, force: bool = False) -> list[Slot]:
        out: list[Slot] = []
        assert self._expected is not None
        while self._held:
            slot = self._held.pop(self._expected, None)
            if slot is None:
                furthest = max(seq_delta(s, self._expected) for s in self._held)
                if furthest <= self.depth and not force:
                    break
                slot = Slot(self._expected, -1, None)
                self.stats.lost += 1
            out.append(slot)
            self._expected = (self._expected + 1) % _SEQ_MOD
        return out
