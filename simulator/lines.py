"""Line behaviours: what happens when the simulated carrier dials a number.

A ``LinePlan`` maps a dialled number to a ``LineBehaviour`` (pure data); tests, personas
and the CLI choose the plan. What the far end does once the media stream is open is a
``Callee`` (``simulator.callees``, ``simulator.customer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from simulator.media import MediaSession
    from simulator.sidechannel import SimSideChannel
    from simulator.tts import SpeechRenderer


@dataclass(frozen=True)
class CallContext:
    """What a callee may use besides the media stream."""

    call_sid: str
    to: str
    from_: str
    renderer: SpeechRenderer
    side_channel: SimSideChannel | None
    seed: int
    call_key: str = ""  # stable across runs (the nth call to the number): seeds choices


class Callee(Protocol):
    """The far end of an answered (or early-media) call."""

    async def run(self, session: MediaSession, ctx: CallContext) -> None:
        """Act on the open stream; returning means the far end hangs up."""
        ...


@runtime_checkable
class SideChannelCallee(Protocol):
    """A far end that talks to the bot only over the simulator-only side channel (text
    mode): the carrier opens no media stream for it and holds the answered call until the
    API hangs up or ``converse`` returns (the customer hangs up)."""

    async def converse(self, ctx: CallContext, parameters: Mapping[str, str]) -> None:
        """``parameters``: the stream's custom parameters from the call's TwiML."""
        ...


UnreachableKind = Literal["powered_off", "invalid", "out_of_service", "out_of_area", "restricted"]
# SIP codes a Chinese carrier ends such calls with (reported as SipResponseCode).
UNREACHABLE_SIP = {
    "powered_off": 480,
    "invalid": 404,
    "out_of_service": 403,
    "out_of_area": 503,
    "restricted": 403,
}


@dataclass(frozen=True)
class Answer:
    """Rings for ``ring_s`` then a person (or ``callee``) answers."""

    ring_s: float = 4.0
    # None: a customer who listens and says nothing; a SideChannelCallee: text mode
    callee: Callee | SideChannelCallee | None = None
    answered_by: Literal["human", "machine_start"] = "human"


@dataclass(frozen=True)
class AnswerWithoutMedia:
    """Rings for ``ring_s``, a person answers and hangs up after ``talk_s``; the carrier
    opens no media stream (the call's TwiML is not run). For call-control runs (dialer,
    chaos tests) that have no media endpoint behind the call."""

    ring_s: float = 4.0
    talk_s: float = 30.0
    answered_by: Literal["human", "machine_start"] = "human"


@dataclass(frozen=True)
class Voicemail:
    """Rings, then a voicemail box answers: greeting, beep, records until the bot hangs up."""

    ring_s: float = 12.0
    language: str = "zh-CN"
    max_message_s: float = 30.0


@dataclass(frozen=True)
class Busy:
    after_s: float = 2.0


@dataclass(frozen=True)
class NoAnswer:
    """Rings until the caller's ``Timeout`` runs out."""


@dataclass(frozen=True)
class Unreachable:
    """The network plays an announcement (early media) and the call fails."""

    kind: UnreachableKind = "powered_off"
    repeats: int = 1


@dataclass(frozen=True)
class Failed:
    sip_code: int = 503
    after_s: float = 1.0


LineBehaviour = Answer | AnswerWithoutMedia | Voicemail | Busy | NoAnswer | Unreachable | Failed


class LinePlan(Protocol):
    def behaviour_for(self, number: str, now: datetime) -> LineBehaviour:
        """How the line at ``number`` behaves for a call placed at ``now``."""
        ...


@dataclass
class StaticLinePlan:
    """Fixed behaviours per number; everything else gets ``default``."""

    default: LineBehaviour = field(default_factory=Answer)
    numbers: dict[str, LineBehaviour] = field(default_factory=dict)

    def set(self, number: str, behaviour: LineBehaviour) -> None:
        self.numbers[number] = behaviour

    def behaviour_for(self, number: str, now: datetime) -> LineBehaviour:
        return self.numbers.get(number, self.default)
