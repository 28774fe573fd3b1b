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
from datetime import datetime

from dialer.campaigns.party import CallParty, call_party
from dialer.carriers.base import Carrier, CarrierError
from dialogue.intent.labelled_calls import ReplayCall, shipped_script
from dialogue.intent.live import CallResult
from dialogue.intent.model import GradeThresholds, ScoringModel
from dialogue.intent.model_files import default_model
from dialogue.intent.models import AGENT_DISPOSITION_LABELS, record_call_label
from dialogue.intent.profile import CustomerProfile
from dialogue.intent.scorer import HandoffRequest
from kernel.calls import StreamStart
from kernel.clock import Clock
from kernel.db import Database
from kernel.errors import InvalidInput
from scripts.schema import Script
from simulator.agents import HandoffOffer, SimulatedAgentPool
from simulator.customer import PersonaCallee, PersonaLinePlan
from simulator.lines import Answer, CallContext, LineBehaviour
from simulator.personas import Persona, PersonaPolicy
from simulator.report import SimulatedCall as SimOutcome
from simulator.text_conversation import Handed, TextConversation

log = logging.getLogger(__name__)

# What a simulated agent who took the call finds out and dispositions it as (the console's
# choices); a D customer's call says nothing the scorer should learn from.
AGENT_FINDS = {"A": "sale", "B": "callback", "C": "not_interested"}
AGENT_TALK_S = (30.0, 120.0)  # simulated seconds an agent keeps an accepted call


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
        start = StreamStart.from_parameters(parameters)
        if start.attempt_id is None:
            raise InvalidInput("names no attempt", where="customParameters.attemptId")
        attempt_id = start.attempt_id
        party = await asyncio.to_thread(self._party, attempt_id)
        script = self._script(start.script_id or party.script_id)
        persona = policy.persona
        # a number's calls never overlap, so counting them per number is reproducible
        nth = self._calls.get(ctx.to, 0) + 1
        self._calls[ctx.to] = nth
        profile = CustomerProfile.from_customer(party.customer)  # as a live call reads it
        call = TextConversation(
            script=script,
            customer=party.customer,
            profile=profile,
            policy=policy,
            model=self._model(script),
            thresholds=self.thresholds,
            rng=random.Random(f"{self.seed}:textcall:{ctx.to}:{nth}"),
            word_error_rate=self.word_error_rate,
            start=self.call_start,
            call_sid=ctx.call_sid,
            customer_id=party.customer_id,
            external_id=party.external_id or str(party.customer_id),
            language=self.language,
            variant=start.variant,
        )
        steps = call.steps()
        request = next(steps, None)
        while request is not None:
            handed = await self._handoff(ctx, request)
            try:
                request = steps.send(handed)
            except StopIteration:
                request = None
        result = call.result()
        leads = await asyncio.to_thread(self.record, self.db, attempt_id, result)
        finding = AGENT_FINDS.get(persona.grade) if call.handoff_result == "accepted" else None
        if finding is not None:
            labelled = ReplayCall(
                call_id=ctx.call_sid,
                script=script.metadata.id,
                language=script.language,
                profile=profile,
                customer=dict(party.customer),
                variant=start.variant,
                started_at=self.call_start,
                label=AGENT_DISPOSITION_LABELS[finding],
                utterances=call.heard,
            )
            await asyncio.to_thread(self._label, labelled, ctx.call_sid, party, call.now())
        out = call.finish(result, leads)
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

    async def _handoff(self, ctx: CallContext, request: HandoffRequest) -> Handed:
        """Offer the call to the simulated agents; an accepted call keeps its agent for a
        drawn talk time on the clock."""
        offer = HandoffOffer(
            offer_id=f"{ctx.to}:{self._calls.get(ctx.to, 0)}:{request.state}:{request.trigger}",
            call_sid=ctx.call_sid,
            reason=request.script_reason or request.trigger,
        )
        decision = await self.agents.offer(offer)
        if not (decision.accepted and decision.agent_id is not None):
            return Handed(decision.outcome, None, decision.latency_s)
        talk = random.Random(f"{self.seed}:talk:{offer.offer_id}").uniform(*AGENT_TALK_S)
        try:
            await self.clock.sleep(talk)
        finally:
            self.agents.release(decision.agent_id)
        return Handed("accepted", decision.agent_id, decision.latency_s, talk)

    async def _hangup(self, sid: str) -> None:
        with contextlib.suppress(CarrierError):  # the call already ended at the carrier
            await asyncio.to_thread(self.carrier.hangup, sid)


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
