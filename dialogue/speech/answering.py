"""Who or what answered a call, told from its first audio: the interface.

A call's audio before the bot speaks (a SIP trunk's early media before answer, and the
first moments after answer on every carrier) is fed to an ``AnswerListener`` frame by
frame. It returns a ``Verdict`` once it can tell a person from a voicemail greeting, a
special-information tone or a carrier's recorded announcement (关机, 空号, 停机,
不在服务区, 呼叫受限), and None until then. The carrier transports feed it; the outcome
it names is recorded on the attempt, so a machine is never taken for a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np

from dialogue.speech.fingerprint import (
    HOP,
    RATE,
    WIN,
    Aligner,
    Fingerprint,
    Floats,
    features,
    log_mel,
    to_rate,
)
from dialogue.speech.tones import BLOCK, BLOCK_S, WINDOW, ToneTracker, analyse

AnswerKind = Literal["human", "voicemail", "sit", "announcement"]


@dataclass(frozen=True)
class Verdict:
    kind: AnswerKind
    outcome: str | None = None  # the dialer's outcome for a machine (e.g. "powered_off")
    label: str = ""  # what was recognised, for the record (e.g. an announcement's name)
    confidence: float = 1.0
    at_s: float = 0.0  # seconds of audio heard when the verdict was reached


class AnswerListener(Protocol):
    def feed(self, pcm16: bytes, sample_rate: int) -> Verdict | None:
        """More audio (mono PCM16); a verdict once there is one, else None."""
        ...


# -- the listener ----------------------------------------------------------------------

# What each announcement means for the dialer (an attempt outcome with its own retry rule).
ANNOUNCEMENT_OUTCOMES = ("powered_off", "invalid", "suspended", "out_of_area", "restricted")


@dataclass(frozen=True)
class ListenerSettings:
    human_max_s: float = 2.0  # a person's first words ("喂?") are short ...
    human_pause_s: float = 0.7  # ... and followed by a pause waiting for the caller
    silence_human_s: float = 1.5  # nothing heard at all: a person listening
    human_wait_s: float = 2.0  # a longer first utterance, then this long with no beep
    max_cost: float = 3.0  # an announcement's template aligned at most this far ...
    min_ratio: float = 1.08  # ... and the other outcomes' this much worse
    early_ratio: float = 1.2  # before its end: the part heard this much better than any other
    max_s: float = 12.0  # listening ends here; a long greeting without a beep is a machine
    # ... unless an announcement is still being matched: then until the library's longest
    # template, spoken this much slower than it was recorded, has had time to end
    slower: float = 1.3


@dataclass
class AudioAnswerListener:
    """Tells a person from a voicemail box, SIT or a recorded announcement by ear.

    Verdicts, in the order they can be reached: SIT (three tones) and a voicemail beep
    at once; a library announcement when its template aligns (``max_cost``) clearly better
    than every other outcome's (``min_ratio``), none of which is still being matched; while
    one is, no person is heard (for as long as the library's longest template takes, spoken
    ``slower``); a person after a short first utterance and a pause, or after silence; at
    ``max_s`` a greeting that never paused like a person is a voicemail box.
    """

    library: Sequence[Fingerprint] = ()
    settings: ListenerSettings = field(default_factory=ListenerSettings)
    _samples: list[Floats] = field(default_factory=list, init=False)
    _n: int = field(default=0, init=False)
    _tail: Floats = field(default_factory=lambda: np.zeros(0, np.float32), init=False)
    _hist: Floats = field(default_factory=lambda: np.zeros(0, np.float32), init=False)
    _tones: ToneTracker = field(default_factory=ToneTracker, init=False)
    _blocks: int = field(default=0, init=False)
    _speech_start: float | None = field(default=None, init=False)
    _last_voice: float | None = field(default=None, init=False)
    _aligner: Aligner | None = field(default=None, init=False)
    _best: Floats | None = field(default=None, init=False)  # each template's best cost yet
    _peak: float = field(default=-np.inf, init=False)
    _pending: bool = field(default=False, init=False)  # an announcement is being matched
    verdict: Verdict | None = field(default=None, init=False)

    @property
    def heard_s(self) -> float:
        return self._n / RATE

    def feed(self, pcm16: bytes, sample_rate: int) -> Verdict | None:
        if self.verdict is not None:
            return self.verdict
        x = to_rate(pcm16, sample_rate)
        self._samples.append(x)
        self._n += x.size
        buf = np.concatenate([self._tail, x])
        while buf.size >= BLOCK:
            self._block(buf[:BLOCK])
            buf = buf[BLOCK:]
            if self.verdict is not None:
                return self.verdict
        self._tail = buf
        self.verdict = self._decide()
        return self.verdict

    def _block(self, block: Floats) -> None:
        at = self._blocks * BLOCK_S
        self._blocks += 1
        self._hist = np.concatenate([self._hist, block])[-max(WINDOW, WIN) :]
        if self.library and self._hist.size >= WIN:
            self._align(self._hist[-WIN:])
        b = analyse(self._hist[-WINDOW:])
        self._tones.block(b, at)
        if b.tone_hz is None and b.dbfs >= -38.0:
            if self._speech_start is None:
                self._speech_start = at
            self._last_voice = at + BLOCK_S

    def _decide(self) -> Verdict | None:
        s, now = self.settings, self._blocks * BLOCK_S
        sit = self._tones.sit()
        if sit is not None:
            return Verdict("sit", "sit", "SIT", 0.95, now)
        beep = self._tones.beep()
        if beep is not None:
            return Verdict("voicemail", "voicemail", "beep", 0.9, now)
        if self.library and self._speech_start is not None:
            m = self._match()
            if m is not None:
                e = m.entry
                conf = min(1.0, 0.5 + (m.runner_up - m.cost) / m.runner_up)
                return Verdict("announcement", e.outcome, e.label or e.name, conf, now)
            if self._pending and now < max(s.max_s, self._longest_s() * s.slower):
                return None
        if self._speech_start is None:
            if now >= s.silence_human_s:
                return Verdict("human", None, "silence", 0.6, now)
            return None
        assert self._last_voice is not None
        talked = self._last_voice - self._speech_start
        paused = now - self._last_voice
        if paused >= s.human_pause_s and talked <= s.human_max_s:
            return Verdict("human", None, "short greeting", 0.8, now)
        if paused >= s.human_wait_s:  # spoke at length, then waited: no beep came
            return Verdict("human", None, "waited after speaking", 0.6, now)
        if now >= s.max_s:
            if talked > s.human_max_s:
                return Verdict("voicemail", "voicemail", "long greeting", 0.6, now)
            return Verdict("human", None, "no machine heard", 0.5, now)
        return None

    def _longest_s(self) -> float:
        return max((e.size for e in self.library), default=0) * HOP / RATE

    @property
    def limit_s(self) -> float:
        """Audio after which this listener has always given its verdict (a caller's own
        time limit must not be shorter, or a slow announcement is taken for a person)."""
        return max(self.settings.max_s, self._longest_s() * self.settings.slower) + BLOCK_S

    def _align(self, window: Floats) -> None:
        if self._aligner is None:
            self._aligner = Aligner(self.library)
            self._best = np.full(len(self.library), np.inf, np.float32)
        bands = log_mel(window)
        self._peak = max(self._peak, float(bands.mean()))
        self._aligner.step(features(bands, np.full(1, self._peak, np.float32))[0])
        assert self._best is not None
        np.minimum(self._best, self._aligner.ends, out=self._best)

    def _match(self) -> Match | None:
        """The announcement heard, once no other outcome can still be it: its whole
        template aligned (``max_cost``), every other outcome's clearly worse
        (``min_ratio``) and none better so far; or, before its end, the part heard so far
        far better than any other outcome's (``early_ratio``)."""
        if self._aligner is None or self._best is None:
            return None
        s = self.settings
        done: dict[str, tuple[float, int]] = {}
        going: dict[str, tuple[float, int]] = {}
        for k, e in enumerate(self.library):
            for table, cost in (
                (done, float(self._best[k])),
                (going, float(self._aligner.partial[k])),
            ):
                if e.outcome not in table or cost < table[e.outcome][0]:
                    table[e.outcome] = (cost, k)
        self._pending = (
            min(min(v[0] for v in done.values()), min(v[0] for v in going.values())) <= s.max_cost
        )
        for outcome, (cost, k) in done.items():
            if cost > s.max_cost:
                continue
            rival = min((v[0] for o, v in done.items() if o != outcome), default=np.inf)
            ahead = min((v[0] for o, v in going.items() if o != outcome), default=np.inf)
            if rival >= s.min_ratio * cost and ahead >= cost:
                return Match(self.library[k], cost, rival)
        for k, e in enumerate(self.library):
            cost, outcome = float(self._aligner.most[k]), e.outcome
            if cost > s.max_cost:
                continue
            rival = min(
                (min(done[o][0], going[o][0]) for o in going if o != outcome), default=np.inf
            )
            if rival >= s.early_ratio * cost:
                return Match(self.library[k], cost, rival)
        return None


@dataclass(frozen=True)
class Match:
    entry: Fingerprint
    cost: float  # its template's mean alignment cost
    runner_up: float  # the best other outcome's (finished or under way)
