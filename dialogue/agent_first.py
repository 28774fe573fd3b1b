"""The brain of an agent-first call back: the agent talks, the bot stays silent.

The console agent is connected the moment the customer answers (``tailcall.live_calls``),
so the bot says nothing and expects nothing; the call ends when either side hangs up, or
when the agent ends it. A hand back to the bot has no script to resume here, so it ends
the call politely (``closing``, if given). Pure: events in, actions out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dialogue.engine import AgentHandBack, CustomerHangup, EndCall, Say

STATE = "agent_call_back"


@dataclass
class AgentFirstBrain:
    closing: str = ""
    _ended: bool = False
    disposition: str | None = None

    def start(self) -> Sequence[object]:
        return []

    def handle(self, event: object) -> Sequence[object]:
        if self._ended:
            return []
        if isinstance(event, CustomerHangup):
            return self._end("customer_hangup", by_customer=True)
        if isinstance(event, AgentHandBack):
            said: list[object] = [Say(self.closing, "agent_first.closing", False)]
            return [*(said if self.closing else []), *self._end("agent_call_back")]
        return []  # speech, silence and keys are the agent's business

    def _end(self, disposition: str, *, by_customer: bool = False) -> list[object]:
        self._ended = True
        self.disposition = disposition
        return [EndCall(disposition, by_customer=by_customer)]

    @property
    def state(self) -> str:
        return STATE

    @property
    def ended(self) -> bool:
        return self._ended
