"""Tones in a call's first audio: a voicemail beep and special-information tones (pure).

The audio is cut into 20 ms blocks at 8 kHz. A block is *tonal* when one narrow band
holds most of its energy; consecutive tonal blocks at the same frequency form a run.

- A **beep** (a voicemail box ready to record) is one sustained tone, 400-2100 Hz, of
  at least ``BEEP_MIN_S`` (longer than any SIT segment, so the two are never confused).
- **SIT** (ITU-T E.180 special information tones: the network's "this call cannot be
  completed") is three rising tones, about 913.8 or 985.2 Hz, then 1370.6 or 1428.5 Hz,
  then 1776.7 Hz, each 274 or 380 ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

RATE = 8000
BLOCK = 160  # 20 ms
BLOCK_S = BLOCK / RATE
WINDOW = 256  # analysis window (32 ms) ending at each block
_NFFT = 2048  # zero-padded: about 3.9 Hz per bin
_TONAL_SHARE = 0.6  # share of the block's energy within +-20 Hz of its peak
_SAME_HZ = 30.0
_MIN_DBFS = -45.0
BEEP_MIN_S = 0.42
BEEP_BAND = (400.0, 2100.0)
SIT_TONES = ((913.8, 985.2), (1370.6, 1428.5), (1776.7,))
SIT_MIN_S = 0.2
SIT_MAX_GAP_S = 0.12


@dataclass(frozen=True)
class Block:
    dbfs: float
    tone_hz: float | None  # the block's tone, if it is tonal


def analyse(window: npt.NDArray[np.float32]) -> Block:
    """One block's level and tone (``window``: the last ``WINDOW`` samples, -1..1)."""
    rms = float(np.sqrt(np.mean(window.astype(np.float64) ** 2))) if window.size else 0.0
    dbfs = 20.0 * np.log10(rms + 1e-9)
    if dbfs < _MIN_DBFS:
        return Block(dbfs, None)
    spec = np.abs(np.fft.rfft(window * np.hanning(window.size), _NFFT)) ** 2
    peak = int(np.argmax(spec))
    width = int(20.0 / (RATE / _NFFT))
    share = float(spec[max(peak - width, 0) : peak + width + 1].sum() / (spec.sum() + 1e-12))
    hz = peak * RATE / _NFFT
    return Block(dbfs, hz if share >= _TONAL_SHARE else None)


@dataclass
class Run:
    hz: float
    start_s: float
    length_s: float = 0.0

    @property
    def end_s(self) -> float:
        return self.start_s + self.length_s


def _near(hz: float, choices: tuple[float, ...]) -> bool:
    return any(abs(hz - c) <= _SAME_HZ for c in choices)


@dataclass
class ToneTracker:
    """Runs of tones so far; ``beep`` / ``sit`` say when one was heard (seconds)."""

    runs: list[Run] = field(default_factory=list)
    _open: Run | None = None

    def block(self, b: Block, at_s: float) -> None:
        if b.tone_hz is not None and self._open and abs(b.tone_hz - self._open.hz) <= _SAME_HZ:
            self._open.length_s += BLOCK_S
            return
        if self._open is not None:
            self.runs.append(self._open)
            self._open = None
        if b.tone_hz is not None:
            self._open = Run(b.tone_hz, at_s, BLOCK_S)

    def _all(self) -> list[Run]:
        return [*self.runs, *([self._open] if self._open else [])]

    def beep(self) -> Run | None:
        for r in self._all():
            if r.length_s >= BEEP_MIN_S and BEEP_BAND[0] <= r.hz <= BEEP_BAND[1]:
                return r
        return None

    def sit(self) -> Run | None:
        """The third tone of a SIT sequence, once it has lasted long enough."""
        runs = [r for r in self._all() if r.length_s >= SIT_MIN_S - 1e-9]
        for i in range(len(runs) - 2):
            a, b, c = runs[i : i + 3]
            if not all(_near(r.hz, t) for r, t in zip((a, b, c), SIT_TONES, strict=True)):
                continue
            if b.start_s - a.end_s <= SIT_MAX_GAP_S and c.start_s - b.end_s <= SIT_MAX_GAP_S:
                return c
        return None
