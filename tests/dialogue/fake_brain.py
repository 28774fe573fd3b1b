"""A tiny script engine implementing the real interface (events in, actions out)."""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.brain import EngineEvents
from dialogue.engine import (
    CustomerHangup,
    Dtmf,
    EndCall,
    ExpectPhrases,
    NoInput,
    Say,
    Transition,
    Utterance,
)

# The fake brain speaks the real engine's events and actions.
FakeEvents = EngineEvents
__all__ = ["CustomerHangup", "Dtmf", "FakeEvents", "NoInput", "Utterance"]


GREETING = "안녕하세요 고객님 신한은행입니다 본인 맞으세요"
DISCLOSURE = "이 통화는 품질 향상을 위해 녹음됩니다 상품 안내를 들어 보시겠어요"
BYE = "감사합니다 좋은 하루 되세요"
REPROMPT = "잘 들리지 않았어요 다시 말씀해 주세요"

CONFIRM = ("네 맞습니다", "아니요")
INTEREST = ("관심 없어요", "다시 전화 주세요")


class FakeBrain:
    """greet --(네 맞습니다)--> offer --(관심 없어요/관심 있어요)--> end; two no-inputs end."""

    def __init__(
        self,
        no_input_s: float = 3.0,
        greeting_interruptible: bool = True,
        silent_on: str | None = None,
    ) -> None:
        self._state = "greet"
        self.silent_on = silent_on  # an utterance the brain answers with silence
        self._ended = False
        self.events: list[object] = []
        self.no_inputs = 0
        self.no_input_s = no_input_s
        self.greeting_interruptible = greeting_interruptible

    @property
    def state(self) -> str:
        return self._state

    @property
    def ended(self) -> bool:
        return self._ended

    def start(self) -> Sequence[object]:
        return [
            Say(GREETING, "greeting", self.greeting_interruptible),
            ExpectPhrases(CONFIRM, False, self.no_input_s),
        ]

    def handle(self, event: object) -> Sequence[object]:
        self.events.append(event)
        if isinstance(event, CustomerHangup):
            self._ended = True
            return []
        if isinstance(event, NoInput):
            self.no_inputs += 1
            if self.no_inputs >= 2:
                self._ended = True
                return [Say(BYE, "bye", True), EndCall("no_input")]
            return [
                Say(REPROMPT, "reprompt", True),
                ExpectPhrases(self._phrases(), False, self.no_input_s),
            ]
        if isinstance(event, Utterance):
            if event.text and event.text == self.silent_on:
                return [ExpectPhrases(self._phrases(), False, self.no_input_s)]
            if self._state == "greet" and event.text == "네 맞습니다":
                self._state = "offer"
                return [
                    Transition("greet", "offer", "confirm"),
                    Say(DISCLOSURE, "disclosure", False),
                    ExpectPhrases(INTEREST, False, self.no_input_s),
                ]
            if self._state == "offer" and event.text in INTEREST:
                self._ended = True
                disp = "callback" if event.text == "다시 전화 주세요" else "not_interested"
                return [Say(BYE, "bye", True), EndCall(disp)]
            return [
                Say(REPROMPT, "reprompt", True),
                ExpectPhrases(self._phrases(), False, self.no_input_s),
            ]
        return []

    def _phrases(self) -> tuple[str, ...]:
        return CONFIRM if self._state == "greet" else INTEREST
