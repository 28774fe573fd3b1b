"""Audio fingerprints of recorded announcements: spectral-peak landmark hashes (numpy).

A carrier's recorded announcement (关机, 空号, 停机, 不在服务区, 呼叫受限) is the same
recording every time, so it is recognised the way a song is: the strongest peaks of its
spectrogram are paired (anchor peak, a later peak close in time), and each pair's
(frequency, frequency, time gap) is a hash. A call's first seconds match a library entry
when many of their hashes agree with one entry at a consistent time offset.

Frequencies and gaps are quantised coarsely, and the offsets are voted in wide bins, so
a copy that is a little faster or slower, noisier or through G.711 still matches. All
audio is taken at 8 kHz (the telephone rate); other rates are resampled first.
Pure: arrays in, hashes and scores out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import soxr
from scipy.ndimage import maximum_filter

RATE = 8000
N_FFT = 512  # 64 ms
HOP = 128  # 16 ms per spectrogram frame
FRAME_S = HOP / RATE
_LOW_BIN, _HIGH_BIN = 6, 220  # about 94 Hz .. 3.4 kHz: the telephone band
_PEAK_SIZE = (9, 15)  # frames x bins of the local-maximum neighbourhood
_PEAK_FLOOR_DB = 25.0  # peaks this far below the loudest are noise
_FAN_OUT = 6  # pairs per anchor
_DT_MIN, _DT_MAX = 1, 24  # target zone in frames after the anchor
_FREQ_Q = 4  # bins per hash frequency step (62.5 Hz)
_DT_Q = 3  # frames per hash gap step
_OFFSET_BIN = 6  # frames per vote bin (about 0.1 s)

Floats = npt.NDArray[np.float32]
Landmark = tuple[int, int]  # (hash, frame)


def to_rate(pcm16: bytes | npt.NDArray[np.int16], sample_rate: int) -> Floats:
    """Mono PCM16 as float samples at 8 kHz."""
    x = np.frombuffer(pcm16, dtype=np.int16) if isinstance(pcm16, bytes) else pcm16
    y = x.astype(np.float32) / 32768.0
    if sample_rate != RATE and y.size:
        y = soxr.resample(y, sample_rate, RATE).astype(np.float32)
    return y


def spectrogram_db(samples: Floats) -> Floats:
    """Log-magnitude spectrogram (frames x bins) of 8 kHz samples."""
    if samples.size < N_FFT:
        return np.zeros((0, N_FFT // 2 + 1), dtype=np.float32)
    n = 1 + (samples.size - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n)[:, None]
    frames = samples[idx] * np.hanning(N_FFT).astype(np.float32)
    mag = np.abs(np.fft.rfft(frames, axis=1))
    return (20.0 * np.log10(mag + 1e-6)).astype(np.float32)


def peaks(spec: Floats) -> list[tuple[int, int]]:
    """(frame, bin) of the spectrogram's local maxima in the telephone band."""
    if spec.size == 0:
        return []
    band = spec[:, _LOW_BIN:_HIGH_BIN]
    local = maximum_filter(band, size=_PEAK_SIZE, mode="constant", cval=-200.0)
    floor = float(band.max()) - _PEAK_FLOOR_DB
    t, f = np.nonzero((band == local) & (band > floor))
    order = np.lexsort((f, t))
    return [(int(t[i]), int(f[i]) + _LOW_BIN) for i in order]


def landmarks(samples: Floats) -> list[Landmark]:
    """The landmark hashes of 8 kHz samples, each with its anchor's frame."""
    pts = peaks(spectrogram_db(samples))
    out: list[Landmark] = []
    for i, (t1, f1) in enumerate(pts):
        paired = 0
        for t2, f2 in pts[i + 1 :]:
            dt = t2 - t1
            if dt < _DT_MIN:
                continue
            if dt > _DT_MAX or paired >= _FAN_OUT:
                break
            h = ((f1 // _FREQ_Q) << 14) | ((f2 // _FREQ_Q) << 6) | min(dt // _DT_Q, 63)
            out.append((h, t1))
            paired += 1
    return out


@dataclass
class Fingerprint:
    """One recording's hashes, indexed for look-up."""

    name: str
    outcome: str
    label: str
    frames: int
    index: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, outcome: str, label: str, samples: Floats) -> Fingerprint:
        index: dict[int, list[int]] = defaultdict(list)
        for h, t in landmarks(samples):
            index[h].append(t)
        return cls(name, outcome, label, int(samples.size // HOP), dict(index))

    @property
    def size(self) -> int:
        return sum(len(v) for v in self.index.values())


@dataclass(frozen=True)
class Match:
    entry: Fingerprint
    votes: int  # hashes agreeing at the best offset
    runner_up: int  # the best other entry's votes


def shared_hashes(entries: Iterable[Fingerprint], share: float = 0.5) -> frozenset[int]:
    """Hashes found in more than ``share`` of the outcomes (at least two): the words
    announcements share ("您好，您拨打的电话...") tell them apart from speech but not from
    each other. (A hash in just two is more often a chance collision, and is kept.)"""
    owners: dict[int, set[str]] = defaultdict(set)
    for e in entries:
        for h in e.index:
            owners[h].add(e.outcome)
    n = len({o for os_ in owners.values() for o in os_})
    least = max(2, int(n * share) + 1)
    return frozenset(h for h, o in owners.items() if len(o) >= least)


def score(entry: Fingerprint, query: Sequence[Landmark], skip: frozenset[int] = frozenset()) -> int:
    """Votes of the query's hashes for their best consistent offset into ``entry``
    (``skip``: hashes that do not count)."""
    bins: dict[int, int] = defaultdict(int)
    for h, tq in query:
        if h in skip:
            continue
        for te in entry.index.get(h, ()):
            bins[(te - tq) // _OFFSET_BIN] += 1
    if not bins:
        return 0
    # a slower or faster copy spreads its votes over neighbouring bins
    return max(bins[b - 1] + bins[b] + bins[b + 1] for b in list(bins))


def best_match(
    entries: Sequence[Fingerprint], query: Sequence[Landmark], skip: frozenset[int] = frozenset()
) -> Match | None:
    """The entry the query agrees with most, with the runner-up's votes (None: empty)."""
    scored = sorted(((score(e, query, skip), i, e) for i, e in enumerate(entries)), reverse=True)
    if not scored:
        return None
    top_votes, _, top = scored[0]
    # a runner-up that is the same announcement (another name, same outcome) is no rival
    rivals = [v for v, _, e in scored[1:] if e.outcome != top.outcome]
    return Match(top, top_votes, rivals[0] if rivals else 0)
