"""The brain of a call a machine answered: the script is never read to it.

When the carrier (answering-machine detection) or the call's first audio
(``dialogue.speech.answering``) says a voicemail box or a recorded announcement answered,
the call gets this brain instead of the script's: it leaves the campaign's configured
message (if any, not interruptible) and hangs up. Pure: events in, actions out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogue.engine import EndCall, Say

STATE = "answered_by_machine"
DISPOSITION = "machine"


@dataclass
class MachineBrain:
    message: str = ""  # what to leave on a voicemail box; empty: hang up at once
    # False: stay silent and let the network end the call (a recorded announcement on
    # early media, before any answer: hanging up would read as the caller giving up)
    hang_up: bool = True
    _ended: bool = False
    disposition: str | None = None

    def start(self) -> Sequence[object]:
        said: list[object] = [Say(self.message, "machine.message", False)] if self.message else []
        self.disposition = DISPOSITION
        if not self.hang_up:
            return said
        self._ended = True
        return [*said, EndCall(DISPOSITION)]

    def handle(self, event: object) -> Sequence[object]:
        return []  # a machine's greeting, beep or silence changes nothing

    @property
    def state(self) -> str:
        return STATE

    @property
    def ended(self) -> bool:
        return self._ended
