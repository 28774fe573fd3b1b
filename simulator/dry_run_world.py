"""The simulated world of a dry run, on virtual time: a carrier whose calls are events
in a queue, persona customers who answer (or not) by the hour, text-mode conversations
run at the moment a call is answered, and simulated agents for live handoffs.

``VirtualCarrier`` is the dialer's ``Carrier``: ``originate`` draws what the number does
(``simulator.customer.PersonaLinePlan``: the persona's answer probability at that local
hour, ring time, busy) and queues the call's progress; ``EventQueue.run_until`` hands each
event, at its virtual time, to the dialer's own status sink
(``dialer.campaigns.carrier_events.CarrierEventRecorder``, as the SIP trunk does). An
answered call runs its ``TextConversation`` at once: the result is recorded through the
product's finished-call record, and the call is reported completed when its simulated
conversation (and any agent's talk) would have ended.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from dialer.campaigns.party import call_party
from dialer.carriers.base import CallNotFound, CarrierCall, CarrierEvent, StatusSink
from dialogue.intent.labelled_calls import shipped_script
from dialogue.intent.live import CallResult
from dialogue.intent.model import GradeThresholds, ScoringModel
from dialogue.intent.model_files import default_model
from dialogue.intent.profile import CustomerProfile
from dialogue.intent.scorer import HandoffRequest
from kernel.calls import StreamStart
from kernel.clock import VirtualClock
from kernel.db import Database
from scripts.schema import Script
from scripts.understanding import Understanding
from simulator.agents import HandoffOffer, SimulatedAgentPool
from simulator.customer import PersonaCallee, PersonaLinePlan
from simulator.lines import Answer, Busy
from simulator.text_conversation import Handed, TextConversation

RecordCall = Callable[[Database, int, CallResult], int]  # the product's finished-call record
NO_ANSWER_S = 45.0  # the carrier gives up ringing (a bank's trunk: 40-60 s)
SETUP_S = 2.0  # dial to ringing
AGENT_TALK_S = (60.0, 240.0)  # an agent keeps an accepted call this long
BYE_S = 3.0  # the last prompt's playout and the hang-up
FINAL = ("completed", "busy", "no-answer", "failed", "canceled")


@dataclass(order=True)
class _Event:
    at: float  # the clock's monotonic seconds
    seq: int
    run: Callable[[], None] = field(compare=False)
    wakes: bool = field(compare=False, default=True)  # may let the dialer dial more


@dataclass
class EventQueue:
    """Things that happen at a virtual time; ``run_until`` advances the clock to each."""

    clock: VirtualClock
    _heap: list[_Event] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def at(self, delay_s: float, run: Callable[[], None], *, wakes: bool = True) -> None:
        when = self.clock.monotonic() + max(delay_s, 0.0)
        heapq.heappush(self._heap, _Event(when, next(self._seq), run, wakes))

    def next_at(self) -> float | None:
        """When the next event that can let the dialer dial more happens (a line or an
        agent freed); progress on the way (ringing, answered) needs no pass of its own."""
        return min((e.at for e in self._heap if e.wakes), default=None)

    def first_at(self) -> float | None:
        """When the next event of any kind happens."""
        return self._heap[0].at if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)

    def run_until(self, mono: float) -> int:
        """Run every event due by ``mono`` in order, moving the clock to each; the clock
        ends at ``mono``. The number of events run."""
        n = 0
        while self._heap and self._heap[0].at <= mono:
            ev = heapq.heappop(self._heap)
            if ev.at > self.clock.monotonic():
                self.clock.advance(ev.at - self.clock.monotonic())
            ev.run()
            n += 1
        if mono > self.clock.monotonic():
            self.clock.advance(mono - self.clock.monotonic())
        return n


@dataclass
class Conversations:
    """Answered calls' conversations, run to their end the moment they are answered."""

    db: Database
    record: RecordCall
    agents: SimulatedAgentPool
    queue: EventQueue
    language: str
    seed: int
    thresholds: GradeThresholds
    live_handoff: bool
    skill: str | None
    word_error_rate: float = 0.1
    calls: int = 0
    _scripts: dict[str, Script] = field(default_factory=dict)
    _models: dict[str, ScoringModel] = field(default_factory=dict)
    _readers: dict[str, Understanding] = field(default_factory=dict)

    def _script(self, script_id: str) -> tuple[Script, ScoringModel, Understanding]:
        """A script loaded once per run, with its scoring model and one ``Understanding``
        for all its calls (it only caches the script's matchers, built once instead of
        at every reply of every call)."""
        if script_id not in self._scripts:
            script = self._scripts[script_id] = shipped_script(script_id, self.language)
            self._models[script_id] = default_model(script.id, script)
            self._readers[script_id] = Understanding(script)
        return self._scripts[script_id], self._models[script_id], self._readers[script_id]

    def run(self, sid: str, start: StreamStart, callee: PersonaCallee, now: datetime) -> float:
        """Run the call answered now; seconds until it ends."""
        assert start.attempt_id is not None
        with self.db.read() as s:
            party = call_party(s, start.attempt_id)
        script, model, reader = self._script(start.script_id or party.script_id)
        self.calls += 1
        call = TextConversation(
            script=script,
            customer=party.customer,
            profile=CustomerProfile.from_customer(party.customer),
            policy=callee.policy,
            model=model,
            thresholds=self.thresholds,
            rng=random.Random(f"{self.seed}:dry:{sid}"),
            word_error_rate=self.word_error_rate,
            start=now,
            call_sid=sid,
            customer_id=party.customer_id,
            external_id=party.external_id or str(party.customer_id),
            language=self.language,
            variant=start.variant,
            understanding=reader,
        )
        steps = call.steps()
        request = next(steps, None)
        while request is not None:
            try:
                request = steps.send(self._handoff(sid, request, call.elapsed_s))
            except StopIteration:
                request = None
        self.record(self.db, start.attempt_id, call.result())
        return call.elapsed_s + BYE_S

    def _handoff(self, sid: str, request: HandoffRequest, elapsed_s: float) -> Handed:
        """As the live path routes it: a score-triggered request only when the campaign
        allows live handoff; otherwise a free simulated agent, who stays with the call."""
        if request.trigger == "score" and not self.live_handoff:
            return Handed("no_agent", None, 0.0)
        offer = HandoffOffer(
            offer_id=f"{sid}:{request.state}:{request.trigger}",
            call_sid=sid,
            reason=request.script_reason or request.trigger,
        )  # every simulated agent has the campaign's skill
        decision = self.agents.decide(offer)
        if decision.agent_id is None:
            return Handed(decision.outcome, None, 0.0)
        agent = decision.agent_id
        if not decision.accepted:
            self.queue.at(elapsed_s + decision.latency_s, lambda: self.agents.release(agent))
            return Handed(decision.outcome, None, decision.latency_s)
        talk = random.Random(f"{self.seed}:talk:{offer.offer_id}").uniform(*AGENT_TALK_S)
        self.queue.at(elapsed_s + decision.latency_s + talk, lambda: self.agents.release(agent))
        return Handed("accepted", agent, decision.latency_s, talk)


