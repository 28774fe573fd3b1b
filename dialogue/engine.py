"""The per-call script state machine: events in, actions out. Pure and deterministic.

The speech pipeline, the chat REPL, the simulator's text mode and the intent scorer drive
it through this interface (docs/architecture.md, "The script engine interface").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from scripts.schema import OPT_OUT, Script, State
from scripts.slots import SlotResult, describe_time, parse_callback_time
from scripts.understanding import COMPLAINT, Understanding
from scripts.understood import Understood

MAX_CHAIN = 20  # states entered through `next` without input, before we call it a loop
OPTED_OUT = "opted_out"  # the signal that suppresses the customer (dialogue.intent.live)


# ---------------------------------------------------------------------------- events
@dataclass(frozen=True)
class Utterance:
    text: str
    confidence: float = 1.0
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class NoInput:
    pass


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class HandoffAccepted:
    agent_id: str


@dataclass(frozen=True)
class HandoffDeclined:
    """Nobody accepted the offer in time."""


@dataclass(frozen=True)
class AgentHandBack:
    state: str | None = None


@dataclass(frozen=True)
class CustomerHangup:
    pass


@dataclass(frozen=True)
class Timeout:
    """Added: the call reached its time limit; the engine ends it."""


Event = (
    Utterance
    | NoInput
    | Dtmf
    | HandoffAccepted
    | HandoffDeclined
    | AgentHandBack
    | CustomerHangup
    | Timeout
)


# --------------------------------------------------------------------------- actions
@dataclass(frozen=True)
class Say:
    text: str
    prompt_id: str
    interruptible: bool
    bridging: bool = False


@dataclass(frozen=True)
class ExpectPhrases:
    phrases: tuple[str, ...]
    free_decoding: bool
    no_input_timeout_s: float


@dataclass(frozen=True)
class OfferHandoff:
    reason: str
    skill: str | None


@dataclass(frozen=True)
class CaptureSlot:
    name: str
    value: Any  # datetime for callback times
    text: str = ""  # added: how the bot said it back (e.g. 明天下午3点)


@dataclass(frozen=True)
class Signal:
    name: str
    weight: float = 1.0  # added: weight for the intent scorer


@dataclass(frozen=True)
class EndCall:
    disposition: str
    by_customer: bool = False  # added: the customer hung up (nothing left to say)


@dataclass(frozen=True)
class Transition:
    from_state: str
    to_state: str
    intent: str


Action = Say | ExpectPhrases | OfferHandoff | CaptureSlot | Signal | EndCall | Transition


@dataclass
class _Turn:
    """Counters of the current state; reset on entering a state."""

    no_input: int = 0
    no_match: int = 0


@dataclass
class _Record:
    signals: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)


Mode = Literal["bot", "human"]


class ScriptEngine:
    """Runs one call of ``script`` for one customer."""

    def __init__(
        self,
        script: Script,
        customer: Mapping[str, Any],
        *,
        variant: str | None = None,
        clock_now: datetime,
        timezone: str | None = None,
        understanding: Understanding | None = None,
    ) -> None:
        problems = script.reference_problems()
        if problems:
            rule, path, msg = problems[0]
            raise ValueError(f"script {script.id}: {script.where(path)}: {msg} ({rule})")
        if clock_now.tzinfo is None:
            raise ValueError("clock_now must be timezone-aware")
        self.script = script
        self.language = script.language
        self.variant = variant
        self.timezone = timezone or script.metadata.timezone
        self._now = clock_now
        self._values = _variable_values(script, customer)
        self._state = script.start
        self._ended = False
        self._started = False
        self._mode: Mode = "bot"
        self._turn = _Turn()
        self._record = _Record()
        self._disposition: str | None = None
        self.agent_id: str | None = None
        self._understanding = understanding or Understanding(script)
        self.last_understood: Understood | None = None  # how the last reply was read

    # ---------------------------------------------------------------- public state
    @property
    def state(self) -> str:
        return self._state

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def mode(self) -> Mode:
        """``human`` while a live agent has the call."""
        return self._mode

    @property
    def disposition(self) -> str | None:
        return self._disposition

    @property
    def slots(self) -> dict[str, Any]:
        return dict(self._record.slots)

    @property
    def signals(self) -> tuple[str, ...]:
        return tuple(self._record.signals)

    @property
    def handoff_allowed(self) -> bool:
        """The current state is a handoff point (the scorer may offer a takeover here)."""
        st = self.script.states[self._state]
        return not self._ended and self._mode == "bot" and st.handoff is not None

    @property
    def handoff_skill(self) -> str | None:
        st = self.script.states[self._state]
        return st.handoff.skill if st.handoff is not None else None

    def set_now(self, now: datetime) -> None:
        """Move the engine's notion of time (for slot parsing late in a long call)."""
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self._now = now

    # ---------------------------------------------------------------- driving
    def start(self) -> list[Action]:
        if self._started:
            raise RuntimeError("the engine was already started")
        self._started = True
        return self._enter(self.script.start, None, "start")

    def handle(self, event: Event) -> list[Action]:
        if not self._started:
            raise RuntimeError("call start() before handle()")
        if self._ended:
            return []
        if isinstance(event, CustomerHangup):
            return self._hangup()
        if isinstance(event, Timeout):
            return self._finish(self.script.defaults.timeout_disposition)
        if isinstance(event, HandoffAccepted):
            return self._accepted(event.agent_id)
        if isinstance(event, AgentHandBack):
            return self._hand_back(event.state)
        if self._mode == "human":
            return []  # the agent is talking; the transcript is kept elsewhere
        if isinstance(event, HandoffDeclined):
            return self._declined()
        if isinstance(event, NoInput):
            return self._retry("no_input")
        if isinstance(event, Dtmf):
            return self._dtmf(event.digit)
        return self._utterance(event)

    # ---------------------------------------------------------------- helpers
    def render(self, template: str) -> str:
        """Fill ``{variables}`` from the customer row, metadata and captured slots."""
        values = dict(self._values)
        for name, value in self._record.slots.items():
            values[name] = (
                describe_time(value, self._now, self.language)
                if isinstance(value, datetime)
                else str(value)
            )
        return template.format_map(_Missing(values))

    def _prompt(self, st: State, sid: str) -> Say:
        if self.variant and self.variant in st.variants:
            text, pid = st.variants[self.variant], f"{sid}#{self.variant}"
        else:
            text, pid = st.prompt, sid
        return Say(self.render(text), pid, st.barge_in)

    def _expect(self, sid: str) -> ExpectPhrases:
        st = self.script.states[sid]
        timeout = st.no_input_timeout_s or self.script.defaults.no_input_timeout_s
        return ExpectPhrases(
            self._understanding.grammar(sid), self.script.free_decoding(sid), timeout
        )

    def _enter(self, sid: str, from_state: str | None, intent: str) -> list[Action]:
        actions: list[Action] = []
        for _ in range(MAX_CHAIN):
            if from_state is not None:
                actions.append(Transition(from_state, sid, intent))
            self._state = sid
            self._turn = _Turn()
            st = self.script.states[sid]
            actions.append(self._prompt(st, sid))
            if st.end is not None:
                self._finish_state(st.end.disposition)
                actions.append(EndCall(st.end.disposition))
                return actions
            if st.handoff is not None and st.handoff.offer:
                actions.append(OfferHandoff(st.handoff.reason, st.handoff.skill))
            if st.next is None:
                actions.append(self._expect(sid))
                return actions
            from_state, sid, intent = sid, st.next, "next"
        raise RuntimeError(f"script {self.script.id}: more than {MAX_CHAIN} states without input")

    def _go(
        self, target: str, intent: str, signals: tuple[tuple[str, float], ...] = ()
    ) -> list[Action]:
        actions: list[Action] = []
        for name, weight in signals:
            self._record.signals.append(name)
            actions.append(Signal(name, weight))
        return actions + self._enter(target, self._state, intent)

    def _finish_state(self, disposition: str) -> None:
        self._ended = True
        self._disposition = disposition

    def _finish(self, disposition: str) -> list[Action]:
        self._finish_state(disposition)
        return [EndCall(disposition)]

    def _hangup(self) -> list[Action]:
        if self._mode == "human":
            disposition = "agent_handled"
        elif self._record.slots:
            disposition = "callback"
        else:
            disposition = self.script.defaults.hangup_disposition
        self._finish_state(disposition)
        return [EndCall(disposition, by_customer=True)]

    def _reask(self, lead: Say | None = None) -> list[Action]:
        st = self.script.states[self._state]
        actions: list[Action] = [lead] if lead is not None else []
        if st.reprompt:
            actions.append(Say(self.render(st.reprompt), f"{self._state}.reprompt", st.barge_in))
        else:
            actions.append(self._prompt(st, self._state))
        actions.append(self._expect(self._state))
        return actions

    def _retry(self, kind: Literal["no_input", "no_match"]) -> list[Action]:
        rule = self.script.retry(self._state, kind)
        count = self._turn.no_input + 1 if kind == "no_input" else self._turn.no_match + 1
        if kind == "no_input":
            self._turn.no_input = count
        else:
            self._turn.no_match = count
        if count > rule.max:
            if rule.then is not None:
                return self._go(rule.then, kind)
            return self._finish("no_response" if kind == "no_input" else "not_understood")
        lead = Say(self.render(rule.prompt), f"{self._state}.{kind}", True) if rule.prompt else None
        return self._reask(lead)

    # ---------------------------------------------------------------- handoff
    def _accepted(self, agent_id: str) -> list[Action]:
        st = self.script.states[self._state]
        line = (
            st.handoff.bridging
            if st.handoff is not None and st.handoff.bridging
            else self.script.defaults.bridging
        )
        self._mode = "human"
        self.agent_id = agent_id
        return [Say(self.render(line), f"{self._state}.bridging", False, bridging=True)]

    def _declined(self) -> list[Action]:
        st = self.script.states[self._state]
        if st.handoff is not None and st.handoff.on_declined:
            return self._go(st.handoff.on_declined, "handoff_declined")
        return []  # an offer the scorer made at a plain handoff point: carry on

    def _hand_back(self, target: str | None) -> list[Action]:
        if self._mode != "human":
            return []
        self._mode = "bot"
        st = self.script.states[self._state]
        to = target or (st.handoff.after_agent if st.handoff is not None else None)
        if to is None:
            return self._finish("agent_handled")
        if to not in self.script.states:
            raise ValueError(f"agent handed back to unknown state {to!r}")
        return self._go(to, "agent_hand_back")

    # ---------------------------------------------------------------- input
    def _dtmf(self, digit: str) -> list[Action]:
        for name in self.script.expected_intents(self._state):
            it = self.script.intent(name)
            if it is not None and digit in it.dtmf:
                return self._intent(name, "")
        return self._retry("no_match")

    def _utterance(self, utt: Utterance) -> list[Action]:
        if utt.confidence < self.script.defaults.min_confidence or not utt.text.strip():
            return self._retry("no_match")
        st = self.script.states[self._state]
        r = self._understanding.read(
            self._state,
            (utt.text, *utt.alternatives),
            now=self._now,
            timezone=self.timezone,
        )
        self.last_understood = r
        if r.opted_out:
            return self._opted_out(r.intent or OPT_OUT, utt.text)
        if r.slot is not None and st.capture is not None:
            return self._capture(st.capture.slot, r.slot, st.capture.then)
        if r.intent is None:
            return self._retry("no_match")
        return self._intent(r.intent, utt.text)

    def _opted_out(self, intent: str, text: str) -> list[Action]:
        """Never call again, in every state: a complaint said with it still goes to the
        complaint's handling (the opt-out is recorded as a signal), anything else ends
        the call through the script's opt-out."""
        if intent == COMPLAINT:
            self._record.signals.append(OPTED_OUT)
            return [Signal(OPTED_OUT, 0.0), *self._intent(COMPLAINT, text)]
        return self._intent(OPT_OUT, text)

    def _capture(self, slot: str, res: SlotResult, then: str) -> list[Action]:
        assert res.value is not None
        self._record.slots[slot] = res.value
        text = describe_time(res.value, self._now, self.language)
        return [CaptureSlot(slot, res.value, text), *self._go(then, slot)]

    def _intent(self, name: str, text: str) -> list[Action]:
        st = self.script.states[self._state]
        local = st.targets().get(name)
        if local is not None:
            return self._go(local.to, name, tuple((s.name, s.weight) for s in local.signals))
        g = self.script.global_intents[name]
        sigs = tuple((s.name, s.weight) for s in g.signals)
        if g.capture is not None and text:
            res = parse_callback_time(text, self._now, self.timezone, self.language)
            target = self._capture_state(g.capture)
            if res.value is not None and target is not None:
                actions: list[Action] = []
                for s_name, weight in sigs:
                    self._record.signals.append(s_name)
                    actions.append(Signal(s_name, weight))
                cap = self.script.states[target].capture
                assert cap is not None
                return actions + self._capture(g.capture, res, cap.then)
        if g.to is not None:
            return self._go(g.to, name, sigs)
        # Answer and resume the current question.
        actions = []
        for s_name, weight in sigs:
            self._record.signals.append(s_name)
            actions.append(Signal(s_name, weight))
        assert g.answer is not None
        answer = Say(self.render(g.answer), f"global.{name}", False)
        return actions + self._reask(answer)

    def _capture_state(self, slot: str) -> str | None:
        for sid, st in self.script.states.items():
            if st.capture is not None and st.capture.slot == slot:
                return sid
        return None


class _Missing(dict[str, str]):
    """format_map helper: an unknown variable stays visible instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _variable_values(script: Script, customer: Mapping[str, Any]) -> dict[str, str]:
    values: dict[str, str] = {
        "bank": script.metadata.organization,
        "assistant": script.metadata.assistant,
    }
    for name, var in script.variables.items():
        raw = customer.get(var.column or name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[name] = var.fallback
        elif var.format == "number":
            values[name] = _format_number(raw, script.language, var.fallback)
        else:
            values[name] = str(raw).strip()
    return values


def _format_number(raw: Any, language: str, fallback: str) -> str:
    try:
        n = float(str(raw).replace(",", ""))
    except ValueError:
        return fallback
    text = f"{n:,.0f}" if n == int(n) else f"{n:,.2f}"
    return text if language.startswith("en") else text.replace(",", "")
