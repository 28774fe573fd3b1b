"""Developer test lines: a number's last two digits choose how the simulated line behaves.

``tailcall simulator serve`` answers other numbers with its default customer; numbers
ending 01..10 are busy, unanswered, powered off, invalid, out of service, voicemail, a
hang-up mid-call, a long silence, a barge-in, or a failed call, like a carrier's magic
numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from simulator import callees
from simulator.lines import (
    Answer,
    Busy,
    Failed,
    LineBehaviour,
    NoAnswer,
    Unreachable,
    Voicemail,
)

# Developer test numbers by their last two digits (like a carrier's magic numbers).
MAGIC_SUFFIXES: Mapping[str, str] = {
    "01": "busy",
    "02": "no_answer",
    "03": "powered_off",
    "04": "invalid",
    "05": "out_of_service",
    "06": "voicemail",
    "07": "hangs_up_mid_call",
    "08": "long_silence",
    "09": "barge_in",
    "10": "failed",
}


@dataclass
class MagicNumberPlan:
    """Behaviour chosen by the number's last two digits (``MAGIC_SUFFIXES``);
    other numbers get ``default`` (an answering customer)."""

    default: LineBehaviour = field(default_factory=Answer)
    language: str = "zh-CN"

    def behaviour_for(self, number: str, now: datetime) -> LineBehaviour:
        name = MAGIC_SUFFIXES.get(number[-2:]) if len(number) >= 2 else None
        match name:
            case "busy":
                return Busy()
            case "no_answer":
                return NoAnswer()
            case "powered_off" | "invalid" | "out_of_service":
                return Unreachable(kind=name)
            case "voicemail":
                return Voicemail(language=self.language)
            case "hangs_up_mid_call":
                return Answer(callee=callees.hangs_up_after(8.0, language=self.language))
            case "long_silence":
                return Answer(callee=callees.silent(60.0))
            case "barge_in":
                return Answer(callee=callees.barges_in(language=self.language))
            case "failed":
                return Failed()
            case _:
                return self.default
