"""Who or what answered a call, told from its first audio: the interface.

A call's audio before the bot speaks (a SIP trunk's early media before answer, and the
first moments after answer on every carrier) is fed to an ``AnswerListener`` frame by
frame. It returns a ``Verdict`` once it can tell a person from a voicemail greeting, a
special-information tone or a carrier's recorded announcement (关机, 空号, 停机,
不在服务区, 呼叫受限), and None until then. The carrier transports feed it; the outcome
it names is recorded on the attempt, so a machine is never taken for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

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
