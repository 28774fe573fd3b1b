"""Audio-mode simulation: personas speak, the bot listens with the real speech pipeline.

Answered calls open the carrier's media websocket to the tailcall app's media endpoint,
where the real pipeline runs (Vosk grammar decoding, the script engine, live scoring,
pyttsx3 prompts); the persona (``simulator.customer.PersonaCallee``) hears the bot's
audio, learns which prompt it was over the SIMULATOR-ONLY side channel, and answers with
espeak-ng speech. Handoff requests go to the simulated agents (``SimAgentsRouter``).

``AudioCallLog`` joins, per answered call, what the persona meant (its said turns) with
what the bot understood (the engine's intent per utterance, from ``CallResult``), in
order, for the report's recognition accuracy and confusion.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from dialogue.engine import CustomerHangup, HandoffAccepted, HandoffDeclined
from dialogue.intent.live import CallResult, Feed
from dialogue.intent.scorer import HandoffRequest, ScoreUpdate
from kernel.clock import Clock
from scripts.schema import Script
from simulator.agents import Decision, HandoffOffer, SimulatedAgentPool
from simulator.customer import PersonaCallee
from simulator.personas import Persona
from simulator.report import RecognizedTurn, SimulatedCall
from simulator.text_conversation import expected_intent

# An accepted call stays with the (simulated) agent this long, in real seconds: the
# agent's own conversation is not simulated in audio mode.
AGENT_TALK_S = (2.0, 4.0)


@dataclass
class SimAgentsRouter:
    """``dialogue.intent.live.HandoffRouter`` over the simulated agents."""

    pool: SimulatedAgentPool
    clock: Clock
    seed: int
    decisions: dict[str, Decision] = field(default_factory=dict)

    async def route(self, req: HandoffRequest, feed: Feed) -> None:
        offer = HandoffOffer(
            offer_id=f"{req.call_sid}:{req.state}:{req.trigger}",
            call_sid=req.call_sid,
            reason=req.script_reason or req.trigger,
        )  # simulated agents take any skill, as in text mode
        decision = await self.pool.offer(offer)
        self.decisions[req.call_sid] = decision
        if not decision.accepted or decision.agent_id is None:
            await feed(HandoffDeclined())
            return
        await feed(HandoffAccepted(decision.agent_id))
        talk = random.Random(f"{self.seed}:talk:{offer.offer_id}").uniform(*AGENT_TALK_S)
        try:
            await self.clock.sleep(talk)
        finally:
            self.pool.release(decision.agent_id)
        await feed(CustomerHangup())  # the agent's conversation is over

    def score_update(self, call_sid: str, update: ScoreUpdate) -> None:
        """Simulated agents decide without reading the card."""

    async def agent_first(
        self, call_sid: str, agent_id: int, customer_id: int | None, task_id: int | None
    ) -> None:
        """Simulated campaigns place no agent-first call backs."""
        return None


@dataclass
class AudioCallLog:
    """Results of the answered audio calls, by attempt."""

    results: dict[int, CallResult] = field(default_factory=dict)

    def on_result(self, attempt_id: int, result: CallResult) -> None:
        self.results[attempt_id] = result


def audio_outcome(
    *,
    external_id: str,
    persona: Persona,
    result: CallResult,
    callee: PersonaCallee | None,
    script: Script,
    language: str,
    decision: Decision | None,
    leads: int,
    latencies: list[float],
) -> SimulatedCall:
    """The report row of one answered audio call."""
    turns: list[RecognizedTurn] = []
    said = [t for t in (callee.said if callee else []) if t.text and not t.hangup]
    for meant, (heard, recognized) in zip(said, result.turns, strict=False):
        expected = expected_intent(meant.intent, script) if meant.intent else None
        if expected is not None:
            turns.append(
                RecognizedTurn(
                    expected=expected,
                    recognized=recognized,
                    language=language,
                    said=meant.text or "",
                    heard=heard,
                )
            )
    return SimulatedCall(
        customer_id=external_id,
        persona_id=persona.id,
        true_grade=persona.grade,
        predicted_grade=result.grade,
        disposition=result.disposition,
        answered=True,
        human=True,
        engaged=any(r is not None for _, r in result.turns),
        handoff_offered=decision is not None,
        handoff_accepted=bool(decision and decision.accepted),
        handoff_wait_s=decision.latency_s if decision else None,
        completed=result.disposition not in ("customer_hangup", "error", "max_duration"),
        opted_out=result.opted_out,
        leads=leads,
        turn_latencies_s=latencies,
        turns=turns,
    )