@dataclass
class VirtualCarrier:
    """The dialer's ``Carrier`` on virtual time (see the module doc)."""

    queue: EventQueue
    plan: PersonaLinePlan
    conversations: Conversations
    sink: StatusSink | None = None  # set once the dialer's recorder exists
    calls: dict[str, CarrierCall] = field(default_factory=dict)
    live: int = 0  # calls placed and not ended
    settled: int = 0  # reports that can queue an attempt (an end, an answered call's record)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def originate(
        self,
        to: str,
        from_: str,
        stream_url: str,
        status_callback: str,
        params: Mapping[str, str],
    ) -> str:
        sid = f"DRY{next(self._ids):08d}"
        self.live += 1
        clock = self.queue.clock
        self.calls[sid] = CarrierCall(sid=sid, status="queued", to=to, started_at=clock.now())
        start = StreamStart.from_parameters(params)
        behaviour = self.plan.behaviour_for(to, clock.now())
        self.queue.at(SETUP_S, lambda: self._report(sid, start, "ringing"), wakes=False)
        if isinstance(behaviour, Answer) and isinstance(behaviour.callee, PersonaCallee):
            callee = behaviour.callee
            ring = SETUP_S + behaviour.ring_s
            if behaviour.ring_s < NO_ANSWER_S:
                self.queue.at(ring, lambda: self._answer(sid, start, callee), wakes=False)
                return sid
        if isinstance(behaviour, Busy):
            self.queue.at(SETUP_S + behaviour.after_s, lambda: self._report(sid, start, "busy"))
        else:
            self.queue.at(SETUP_S + NO_ANSWER_S, lambda: self._report(sid, start, "no-answer"))
        return sid

    def _answer(self, sid: str, start: StreamStart, callee: PersonaCallee) -> None:
        self._report(sid, start, "in-progress", answered_by="human")
        answered = self.queue.clock.monotonic()
        talk = self.conversations.run(sid, start, callee, self.queue.clock.now())

        def hang_up() -> None:
            self._report(
                sid, start, "completed", duration_s=self.queue.clock.monotonic() - answered
            )

        self.queue.at(talk, hang_up)

    def _report(
        self,
        sid: str,
        start: StreamStart,
        status: str,
        *,
        answered_by: str | None = None,
        duration_s: float | None = None,
    ) -> None:
        old = self.calls[sid]
        if status in FINAL:
            self.live -= 1
        if status != "ringing":
            self.settled += 1
        self.calls[sid] = CarrierCall(
            sid=sid, status=status, to=old.to, answered_by=answered_by or old.answered_by,
            duration_s=duration_s, started_at=old.started_at,
        )  # fmt: skip
        if self.sink is not None:
            self.sink(
                CarrierEvent(
                    sid=sid,
                    status=status,
                    attempt_id=start.attempt_id,
                    answered_by=answered_by,
                    duration_s=duration_s,
                )
            )

    def hangup(self, sid: str) -> None:
        if sid not in self.calls:
            raise CallNotFound()

    def status(self, sid: str) -> CarrierCall:
        call = self.calls.get(sid)
        if call is None:
            raise CallNotFound()
        return call

    def find_calls(self, to: str, since: datetime) -> list[CarrierCall]:
        return [
            c
            for c in self.calls.values()
            if c.to == to and c.started_at is not None and c.started_at >= since
        ]
