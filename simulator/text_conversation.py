"""One answered text-mode call's conversation, stepped by whoever drives its time.

``TextConversation`` runs the real ``ScriptEngine`` and ``IntentScorer`` against a
persona's replies (``simulator.textcalls.TextCustomer``: simulated recognition errors) on
the call's own simulated timeline. Its ``steps()`` generator yields each handoff request
and takes back what the agents decided (``Handed``); the driver decides how that time
passes: ``simulator.textcall_runner`` waits for simulated agents on a compressed clock, the
dry run (``simulator.dry_run``) decides at once on virtual time. At the end ``result()``
is the call's ``CallResult``, as a live call's scoring gives it.
"""

from __future__ import annotations

import random
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dialogue.engine import (
    CustomerHangup,
    HandoffAccepted,
    HandoffDeclined,
    NoInput,
    Say,
    ScriptEngine,
    Utterance,
)
from dialogue.intent.labelled_calls import SpokenTurn
from dialogue.intent.live import CallResult, call_result, recognized_intent
from dialogue.intent.model import GradeThresholds, ScoringModel
from dialogue.intent.profile import CustomerProfile
from dialogue.intent.scorer import HandoffRequest, IntentScorer, ScoreUpdate
from kernel.vocab import HandoffResult
from scripts.schema import Script
from scripts.understanding import Understanding
from simulator.personas import PersonaPolicy
from simulator.report import RecognizedTurn
from simulator.report import SimulatedCall as SimOutcome
from simulator.spoken import spoken_replies
from simulator.textcalls import MAX_TURNS, TextCustomer

# The persona's intent vocabulary (simulator.personas.INTENTS) in the scripts' names.
SCRIPT_INTENT = {"yes": "agree", "no": "decline", "ask_how": "how_to", "ask_robot": "is_robot"}
SCRIPT_INTENT["busy_callback"] = "busy"


def expected_intent(persona_intent: str, script: Script) -> str | None:
    """The script intent a persona's reply means, or None when the script names none
    (``maybe``, ``hesitate``, ...): such replies are left out of recognition figures."""
    name = SCRIPT_INTENT.get(persona_intent, persona_intent)
    return name if name in script.intents or name in script.global_intents else None


@dataclass(frozen=True)
class Handed:
    """What became of a handoff request: the agents' result, the agent who took the call
    (None unless accepted), the seconds the alert rang and the seconds the agent talked."""

    result: HandoffResult
    agent_id: str | None
    wait_s: float
    talk_s: float = 0.0


@dataclass
class TextConversation:
    """The engine and the scorer of one call against one persona, on a simulated timeline."""

    script: Script
    customer: Mapping[str, Any]
    profile: CustomerProfile
    policy: PersonaPolicy
    model: ScoringModel
    thresholds: GradeThresholds
    rng: random.Random
    word_error_rate: float
    start: datetime  # the engine's "now" when the call is answered
    call_sid: str
    customer_id: int | None
    external_id: str
    language: str
    variant: str | None = None
    understanding: Understanding | None = None  # shared by a driver's calls of one script
    said: list[Say] = field(default_factory=list)
    heard: list[str | SpokenTurn | None] = field(default_factory=list)
    elapsed_s: float = 0.0
    silences: int = 0
    last: ScoreUpdate | None = None
    pending: HandoffRequest | None = None
    handoff_at: datetime | None = None
    handoff_result: HandoffResult | None = None
    out: SimOutcome = field(init=False)

    def __post_init__(self) -> None:
        self.engine = ScriptEngine(
            self.script,
            self.customer,
            variant=self.variant,
            clock_now=self.start,
            understanding=self.understanding,
        )
        self.scorer = IntentScorer(
            self.model,
            self.script,
            self.profile,
            self.thresholds,
            call_sid=self.call_sid,
            customer_id=self.customer_id,
        )
        persona = self.policy.persona
        self.out = SimOutcome(
            customer_id=self.external_id,
            persona_id=persona.id,
            true_grade=persona.grade,
            disposition="",
            answered=True,
            human=True,
        )

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.elapsed_s)

    def apply(
        self, event: object | None, actions: list[Any], *, barge_in: bool = False
    ) -> list[Any]:
        self.said.extend(a for a in actions if isinstance(a, Say))
        self.last = self.scorer.observe(
            self.engine, event, actions, at=self.now(), barge_in=barge_in
        )
        if self.last.handoff_request is not None and not self.engine.ended:
            self.pending = self.last.handoff_request
        return actions

    def steps(self) -> Generator[HandoffRequest, Handed, None]:
        """Run the call; each handoff request is yielded and the driver sends back what
        the agents did. Ends when the script ends or the customer hangs up."""
        engine = self.engine
        self.apply(None, engine.start())
        self.policy.draw_from(spoken_replies(self.script.id, self.script.language))
        customer = TextCustomer(self.policy, self.word_error_rate, self.rng)
        while not engine.ended and len(self.out.turns) + self.silences < MAX_TURNS:
            if self.pending is not None:
                request, self.pending = self.pending, None
                self.handoff_at = self.handoff_at or self.now()
                self.out.handoff_offered = True
                handed = yield request
                self._handed(handed)
                continue
            turn = customer.next_turn(self.said)
            if turn is None:
                break  # the customer hangs up
            event: Utterance | NoInput
            if turn.text is None:
                event = NoInput()
                self.silences += 1
                self.heard.append(None)
            else:
                event = Utterance(turn.text, turn.confidence)
                self.heard.append(SpokenTurn(text=turn.text, confidence=turn.confidence))
            actions = self.apply(event, engine.handle(event), barge_in=turn.barge_in)
            reply = customer.last_reply
            meant = expected_intent(reply.intent, self.script) if reply and reply.intent else None
            if turn.text is not None and meant is not None:
                self.out.turns.append(
                    RecognizedTurn(
                        expected=meant,
                        recognized=recognized_intent(actions),
                        language=self.language,
                        said=(reply.text or "") if reply else "",
                        heard=turn.text,
                    )
                )
        # ended by the script (an end state, or the agent's call): the call was completed
        self.out.completed = engine.ended
        if not engine.ended:
            self.apply(CustomerHangup(), engine.handle(CustomerHangup()))

    def _handed(self, handed: Handed) -> None:
        engine = self.engine
        self.handoff_result = handed.result
        self.out.handoff_wait_s = handed.wait_s
        self.elapsed_s += handed.wait_s
        if handed.result == "accepted" and handed.agent_id is not None:
            self.out.handoff_accepted = True
            accepted = HandoffAccepted(handed.agent_id)
            self.apply(accepted, engine.handle(accepted))
            self.elapsed_s += handed.talk_s
            self.apply(CustomerHangup(), engine.handle(CustomerHangup()))
        else:
            self.apply(HandoffDeclined(), engine.handle(HandoffDeclined()))

    def result(self) -> CallResult:
        """The finished call's result (after ``steps()`` ran out)."""
        return call_result(
            self.engine,
            self.last,
            disposition=self.engine.disposition or "",
            ended_at=self.now(),
            handoff_requested_at=self.handoff_at,
            handoff_result=self.handoff_result,
        )

    def finish(self, result: CallResult, leads: int) -> SimOutcome:
        """The report's row for the call once its result is recorded."""
        out = self.out
        out.disposition = self.engine.disposition or "no_disposition"
        out.predicted_grade = result.grade
        out.engaged = any(t.recognized is not None for t in out.turns)
        out.opted_out = result.opted_out
        out.leads = leads
        return out
