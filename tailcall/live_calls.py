"""A live call in a tailcall process: the speech pipeline joined to everything around it.

The media endpoint builds each call from the stream's ``start`` (``attemptId``,
``scriptId``, ``language``, ``variant``; ``dialer.campaigns.worker`` puts them there).
``LiveCallServices`` (``dialogue.speech.script_brain.CallServices``) adds what the stream does
not carry, from the database:

- the customer of the attempt (``tailcall.outcomes.call_party``), for the script's
  variables and the scorer's profile;
- the call's intent scorer (``dialogue.intent.live.CallScoring``) with the campaign's
  chosen model (else the script family's default) and the campaign's thresholds;
- handoff requests go to a ``HandoffRouter``: the console's handoff service in
  ``tailcall serve`` (``ConsoleRouter``), simulated agents in ``tailcall simulate``;
  a score-triggered request only when the campaign allows live handoff;
- when the call ends, its result is written with ``record_finished_call`` (attempt,
  opt-out, leads and CRM outbox in one transaction) on a worker thread, off the loop.

``build_speech_runtime`` assembles a process's ``SpeechRuntime`` from the settings.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from loguru import logger

from dialogue.agent_first import AgentFirstBrain
from dialogue.brain import TurnObserver
from dialogue.engine import HandoffDeclined, ScriptEngine
from dialogue.intent.live import CallResult, CallScoring
from dialogue.intent.scorer import (
    CustomerProfile,
    GradeThresholds,
    HandoffRequest,
    IntentScorer,
    ScoreUpdate,
)
from dialogue.speech.pipeline import CallInfo, CallSetup, SpeechRuntime
from kernel.clock import Clock, SystemClock
from kernel.db import Database
from scripts.schema import Script
from tailcall.outcomes import CallParty, FinishedCall, call_party, record_finished_call

Feed = Callable[[object], Awaitable[None]]


class HandoffRouter(Protocol):
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


class ConsoleRouter:
    """Requests go to this process's handoff service (the agent console). Without one, a
    handoff the script offered is declined at once, so the script carries on."""

    async def route(self, req: HandoffRequest, feed: Feed) -> None:
        from handoff import service

        if not service.running():
            logger.warning("handoff requested but no console runs here", call_sid=req.call_sid)
            if req.trigger == "script":
                await feed(HandoffDeclined())
            return
        await service.request_handoff(to_console_request(req))

    async def agent_first(
        self, call_sid: str, agent_id: int, customer_id: int | None, task_id: int | None
    ) -> None:
        from handoff import service

        if not service.running():
            logger.warning("agent-first call but no console runs here", call_sid=call_sid)
            return
        await service.current().start_agent_first(call_sid, agent_id, customer_id, task_id)

    def score_update(self, call_sid: str, update: ScoreUpdate) -> None:
        from handoff import service

        service.score_update(call_sid, update.score, update.grade, _console_reasons(update.reasons))


def _console_reasons(reasons: Sequence[Any]) -> list[Any]:
    from handoff.service import Reason

    return [Reason(r.code, r.text, r.text_en) for r in reasons]


def to_console_request(req: HandoffRequest) -> Any:
    """The scorer's request as the handoff service takes it."""
    from handoff.service import HandoffRequest as ConsoleRequest

    return ConsoleRequest(
        call_sid=req.call_sid,
        customer_id=req.customer_id,
        score=req.score,
        grade=req.grade,
        reasons=_console_reasons(req.reasons),
        skill=req.skill,
        state=req.state,
        requested_at=req.requested_at,
    )


@dataclass(frozen=True)
class _CallPlan:
    party: CallParty
    thresholds: GradeThresholds
    live_handoff: bool
    skill: str | None
    model: Any  # ScoringModel | None (None: the family's default)


