"""Text-mode calls in a campaign simulation: the answered call runs in process.

When the simulated carrier connects a persona's call, ``TextCallee`` (a
``SideChannelCallee``: no media stream) hands it to ``TextCallRunner``, which runs the
real ``ScriptEngine`` and ``IntentScorer`` against the persona's replies
(``simulator.textcalls.TextCustomer``: the same customer side as the labelled calls, with
simulated recognition errors). Handoff requests go to simulated agents; an accepted one
gives the engine ``HandoffAccepted`` and the agent keeps the call to its end, a declined
or lapsed one gives ``HandoffDeclined`` and the script's follow-up. At the end the call is
recorded through the host's ``record_call`` (``tailcall.outcomes``) (dialer and CRM in one
transaction) and hung up through the carrier's REST API, so the carrier reports
``completed`` to the dialer like any other call.

This is the simulator-only side channel of docs/architecture.md: the prompt ids come
straight from the engine, not from audio. Time in the conversation is simulated (speech
durations); only the agents' latency passes, compressed, on the injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from dialer.campaigns.party import CallParty, call_party
from dialer.carriers.base import Carrier, CarrierError
from dialogue.engine import (
    CustomerHangup,
    HandoffAccepted,
    HandoffDeclined,
    NoInput,
    Say,
    ScriptEngine,
    Utterance,
)
from dialogue.intent.labelled_calls import ReplayCall, SpokenTurn, shipped_script
from dialogue.intent.live import CallResult, call_result, recognized_intent
from dialogue.intent.model import GradeThresholds, ScoringModel
from dialogue.intent.model_files import default_model
from dialogue.intent.models import AGENT_DISPOSITION_LABELS, record_call_label
from dialogue.intent.profile import CustomerProfile
from dialogue.intent.scorer import HandoffRequest, IntentScorer, ScoreUpdate
from kernel.clock import Clock
from kernel.db import Database
from kernel.vocab import HandoffResult
from scripts.schema import Script
from simulator.agents import HandoffOffer, SimulatedAgentPool
from simulator.customer import PersonaCallee, PersonaLinePlan
from simulator.lines import Answer, CallContext, LineBehaviour
from simulator.personas import Persona, PersonaPolicy
from simulator.report import RecognizedTurn
from simulator.report import SimulatedCall as SimOutcome
from simulator.spoken import spoken_replies
from simulator.textcalls import MAX_TURNS, TextCustomer

log = logging.getLogger(__name__)

# What a simulated agent who took the call finds out and dispositions it as (the console's
# choices); a D customer's call says nothing the scorer should learn from.
AGENT_FINDS = {"A": "sale", "B": "callback", "C": "not_interested"}
AGENT_TALK_S = (30.0, 120.0)  # simulated seconds an agent keeps an accepted call
# The persona's intent vocabulary (simulator.personas.INTENTS) in the scripts' names.
SCRIPT_INTENT = {"yes": "agree", "no": "decline", "ask_how": "how_to", "ask_robot": "is_robot"}
SCRIPT_INTENT["busy_callback"] = "busy"


def expected_intent(persona_intent: str, script: Script) -> str | None:
    """The script intent a persona's reply means, or None when the script names none
    (``maybe``, ``hesitate``, ...): such replies are left out of recognition figures."""
    name = SCRIPT_INTENT.get(persona_intent, persona_intent)
    return name if name in script.intents or name in script.global_intents else None


@dataclass(frozen=True)
class AnsweredCall:
    """One answered call as the runner saw it (joined with the database for the report)."""

    attempt_id: int
    customer_id: int
    persona: Persona
    outcome: SimOutcome


@dataclass
class TextCallRunner:
    """Runs answered calls in process; one per simulation."""

    db: Database
    carrier: Carrier  # the dialer's carrier client: hang-ups go through the REST API
    agents: SimulatedAgentPool
    clock: Clock  # the agents' (compressed) clock
    language: str
    seed: int
    word_error_rate: float
    call_start: datetime  # the engine's "now" (fixed, so a run is reproducible)
    record: Callable[[Database, int, CallResult], int]  # the product's finished-call record
    model: ScoringModel | None = None  # None: the script's default model
    thresholds: GradeThresholds = field(default_factory=GradeThresholds)
    answered: list[AnsweredCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    on_call_done: Callable[[], None] | None = None
    _jobs: set[asyncio.Task[None]] = field(default_factory=set)
    _models: dict[str, ScoringModel] = field(default_factory=dict)
    _calls: dict[str, int] = field(default_factory=dict)

    def start(
        self, ctx: CallContext, parameters: Mapping[str, str], policy: PersonaPolicy
    ) -> asyncio.Task[None]:
        """Run the call as its own task (a carrier hang-up must not cancel the recording)."""
        task = asyncio.create_task(
            self._guarded(ctx, parameters, policy), name=f"text-{ctx.call_sid}"
        )
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)
        return task

    @property
    def running(self) -> int:
        """Calls still running."""
        return len(self._jobs)

    async def drain(self) -> None:
        """Wait for the calls still running."""
        while self._jobs:
            await asyncio.gather(*list(self._jobs), return_exceptions=True)

    def _script(self, script_id: str) -> Script:
        return shipped_script(script_id, self.language)

    def _model(self, script: Script) -> ScoringModel:
        if self.model is not None:
            return self.model
        m = self._models.get(script.id)
        if m is None:
            m = self._models[script.id] = default_model(script.id, script)
        return m

    async def _guarded(
        self, ctx: CallContext, parameters: Mapping[str, str], policy: PersonaPolicy
    ) -> None:
        try:
            await self.run(ctx, parameters, policy)
        except Exception as exc:  # one broken call must not stop the simulation
            log.exception("text call failed", extra={"call_sid": ctx.call_sid})
            self.errors.append(f"{ctx.call_sid}: {type(exc).__name__}: {exc}")
            await self._hangup(ctx.call_sid)
        finally:
            if self.on_call_done is not None:
                self.on_call_done()

    async def run(
        self, ctx: CallContext, parameters: Mapping[str, str], policy: PersonaPolicy
    ) -> None:
        attempt_id = int(parameters["attemptId"])
        party = await asyncio.to_thread(self._party, attempt_id)
        script = self._script(parameters.get("scriptId") or party.script_id)
        persona = policy.persona
        # a number's calls never overlap, so counting them per number is reproducible
        nth = self._calls.get(ctx.to, 0) + 1
        self._calls[ctx.to] = nth
        rng = random.Random(f"{self.seed}:textcall:{ctx.to}:{nth}")
        profile = CustomerProfile.from_customer(party.customer)  # as a live call reads it
        engine = ScriptEngine(
            script,
            party.customer,
            variant=parameters.get("variant") or None,
            clock_now=self.call_start,
        )
        scorer = IntentScorer(
            self._model(script),
            script,
            profile,
            self.thresholds,
            call_sid=ctx.call_sid,
            customer_id=party.customer_id,
        )
        call = _Conversation(engine, scorer, self.call_start)
        call.apply(None, engine.start())
        policy.draw_from(spoken_replies(script.id, script.language))
        customer = TextCustomer(policy, self.word_error_rate, rng)
        out = SimOutcome(
            customer_id=party.external_id or str(party.customer_id),
            persona_id=persona.id,
            true_grade=persona.grade,
            disposition="",
            answered=True,
            human=True,
        )
        handoff_at: datetime | None = None
        handoff_result: HandoffResult | None = None
        heard: list[str | SpokenTurn | None] = []  # the customer's turns as the bot heard them
        while not engine.ended and len(out.turns) + call.silences < MAX_TURNS:
            if call.pending is not None:
                request, call.pending = call.pending, None
                handoff_at = handoff_at or call.now()
                handoff_result = await self._handoff(ctx, call, request, out)
                continue
            turn = customer.next_turn(call.said)
            if turn is None:
                break  # the customer hangs up
            event: Utterance | NoInput
            if turn.text is None:
                event = NoInput()
                call.silences += 1
                heard.append(None)
            else:
                event = Utterance(turn.text, turn.confidence)
                heard.append(SpokenTurn(text=turn.text, confidence=turn.confidence))
            actions = call.apply(event, engine.handle(event), barge_in=turn.barge_in)
            reply = customer.last_reply
            meant = expected_intent(reply.intent, script) if reply and reply.intent else None
            if turn.text is not None and meant is not None:
                recognized = recognized_intent(actions)
                out.turns.append(
                    RecognizedTurn(
                        expected=meant,
                        recognized=recognized,
                        language=self.language,
                        said=(reply.text or "") if reply else "",
                        heard=turn.text,
                    )
                )
        # ended by the script (an end state, or the agent's call): the call was completed
        completed = engine.ended
        if not engine.ended:
            call.apply(CustomerHangup(), engine.handle(CustomerHangup()))
        result = call_result(
            engine,
            call.last,
            disposition=engine.disposition or "",
            ended_at=call.now(),
            handoff_requested_at=handoff_at,
            handoff_result=handoff_result,
        )
        leads = await asyncio.to_thread(self.record, self.db, attempt_id, result)
        finding = AGENT_FINDS.get(persona.grade) if handoff_result == "accepted" else None
        if finding is not None:
            labelled = ReplayCall(
                call_id=ctx.call_sid,
                script=script.metadata.id,
                language=script.language,
                profile=profile,
                customer=dict(party.customer),
                variant=parameters.get("variant") or None,
                started_at=self.call_start,
                label=AGENT_DISPOSITION_LABELS[finding],
                utterances=heard,
            )
            await asyncio.to_thread(self._label, labelled, ctx.call_sid, party, call.now())
        out.disposition = engine.disposition or "no_disposition"
        out.predicted_grade = result.grade
        out.engaged = any(t.recognized is not None for t in out.turns)
        out.completed = completed
        out.opted_out = result.opted_out
        out.leads = leads
        self.answered.append(AnsweredCall(attempt_id, party.customer_id, persona, out))
        await self._hangup(ctx.call_sid)

    def _label(self, call: ReplayCall, call_sid: str, party: CallParty, now: datetime) -> None:
        """The simulated agent's disposition as a label, as a console agent's becomes one."""
        with self.db.session() as s:
            record_call_label(
                s,
                call,
                call_sid=call_sid,
                source="simulated_agent",
                now=now,
                call_id=party.attempt_id,
                customer_id=party.customer_id,
                campaign_id=party.campaign_id,
            )

    def _party(self, attempt_id: int) -> CallParty:
        with self.db.read() as s:
            return call_party(s, attempt_id)

    async def _handoff(
        self, ctx: CallContext, call: _Conversation, request: HandoffRequest, out: SimOutcome
    ) -> HandoffResult:
        out.handoff_offered = True
        offer = HandoffOffer(
            offer_id=f"{ctx.to}:{self._calls.get(ctx.to, 0)}:{request.state}:{request.trigger}",
            call_sid=ctx.call_sid,
            reason=request.script_reason or request.trigger,
        )
        decision = await self.agents.offer(offer)
        out.handoff_wait_s = decision.latency_s
        call.elapsed_s += decision.latency_s
        engine = call.engine
        if decision.accepted and decision.agent_id is not None:
            out.handoff_accepted = True
            call.apply(
                HandoffAccepted(decision.agent_id),
                engine.handle(HandoffAccepted(decision.agent_id)),
            )
            talk = random.Random(f"{self.seed}:talk:{offer.offer_id}").uniform(*AGENT_TALK_S)
            try:
                await self.clock.sleep(talk)
            finally:
                self.agents.release(decision.agent_id)
            call.elapsed_s += talk
            call.apply(CustomerHangup(), engine.handle(CustomerHangup()))
        else:
            call.apply(HandoffDeclined(), engine.handle(HandoffDeclined()))
        return decision.outcome

    async def _hangup(self, sid: str) -> None:
        with contextlib.suppress(CarrierError):  # the call already ended at the carrier
            await asyncio.to_thread(self.carrier.hangup, sid)


@dataclass
class _Conversation:
    """The engine and the scorer of one call, on a simulated timeline."""

    engine: ScriptEngine
    scorer: IntentScorer
    start: datetime
    said: list[Say] = field(default_factory=list)
    elapsed_s: float = 0.0
    silences: int = 0
    last: ScoreUpdate | None = None
    pending: HandoffRequest | None = None

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


@dataclass
class TextCallee:
    """The persona's end of a text-mode call (``simulator.lines.SideChannelCallee``)."""

    runner: TextCallRunner
    policy: PersonaPolicy

    async def converse(self, ctx: CallContext, parameters: Mapping[str, str]) -> None:
        # shielded: the runner's own hang-up ends the carrier's wait, not the recording
        await asyncio.shield(self.runner.start(ctx, parameters, self.policy))


@dataclass
class TextLinePlan:
    """``PersonaLinePlan`` deciding answer, busy or no answer; answered calls go to the
    text-mode runner instead of a media stream."""

    personas: PersonaLinePlan
    runner: TextCallRunner

    def behaviour_for(self, number: str, now: datetime) -> LineBehaviour:
        b = self.personas.behaviour_for(number, now)
        if isinstance(b, Answer) and isinstance(b.callee, PersonaCallee):
            return replace(b, callee=TextCallee(self.runner, b.callee.policy))
        return b


@dataclass
class PoolCapacity:
    """The simulated agents as the dialer's ``AgentCapacity`` (handoff-aware pacing)."""

    pool: SimulatedAgentPool

    def free_agents(self, skill: str | None) -> int:
        return sum(1 for a in self.pool.agents if a.agent_id not in self.pool.busy)
