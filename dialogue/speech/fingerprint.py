"""Recorded announcements found in a call's audio: spectral templates aligned by DTW (numpy).

A carrier's recorded announcement (关机, 空号, 停机, 不在服务区, 呼叫受限) is the same
words every time, but a carrier may play it a little faster or slower than the copy in
the library, over a noisy line and through G.711. So each library recording becomes a
*template*: its frames' spectral shape (log mel bands, mean removed) and loudness
relative to its loudest frame. The call's audio is turned into the same features frame
by frame, and every template is aligned to it by subsequence dynamic time warping
(open start and end in the call; each template frame is matched once, the call may run
at half to twice the template's rate). A template's cost at a call frame is the mean
feature distance along its best alignment ending there.

Announcements that share words ("您好，您拨打的电话已…") differ in a syllable (停机 and
关机): the whole template must match, so the shared words do not decide, and one that is
still being matched (a longer template whose prefix is as good) holds the verdict back.

All audio is taken at 8 kHz (the telephone rate); other rates are resampled first.
Pure: arrays in, costs out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soxr

RATE = 8000
WIN = 256  # 32 ms analysis window
HOP = 160  # 20 ms per frame (one listener block)
FRAME_S = HOP / RATE
BANDS = 20  # mel bands, 200 Hz .. 3.4 kHz
_FLOOR = 2.5  # bands more than 25 dB below the loudest frame are floored there
_LOUD_FLOOR = 2.0  # loudness is kept down to 20 dB below the loudest frame ...
_LOUD_WEIGHT = 2.0  # ... and weighs like this many bands
_VOICED = 3.0  # a template is cut to its frames within 30 dB of its loudest
_INF = np.float32(np.inf)

Floats = npt.NDArray[np.float32]


def to_rate(pcm16: bytes | npt.NDArray[np.int16], sample_rate: int) -> Floats:
    """Mono PCM16 as float samples at 8 kHz."""
    x = np.frombuffer(pcm16, dtype=np.int16) if isinstance(pcm16, bytes) else pcm16
    y = x.astype(np.float32) / 32768.0
    if sample_rate != RATE and y.size:
        y = soxr.resample(y, sample_rate, RATE).astype(np.float32)
    return y


def _mel_bank() -> Floats:
    hz = np.fft.rfftfreq(WIN, 1 / RATE)
    mel = 2595 * np.log10(1 + np.array([200.0, 3400.0]) / 700)
    edges = 700 * (10 ** (np.linspace(mel[0], mel[1], BANDS + 2) / 2595) - 1)
    bank = np.zeros((BANDS, hz.size), np.float32)
    for k in range(BANDS):
        lo, mid, hi = edges[k : k + 3]
        bank[k] = np.clip(np.minimum((hz - lo) / (mid - lo), (hi - hz) / (hi - mid)), 0, None)
    return bank


_BANK = _mel_bank()
_WINDOW = np.hanning(WIN).astype(np.float32)


def log_mel(samples: Floats) -> Floats:
    """Log10 mel band powers (frames x ``BANDS``), one frame per ``HOP`` samples."""
    if samples.size < WIN:
        return np.zeros((0, BANDS), np.float32)
    n = 1 + (samples.size - WIN) // HOP
    idx = np.arange(WIN)[None, :] + HOP * np.arange(n)[:, None]
    power = np.abs(np.fft.rfft(samples[idx] * _WINDOW, axis=1)) ** 2
    out: Floats = np.log10(power @ _BANK.T + 1e-9).astype(np.float32)
    return out


def features(bands: Floats, peak: Floats) -> Floats:
    """Each frame's spectral shape and loudness, relative to ``peak`` (the loudest frame's
    mean log power, per frame: a live call knows only the frames so far)."""
    level = bands.mean(axis=1)
    floored = np.maximum(bands, (peak - _FLOOR)[:, None])
    shape = floored - floored.mean(axis=1, keepdims=True)
    loud = _LOUD_WEIGHT * np.clip(level - peak, -_LOUD_FLOOR, 0.0)[:, None]
    return np.concatenate([shape, loud], axis=1).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Fingerprint:
    """One recording's template: its voiced frames' features."""

    name: str
    outcome: str
    label: str
    frames: Floats

    @classmethod
    def of(cls, name: str, outcome: str, label: str, samples: Floats) -> Fingerprint:
        bands = log_mel(samples)
        if not len(bands):
            raise ValueError(f"{name}: too short for a template")
        level = bands.mean(axis=1)
        peak = float(level.max())
        voiced = np.flatnonzero(level > peak - _VOICED)
        f = features(bands, np.full(len(bands), peak, np.float32))
        return cls(name, outcome, label, f[voiced[0] : voiced[-1] + 1])

    @property
    def size(self) -> int:
        return len(self.frames)


class Aligner:
    """Every template aligned to a growing call by subsequence DTW, one frame at a time.

    Steps into template frame i at call frame j: from (i-1, j-1), (i-2, j-1) (a template
    frame skipped, its cost counted twice) or (i-1, j-2) (a call frame skipped); a
    template may start at any call frame. ``ends`` is each template's mean cost along its
    best alignment ending at the latest frame; ``partial`` the best mean cost of an
    alignment ending there that has covered at least ``partial_share`` of the template,
    ``most`` one that has covered at least ``most_share``.
    """

    def __init__(
        self,
        library: Sequence[Fingerprint],
        partial_share: float = 0.25,
        most_share: float = 0.45,
    ) -> None:
        self.library = list(library)
        sizes = np.array([e.size for e in self.library], np.int64)
        self._t = np.concatenate([e.frames for e in self.library]).astype(np.float32)
        self._t2 = (self._t**2).sum(axis=1)
        self._starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self._ends = self._starts + sizes - 1
        self._sizes = sizes.astype(np.float32)
        n = len(self._t)
        self._first = self._starts
        self._second = self._starts[sizes > 1] + 1
        # which template each frame belongs to, and 1 / (frames covered) at each
        self._owner = np.repeat(np.arange(len(sizes)), sizes)
        pos = np.arange(n) - self._starts[self._owner]
        self._per = (1.0 / (pos + 1)).astype(np.float32)
        self._counts = pos >= np.ceil(partial_share * sizes[self._owner]) - 1
        self._most = pos >= np.ceil(most_share * sizes[self._owner]) - 1
        self._d1 = np.full(n, _INF, np.float32)  # costs at the previous call frame
        self._d2 = np.full(n, _INF, np.float32)  # and the one before
        self.ends = np.full(len(sizes), _INF, np.float32)
        self.partial = np.full(len(sizes), _INF, np.float32)
        self.most = np.full(len(sizes), _INF, np.float32)

    def step(self, frame: Floats) -> None:
        q = frame.astype(np.float32)
        c = np.sqrt(np.maximum(self._t2 - 2.0 * (self._t @ q) + float(q @ q), 0.0))
        d1, d2 = self._d1, self._d2
        d = np.empty_like(d1)
        d[0] = _INF
        d[1:] = np.minimum(d1[:-1], d2[:-1])
        d += c
        skip = np.full_like(d1, _INF)
        skip[2:] = d1[:-2] + 2.0 * c[2:]
        np.minimum(d, skip, out=d)
        d[self._first] = c[self._first]
        d[self._second] = np.minimum(d[self._second], 2.0 * c[self._second])
        self._d2, self._d1 = d1, d
        self.ends = d[self._ends] / self._sizes
        mean = d * self._per
        self.partial = np.minimum.reduceat(np.where(self._counts, mean, _INF), self._starts)
        self.most = np.minimum.reduceat(np.where(self._most, mean, _INF), self._starts)
