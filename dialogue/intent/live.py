"""The intent scorer inside a live call: the script driver's ``TurnObserver``.

``CallScoring`` feeds every turn the engine handled to the call's ``IntentScorer``
(pure, about 0.1 ms a turn, so it runs on the turn's path), and hands what follows to
hooks the process wires (``tailcall.live_calls``):

- ``on_request``: the scorer asked for a live agent (the score crossed the campaign's
  live threshold in a state that allows handoff, or the script offered one); its
  awaitable runs in the background (routing to the console);
- ``on_update``: every new score, grade and reasons (the console's live card);
- ``on_finished``: the call's result once it ended (grade, score, reasons, handoff
  result, callback time, opt-out), for the outcome write and the CRM.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from loguru import logger

from dialogue.brain import CallBrain
from dialogue.engine import (
    HandoffAccepted,
    HandoffDeclined,
    Say,
    ScriptEngine,
    Transition,
    Utterance,
)
from dialogue.intent.scorer import NOT_INTENTS, HandoffRequest, IntentScorer, Reason, ScoreUpdate
from kernel.clock import Clock
from kernel.vocab import Grade, HandoffResult


@dataclass(frozen=True)
class CallResult:
    """What the engine and the scorer made of a finished call."""

    disposition: str
    ended_at: datetime
    grade: Grade | None
    score: float | None  # 0..100
    reasons: tuple[Reason, ...]
    handoff_requested_at: datetime | None
    handoff_result: HandoffResult | None
    callback_at: datetime | None
    opted_out: bool
    # each customer utterance: (text as heard, the intent the engine took from it or None)
    turns: tuple[tuple[str, str | None], ...] = ()


# told of each finished call (its attempt and result) besides its record: a simulation's hook
ResultHook = Callable[[int, CallResult], None]

Feed = Callable[[object], Awaitable[None]]
# routes a request; may answer the engine later through ``feed`` (HandoffAccepted...)
RequestHook = Callable[[HandoffRequest, Feed], Awaitable[object]]
UpdateHook = Callable[[ScoreUpdate], None]
FinishHook = Callable[[CallResult], None]


class HandoffRouter(Protocol):
    """Where a live call's requests for an agent go: the console's handoff service in
    ``tailcall serve``, simulated agents in a simulation."""

    async def route(self, req: HandoffRequest, feed: Feed) -> None:
        """Find a live agent for the call; answer the engine through ``feed`` if needed."""
        ...

    async def agent_first(
        self, call_sid: str, agent_id: int, customer_id: int | None, task_id: int | None
    ) -> None:
        """Connect the agent who asked for this call back, as the customer answers."""
        ...

    def score_update(self, call_sid: str, update: ScoreUpdate) -> None:
        """The call's latest score, grade and reasons (for an agent's card)."""
        ...


class CallScoring:
    """One call's scorer as a ``TurnObserver``."""

    def __init__(
        self,
        scorer: IntentScorer,
        clock: Clock,
        *,
        on_request: RequestHook | None = None,
        on_update: UpdateHook | None = None,
        on_finished: FinishHook | None = None,
    ) -> None:
        self.scorer = scorer
        self.clock = clock
        self.on_request = on_request
        self.on_update = on_update
        self.on_finished = on_finished
        self.requests: list[HandoffRequest] = []
        self.handoff_result: HandoffResult | None = None
        self.result: CallResult | None = None
        self.feed: Feed | None = None
        self.turns: list[tuple[str, str | None]] = []

    def bind(self, feed: Feed) -> None:
        self.feed = feed

    def observe(
        self, brain: CallBrain, event: object | None, actions: Sequence[object], *, barge_in: bool
    ) -> Awaitable[object] | None:
        if not isinstance(brain, ScriptEngine):
            return None
        if isinstance(event, HandoffAccepted):
            self.handoff_result = "accepted"
        elif isinstance(event, HandoffDeclined) and self.handoff_result is None:
            self.handoff_result = "declined"
        if isinstance(event, Utterance):
            self.turns.append((event.text, recognized_intent(actions)))
        update = self.scorer.observe(brain, event, actions, at=self.clock.now(), barge_in=barge_in)
        if self.on_update is not None:
            self.on_update(update)
        req = update.handoff_request
        if req is None:
            return None
        self.requests.append(req)
        logger.info(
            "handoff requested",
            call_sid=req.call_sid,
            score=req.score,
            trigger=req.trigger,
            state=req.state,
        )
        if self.on_request is None or self.feed is None:
            return None
        return self.on_request(req, self.feed)

    def finished(self, brain: CallBrain, disposition: str) -> None:
        if self.result is not None:
            return
        self.result = call_result(
            brain,
            self.scorer.last,
            disposition=disposition,
            ended_at=self.clock.now(),
            handoff_requested_at=self.requests[0].requested_at if self.requests else None,
            handoff_result=self.handoff_result,
            turns=tuple(self.turns),
        )
        if self.on_finished is not None:
            self.on_finished(self.result)


def call_result(
    brain: CallBrain,
    last: ScoreUpdate | None,
    *,
    disposition: str,
    ended_at: datetime,
    handoff_requested_at: datetime | None,
    handoff_result: HandoffResult | None,
    turns: tuple[tuple[str, str | None], ...] = (),
) -> CallResult:
    """A finished call's result from its engine and its last score: the callback time the
    customer gave, and whether they opted out (the script's end state or its signal)."""
    callback: Any = None
    opted_out = disposition == "opted_out"
    if isinstance(brain, ScriptEngine):
        callback = brain.slots.get("callback_time")
        opted_out = opted_out or "opted_out" in brain.signals
    return CallResult(
        disposition=disposition,
        ended_at=ended_at,
        grade=last.grade if last is not None else None,
        score=last.score if last is not None else None,
        reasons=last.reasons if last is not None else (),
        handoff_requested_at=handoff_requested_at,
        handoff_result=handoff_result,
        callback_at=callback if isinstance(callback, datetime) else None,
        opted_out=opted_out,
        turns=turns,
    )


def recognized_intent(actions: Sequence[object]) -> str | None:
    """The intent the engine took from an utterance: its transition's, or a global
    intent answered in place (a ``global.<name>`` prompt); None for a no-match (also one
    that used up the state's retries and moved on)."""
    for a in actions:
        if isinstance(a, Transition) and a.intent and a.intent not in NOT_INTENTS:
            return str(a.intent)
    for a in actions:
        if isinstance(a, Say) and a.prompt_id.startswith("global."):
            return a.prompt_id.removeprefix("global.").split("#")[0]
    return None
