"""A live call in a tailcall process: the speech pipeline joined to everything around it.

The media endpoint builds each call from the stream's start (``kernel.calls.StreamStart``:
the attempt, script, language and variant the dialer put there). ``LiveCallServices``
(``dialogue.speech.script_brain.CallServices``) adds what the stream does not carry, from
the database:

- the customer of the attempt (``dialer.campaigns.party.call_party``), for the script's
  variables and the scorer's profile;
- the call's intent scorer (``dialogue.intent.live.CallScoring``) with the campaign's
  chosen model (else the script family's default) and the campaign's thresholds;
- handoff requests go to a ``HandoffRouter``: the console's handoff service in
  ``tailcall serve`` (``ConsoleRouter``), simulated agents in a simulation; a
  score-triggered request only when the campaign allows live handoff;
- when the call ends, its result is recorded (``tailcall.outcomes.record_call_result``:
  attempt, opt-out, leads and CRM outbox in one transaction) on a worker thread.

``build_speech_runtime`` assembles a process's ``SpeechRuntime`` from the settings.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from loguru import logger
from pydantic import SecretStr

from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.outcomes import fail_after_answer, record_heard_answer
from dialer.campaigns.party import CallParty, call_party
from dialer.campaigns.stored import compliance_of
from dialer.campaigns.streams import claim_media_stream
from dialogue.agent_first import AgentFirstBrain
from dialogue.brain import CallBrain, TurnObserver
from dialogue.engine import HandoffDeclined, ScriptEngine
from dialogue.intent.live import CallResult, CallScoring, Feed, HandoffRouter, ResultHook
from dialogue.intent.model import GradeThresholds
from dialogue.intent.model_files import default_model
from dialogue.intent.models import model_for_campaign
from dialogue.intent.profile import CustomerProfile
from dialogue.intent.scorer import HandoffRequest, IntentScorer, ScoreUpdate
from dialogue.machine import MachineBrain
from dialogue.speech import announcements
from dialogue.speech.answer_tap import AnswerHandling
from dialogue.speech.answering import AudioAnswerListener, Verdict
from dialogue.speech.db_recorder import DbCallRecorder
from dialogue.speech.fingerprint import Fingerprint
from dialogue.speech.pipeline import CallInfo, CallSetup, PromptTap, SpeechRuntime
from dialogue.speech.script_brain import ScriptBrainFactory
from dialogue.speech.settings import SpeechSettings
from handoff.service import HandoffService
from kernel.clock import Clock, SystemClock
from kernel.db import Database
from kernel.settings import Settings
from scripts.schema import Script
from tailcall.outcomes import record_call_result


class ConsoleRouter:
    """Requests go to this process's handoff service (the agent console). Without one (a
    media-only worker), a handoff the script offered is declined at once, so the script
    carries on, and a score-triggered one is dropped."""

    def __init__(self, service: HandoffService | None) -> None:
        self.service = service

    async def route(self, req: HandoffRequest, feed: Feed) -> None:
        if self.service is None:
            logger.warning("handoff requested but no console runs here", call_sid=req.call_sid)
            if req.trigger == "script":
                await feed(HandoffDeclined())
            return
        await self.service.request_handoff(req)

    async def agent_first(
        self, call_sid: str, agent_id: int, customer_id: int | None, task_id: int | None
    ) -> None:
        if self.service is None:
            logger.warning("agent-first call but no console runs here", call_sid=call_sid)
            return
        await self.service.start_agent_first(call_sid, agent_id, customer_id, task_id)

    def score_update(self, call_sid: str, update: ScoreUpdate) -> None:
        if self.service is not None:
            self.service.score_update(
                call_sid, update.score, update.grade, update.reasons, update.state
            )


@dataclass(frozen=True)
class _CallPlan:
    party: CallParty
    thresholds: GradeThresholds
    live_handoff: bool
    skill: str | None
    model: Any  # ScoringModel | None (None: the family's default)
    answered_by: str | None  # the carrier's flag when the stream started
    machine_message: str
    language: str


@dataclass
class LiveCallServices:
    db: Database
    router: HandoffRouter
    clock: Clock = field(default_factory=SystemClock)
    # called with each finished call's attempt and result (a simulation's report)
    on_result: ResultHook | None = None
    default_tz: str = "Asia/Shanghai"  # customers whose zone is unknown (their retry time)
    # answer detection from the first audio: the announcement library (None: off) and how
    # long the greeting waits for a verdict
    answering: Sequence[Fingerprint] | None = None
    answer_hold_s: float = 6.0
    _plans: dict[str, _CallPlan] = field(default_factory=dict, init=False)
    _models: dict[str, Any] = field(default_factory=dict, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def admit(self, info: CallInfo) -> str | None:
        """The media endpoint's check (``SpeechRuntime.admit``): a stream runs only for a
        live attempt whose carrier call id is the stream's, once."""
        attempt_id = info.start.attempt_id
        if attempt_id is None:
            return "the stream names no attempt"
        with self.db.session() as s:
            return claim_media_stream(s, attempt_id, info.call_sid, self.clock.now())

    def failed(self, info: CallInfo, reason: str) -> None:
        """The media endpoint's report of a call whose pipeline failed after answer
        (``SpeechRuntime.on_call_failed``): its attempt is recorded failed with the reason."""
        attempt_id = info.start.attempt_id
        if attempt_id is None:
            return
        with self._lock:
            self._plans.pop(info.call_sid, None)
        with self.db.session() as s:
            fail_after_answer(s, attempt_id, reason, self.clock.now(), default_tz=self.default_tz)

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

        history: list[dict[str, Any]] = []  # the score after each turn, for the call page

        def finished(result: CallResult) -> None:
            threading.Thread(
                target=self._record,
                args=(attempt_id, result, tuple(history)),
                name="call-outcome",
                daemon=True,
            ).start()

        def update(u: ScoreUpdate) -> None:
            history.append(
                {"turn": u.turn, "state": u.state, "score": round(u.score, 1), "grade": u.grade,
                 "reasons": [r.text for r in u.reasons[:3]]}
            )  # fmt: skip
            self.router.score_update(info.call_sid, u)

        return CallScoring(
            scorer, self.clock, on_request=request, on_update=update, on_finished=finished
        )

    def machine(self, info: CallInfo) -> CallSetup | None:
        """A call the carrier flagged as answered by a machine gets the machine's brain:
        the campaign's message (if any), then a hang-up; the attempt keeps the flag, so
        it ends as a voicemail (or announcement), is retried by its rule and is no
        contact for the caps."""
        plan = self._plan(info)
        if plan is None or plan.answered_by in (None, "human"):
            return None
        with self._lock:
            self._plans.pop(info.call_sid, None)
        logger.info("answered by a machine: no script", call_sid=info.call_sid)
        return CallSetup(
            brain=MachineBrain(plan.machine_message if plan.answered_by == "voicemail" else ""),
            language=plan.language,
        )

    def answer(self, info: CallInfo) -> AnswerHandling | None:
        """Listen to the call's first seconds: a person starts the script; a voicemail box,
        a SIT or a carrier's announcement is recorded with its outcome and gets the
        machine's brain (the campaign's message for a voicemail box, else a hang-up)."""
        plan = self._plan(info)
        if self.answering is None or plan is None:
            return None
        attempt_id = plan.party.attempt_id

        def on_verdict(v: Verdict) -> CallBrain | None:
            with self.db.session() as s:
                heard = record_heard_answer(s, attempt_id, v.kind, v.outcome, v.label)
            logger.info("who answered", call_sid=info.call_sid, kind=heard, at_s=v.at_s)
            if heard == "human":
                return None
            if v.kind == "human":  # early media that is no announcement we know
                return MachineBrain("", hang_up=False)
            return MachineBrain(plan.machine_message if v.kind == "voicemail" else "")

        listener = AudioAnswerListener(self.answering)
        return AnswerHandling(
            listener, on_verdict, hold_s=self.answer_hold_s, listen_s=listener.limit_s + 0.5
        )

    def agent_first(self, info: CallInfo) -> CallSetup | None:
        start = info.start
        if start.agent_id is None:
            return None
        plan = self._plan(info)
        with self._lock:
            self._plans.pop(info.call_sid, None)
        observer = AgentFirstObserver(
            self.router,
            info.call_sid,
            start.agent_id,
            plan.party.customer_id if plan is not None else None,
            start.task_id,
        )
        return CallSetup(
            brain=AgentFirstBrain(), language=start.language or "zh-CN", observer=observer
        )

    # -- internals ---------------------------------------------------------------------
    def _plan(self, info: CallInfo) -> _CallPlan | None:
        with self._lock:
            cached = self._plans.get(info.call_sid)
        if cached is not None:
            return cached
        attempt_id = info.start.attempt_id
        if attempt_id is None:
            return None
        with self.db.read() as s:
            party = call_party(s, attempt_id)
            c = s.get(Campaign, party.campaign_id)
            assert c is not None
            plan = _CallPlan(
                party=party,
                thresholds=GradeThresholds.from_campaign(c.thresholds or {}),
                live_handoff=bool(c.live_handoff),
                skill=c.handoff_skill,
                model=model_for_campaign(s, c.id),
                answered_by=s.get(Attempt, attempt_id).answered_by,  # type: ignore[union-attr]
                machine_message=compliance_of(c).machine_message,
                language=c.language,
            )
        with self._lock:
            self._plans[info.call_sid] = plan
        return plan

    def _default_model(self, script: Script) -> Any:
        with self._lock:
            m = self._models.get(script.id)
        if m is None:
            m = default_model(script.id, script)
            with self._lock:
                self._models[script.id] = m
        return m

    def _record(
        self, attempt_id: int, result: CallResult, history: tuple[dict[str, Any], ...] = ()
    ) -> None:
        try:
            record_call_result(self.db, attempt_id, result, score_history=history)
        except Exception as exc:
            logger.warning(
                "could not record the call's outcome",
                attempt_id=attempt_id,
                reason=f"{type(exc).__name__}: {exc}",
            )
            logger.opt(exception=True).debug("recording the outcome failed")
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
    settings: Settings,
    db: Database,
    *,
    router: HandoffRouter,
    carrier_base_url: str,
    carrier_account_sid: str,
    carrier_auth_token: str,
    clock: Clock | None = None,
    prompt_tap: PromptTap | None = None,
    on_result: ResultHook | None = None,
) -> tuple[SpeechRuntime, LiveCallServices]:
    """The process's speech runtime: database recorder, script brains with live scoring;
    hang-ups go to the same carrier the dialer dials through."""
    clk = clock or SystemClock()
    speech = SpeechSettings(data_dir=settings.data_dir).model_copy(
        update={
            "carrier_api_base_url": carrier_base_url,
            "carrier_account_sid": carrier_account_sid,
            "carrier_auth_token": SecretStr(carrier_auth_token),
        }
    )
    library = (
        announcements.fingerprints(announcements.entries(settings.data_dir))
        if speech.answer_detection
        else None
    )
    services = LiveCallServices(
        db,
        router=router,
        clock=clk,
        on_result=on_result,
        default_tz=settings.default_timezone,
        answering=library,
        answer_hold_s=speech.answer_hold_s,
    )
    recorder = DbCallRecorder(db, clock=clk)
    factory = ScriptBrainFactory(
        default_language="zh-CN", clock=clk, recorder=recorder, services=services
    )
    runtime = SpeechRuntime(
        settings=speech,
        recorder=recorder,
        brain_factory=factory,
        prompt_tap=prompt_tap,
        media_token=settings.media_stream_token,
        admit=services.admit,
        on_call_failed=services.failed,
    )
    return runtime, services
