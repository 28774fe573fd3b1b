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
    RATE,
    Fingerprint,
    Floats,
    Match,
    best_match,
    landmarks,
    shared_hashes,
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
    fingerprint_every_s: float = 0.25
    min_votes: int = 20  # hashes agreeing with one announcement at one offset ...
    min_ratio: float = 2.0  # ... and this many times the best other announcement's
    max_s: float = 12.0  # listening ends here; a long greeting without a beep is a machine


@dataclass
class AudioAnswerListener:
    """Tells a person from a voicemail box, SIT or a recorded announcement by ear.

    Verdicts, in the order they can be reached: SIT (three tones) and a voicemail beep
    at once; a library announcement when its fingerprint agrees (``min_votes`` and
    ``min_ratio``); a person after a short first utterance and a pause, or after silence;
    at ``max_s`` a greeting that never paused like a person is a voicemail box.
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
    _next_fp: float = field(default=0.0, init=False)
    _skip: frozenset[int] | None = field(default=None, init=False)
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
        self._hist = np.concatenate([self._hist, block])[-WINDOW:]
        b = analyse(self._hist)
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
        if self.library and now >= self._next_fp and self._speech_start is not None:
            self._next_fp = now + s.fingerprint_every_s
            m = self._match()
            if m is not None:
                e = m.entry
                conf = min(1.0, m.votes / (m.votes + m.runner_up + 1e-9))
                return Verdict("announcement", e.outcome, e.label or e.name, conf, now)
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

    def _match(self) -> Match | None:
        if self._skip is None:
            self._skip = shared_hashes(self.library)
        audio = np.concatenate(self._samples)[: int(self.settings.max_s * RATE)]
        m = best_match(self.library, landmarks(audio), self._skip)
        s = self.settings
        if m is None or m.votes < s.min_votes or m.votes < s.min_ratio * m.runner_up:
            return None
        return m