@dataclass
class LiveCallServices:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    router: HandoffRouter = field(default_factory=ConsoleRouter)
    # called with each finished call's result and its attempt (the simulator's report)
    on_result: Callable[[int, CallResult], None] | None = None
    _plans: dict[str, _CallPlan] = field(default_factory=dict, init=False)
    _models: dict[str, Any] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    # -- CallServices ------------------------------------------------------------------
    def customer(self, info: CallInfo) -> Mapping[str, Any] | None:
        plan = self._plan(info)
        return plan.party.customer if plan is not None else None

    def observer(
        self, info: CallInfo, script: Script, engine: ScriptEngine, customer: Mapping[str, Any]
    ) -> TurnObserver | None:
        plan = self._plan(info)
        if plan is None:
            return None  # not a dialer call (a test line): nothing to score or record
        with self._lock:
            self._plans.pop(info.call_sid, None)
        scorer = IntentScorer(
            plan.model or self._default_model(script),
            script,
            CustomerProfile.from_customer(customer),
            plan.thresholds,
            call_sid=info.call_sid,
            customer_id=plan.party.customer_id,
        )
        attempt_id = plan.party.attempt_id

        async def request(req: HandoffRequest, feed: Feed) -> None:
            if req.trigger == "score" and not plan.live_handoff:
                return
            if req.skill is None and plan.skill is not None:
                req = replace(req, skill=plan.skill)
            await self.router.route(req, feed)

        def finished(result: CallResult) -> None:
            threading.Thread(
                target=self._record, args=(attempt_id, result), name="call-outcome", daemon=True
            ).start()

        def update(u: ScoreUpdate) -> None:
            self.router.score_update(info.call_sid, u)

        return CallScoring(
            scorer, self.clock, on_request=request, on_update=update, on_finished=finished
        )

    def agent_first(self, info: CallInfo) -> CallSetup | None:
        p = info.parameters
        raw_agent, raw_task = p.get("agentId", ""), p.get("taskId", "")
        if not raw_agent.isdigit():
            return None
        plan = self._plan(info)
        with self._lock:
            self._plans.pop(info.call_sid, None)
        observer = AgentFirstObserver(
            self.router,
            info.call_sid,
            int(raw_agent),
            plan.party.customer_id if plan is not None else None,
            int(raw_task) if raw_task.isdigit() else None,
        )
        return CallSetup(
            brain=AgentFirstBrain(),
            language=p.get("language") or "zh-CN",
            observer=observer,
        )

    # -- internals ---------------------------------------------------------------------
    def _plan(self, info: CallInfo) -> _CallPlan | None:
        with self._lock:
            cached = self._plans.get(info.call_sid)
        if cached is not None:
            return cached
        raw = info.parameters.get("attemptId")
        if not raw or not raw.isdigit():
            return None
        from dialer.campaigns.models import Campaign
        from dialogue.intent.models import model_for_campaign

        with self.db.read() as s:
            party = call_party(s, int(raw))
            c = s.get(Campaign, party.campaign_id)
            assert c is not None
            plan = _CallPlan(
                party=party,
                thresholds=GradeThresholds.from_campaign(c.thresholds or {}),
                live_handoff=bool(c.live_handoff),
                skill=c.handoff_skill,
                model=model_for_campaign(s, c.id),
            )
        with self._lock:
            self._plans[info.call_sid] = plan
        return plan

    def _default_model(self, script: Script) -> Any:
        from dialogue.intent.model_files import default_model

        with self._lock:
            m = self._models.get(script.id)
        if m is None:
            m = default_model(script.id, script)
            with self._lock:
                self._models[script.id] = m
        return m

    def _record(self, attempt_id: int, result: CallResult) -> None:
        finished = FinishedCall(
            attempt_id=attempt_id,
            ended_at=result.ended_at,
            answered_by="human",
            disposition=result.disposition,
            grade=result.grade,
            score=round(result.score / 100.0, 4) if result.score is not None else None,
            reasons=tuple(r.text for r in result.reasons),
            handoff_requested_at=result.handoff_requested_at,
            handoff_result=result.handoff_result,
            callback_at=result.callback_at,
            opted_out=result.opted_out,
            opt_out_source=f"call:{attempt_id}",
        )
        try:
            with self.db.session() as s:
                record_finished_call(s, finished)
        except Exception:
            logger.exception("could not record the call's outcome", attempt_id=attempt_id)
        if self.on_result is not None:
            self.on_result(attempt_id, result)


@dataclass
class AgentFirstObserver:
    """Connects the waiting agent as the call starts; nothing to score."""

    router: HandoffRouter
    call_sid: str
    agent_id: int
    customer_id: int | None
    task_id: int | None

    def observe(
        self, brain: Any, event: object | None, actions: Any, *, barge_in: bool
    ) -> Awaitable[None] | None:
        if event is None:  # the call's start
            return self.router.agent_first(
                self.call_sid, self.agent_id, self.customer_id, self.task_id
            )
        return None

    def finished(self, brain: Any, disposition: str) -> None:
        return None

    def bind(self, feed: Feed) -> None:
        return None


def build_speech_runtime(
    settings: Any,
    db: Database,
    *,
    carrier_base_url: str,
    carrier_account_sid: str,
    carrier_auth_token: str,
    clock: Clock | None = None,
    router: HandoffRouter | None = None,
    sim_side_channel: bool = False,
    on_result: Callable[[int, CallResult], None] | None = None,
) -> tuple[SpeechRuntime, LiveCallServices]:
    """The process's speech runtime: database recorder, script brains with live scoring;
    hang-ups go to the same carrier the dialer dials through."""
    from pydantic import SecretStr

    from dialogue.speech.db_recorder import DbCallRecorder
    from dialogue.speech.script_brain import ScriptBrainFactory
    from dialogue.speech.settings import SpeechSettings

    clk = clock or SystemClock()
    speech = SpeechSettings(data_dir=settings.data_dir).model_copy(
        update={
            "carrier_api_base_url": carrier_base_url,
            "carrier_account_sid": carrier_account_sid,
            "carrier_auth_token": SecretStr(carrier_auth_token),
        }
    )
    services = LiveCallServices(
        db, clock=clk, router=router or ConsoleRouter(), on_result=on_result
    )
    recorder = DbCallRecorder(db, clock=clk)
    factory = ScriptBrainFactory(
        default_language="zh-CN", clock=clk, recorder=recorder, services=services
    )
    runtime = SpeechRuntime(
        settings=speech,
        recorder=recorder,
        brain_factory=factory,
        sim_side_channel=sim_side_channel,
        media_token=settings.media_stream_token,
    )
    return runtime, services
