"""The intent scorer: a score 0-100, a grade and the reasons, updated at every turn. Pure.

``IntentScorer`` keeps one call's features and, after every turn, computes a logistic
model's linear predictor ``z = bias + sum(weight * feature)`` over the features seen so far
(sparse: a few dozen non-zero values), maps ``z`` to a score with the model's calibration
and the score to a grade with the campaign's thresholds. The reasons are the features that
moved the score most, in plain words in the script's language and in English. When the
score reaches the campaign's live threshold in a state where the engine allows a handoff,
the update carries a ``HandoffRequest`` (once per call); the script's own handoff offers
(``OfferHandoff``) become requests too, with the score and reasons attached.

Features (names are stable; a model uses those it has weights for):
- ``signal:<name>`` signals the script emitted (count, at most 3), and
  ``script:signal_weight`` the sum of the weights the script declares for them;
- ``intent:<name>`` intents heard (count, at most 3), ``state:<id>`` states reached (1),
  ``answer:<state>:<intent>`` what the customer answered where (an intent, ``no_match``,
  ``silence`` or ``hangup``; count, at most 3);
- ``conv:*`` customer turns, questions, asks for details / price / how-to, positive and
  negative wording, hesitant, noncommittal, polite, hostile and wrong-person wording,
  filler-only turns (``dialogue.intent.cues``), interruptions, silences (no input),
  not-understood turns, whether the customer hung up, and the customer's share of
  talking time;
- ``profile:*`` from the customer's profile: star level (/7), segment, AUM band, tags,
  app views this week per category (log1p), past campaign responses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from dialogue.engine import (
    AgentHandBack,
    Dtmf,
    EndCall,
    HandoffAccepted,
    NoInput,
    OfferHandoff,
    Say,
    ScriptEngine,
    Signal,
    Transition,
    Utterance,
)
from dialogue.intent.cues import cues, speech_seconds
from dialogue.intent.model import GradeThresholds, ScoringModel
from dialogue.intent.profile import COUNT_CAP, CustomerProfile
from dialogue.intent.reasons import describe, reason_code
from kernel.vocab import Grade
from scripts.schema import Script

TurnKind = Literal["start", "speech", "no_input", "dtmf", "event"]

TURN_CAP = 8.0
MIN_REASON = 0.05  # contributions smaller than this are not worth a reason
NOT_INTENTS = frozenset({"next", "no_input", "no_match", "handoff_declined", "agent_hand_back"})


# ------------------------------------------------------------------------ observations
@dataclass(frozen=True)
class TurnObservation:
    """One turn as the scorer sees it: what the customer did and what the engine did.

    ``kind``: ``start`` (the opening, no customer input), ``speech`` (``text`` as heard),
    ``no_input`` (silence), ``dtmf``, ``event`` (anything else, e.g. a declined handoff).
    ``actions`` are the engine's actions for the turn; ``state``, ``handoff_allowed`` and
    ``handoff_skill`` the engine's after it.
    """

    at: datetime
    state: str
    kind: TurnKind = "speech"
    text: str = ""
    confidence: float = 1.0
    barge_in: bool = False
    speech_s: float | None = None  # customer's speaking time (None: estimate from text)
    actions: tuple[object, ...] = ()
    handoff_allowed: bool = False
    handoff_skill: str | None = None
    ended: bool = False

    @classmethod
    def after(
        cls,
        engine: ScriptEngine,
        event: object | None,
        actions: Sequence[object],
        *,
        at: datetime,
        heard: str | None = None,
        barge_in: bool = False,
        speech_s: float | None = None,
    ) -> TurnObservation:
        """The turn that ``engine`` just handled (``event`` None: ``engine.start()``)."""
        kind: TurnKind
        text, confidence = "", 1.0
        if event is None:
            kind = "start"
        elif isinstance(event, Utterance):
            kind = "speech"
            text = event.text if heard is None else heard
            confidence = event.confidence
        elif isinstance(event, NoInput):
            kind = "no_input"
        elif isinstance(event, Dtmf):
            kind = "dtmf"
        else:
            kind = "event"
        return cls(
            at=at,
            state=engine.state,
            kind=kind,
            text=text,
            confidence=confidence,
            barge_in=barge_in,
            speech_s=speech_s,
            actions=tuple(actions),
            handoff_allowed=engine.handoff_allowed,
            handoff_skill=engine.handoff_skill,
            ended=engine.ended,
        )


@dataclass(frozen=True)
class Reason:
    """Why the score is what it is: a stable code, plain words, and its pull on ``z``."""

    code: str
    text: str  # in the script's language
    text_en: str
    contribution: float = 0.0  # weight * value; positive raises the score

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "text_en": self.text_en,
            "contribution": round(self.contribution, 3),
        }


@dataclass(frozen=True)
class HandoffRequest:
    """Ask the console for a live agent now (routed by ``handoff``)."""

    call_sid: str
    customer_id: int | None
    score: float
    grade: Grade
    reasons: tuple[Reason, ...]
    skill: str | None
    state: str
    requested_at: datetime
    trigger: Literal["score", "script"] = "score"
    script_reason: str | None = None  # the script's handoff reason when trigger == "script"
    script_id: str = ""
    language: str = ""  # the script's language (a script id names one per language)
    model_version: str = ""
    callback_at: datetime | None = None  # when to call back if nobody takes the call now


@dataclass(frozen=True)
class ScoreUpdate:
    score: float  # 0..100
    grade: Grade
    reasons: tuple[Reason, ...]
    turn: int  # customer turns so far
    state: str
    handoff_request: HandoffRequest | None = None


# ------------------------------------------------------------------------------ scorer
@dataclass
class _Conversation:
    signals: dict[str, float] = field(default_factory=dict)
    signal_weight: float = 0.0
    intents: dict[str, float] = field(default_factory=dict)
    states: set[str] = field(default_factory=set)
    answers: dict[str, float] = field(default_factory=dict)  # "<state>:<intent>" -> count
    conv: dict[str, float] = field(default_factory=dict)
    customer_s: float = 0.0
    bot_s: float = 0.0


class IntentScorer:
    """Scores one call, turn by turn. Pure: no clock, no I/O (times come in the turns)."""

    def __init__(
        self,
        model: ScoringModel,
        script: Script,
        profile: CustomerProfile | None = None,
        thresholds: GradeThresholds | None = None,
        *,
        call_sid: str = "",
        customer_id: int | None = None,
        max_reasons: int = 4,
    ) -> None:
        self.model = model
        self.script = script
        self.language = script.language
        self.profile = profile or CustomerProfile()
        self.thresholds = thresholds or GradeThresholds()
        self.call_sid = call_sid
        self.customer_id = customer_id
        self.max_reasons = max_reasons
        self._w = model.weight_map()
        self._intent_names = frozenset(script.intents) | frozenset(script.global_intents)
        self._profile_features = self.profile.features()
        self._c = _Conversation()
        self._turns = 0
        self._requested = False
        # An agent has the call (a handoff accepted, not handed back): the agent's part is
        # not the bot's conversation (the fitted calls never contain it), so it leaves the
        # score as it was; the customer hanging up on the agent is not hanging up on the bot.
        self._with_agent = False
        self._state: str | None = None  # the engine's state before the turn
        self.last: ScoreUpdate | None = None

    # -- features --------------------------------------------------------------------------
    def features(self) -> dict[str, float]:
        """Every non-zero feature of the call so far."""
        c = self._c
        f = dict(self._profile_features)
        for name, n in c.signals.items():
            f[f"signal:{name}"] = min(n, COUNT_CAP)
        if c.signal_weight:
            f["script:signal_weight"] = c.signal_weight
        for name, n in c.intents.items():
            f[f"intent:{name}"] = min(n, COUNT_CAP)
        for sid in c.states:
            f[f"state:{sid}"] = 1.0
        for key, n in c.answers.items():
            f[f"answer:{key}"] = min(n, COUNT_CAP)
        for name, n in c.conv.items():
            f[f"conv:{name}"] = min(n, TURN_CAP if name == "customer_turns" else COUNT_CAP)
        total = c.customer_s + c.bot_s
        if total > 0 and c.customer_s > 0:
            f["conv:talk_ratio"] = c.customer_s / total
        return f

    def _bump(self, key: str, by: float = 1.0) -> None:
        self._c.conv[key] = self._c.conv.get(key, 0.0) + by

    def _absorb(self, turn: TurnObservation) -> None:
        c = self._c
        if turn.kind == "speech":
            self._turns += 1
            self._bump("customer_turns")
            if turn.barge_in:
                self._bump("interruptions")
            cue = cues(turn.text, self.language)
            for name in cue.names():
                self._bump("questions" if name == "question" else name)
            if not turn.text.strip():
                self._bump("not_heard")
            c.customer_s += (
                turn.speech_s
                if turn.speech_s is not None
                else speech_seconds(turn.text, self.language)
            )
        elif turn.kind == "no_input":
            self._bump("silences")
        elif turn.kind == "dtmf":
            self._turns += 1
            self._bump("customer_turns")
        outcome: str | None = None
        if any(isinstance(a, EndCall) and a.by_customer for a in turn.actions):
            outcome = "hangup"  # hanging up is the customer's answer to the last prompt
        for a in turn.actions:
            if isinstance(a, Say) and a.prompt_id.startswith("global."):
                name = a.prompt_id.removeprefix("global.")  # a global intent answered in place
                c.intents[name] = c.intents.get(name, 0.0) + 1.0
                outcome = outcome or name
            if isinstance(a, Transition) and a.intent in self._intent_names:
                outcome = outcome or a.intent
            if isinstance(a, Signal):
                c.signals[a.name] = c.signals.get(a.name, 0.0) + 1.0
                c.signal_weight += a.weight
            elif isinstance(a, Transition):
                c.states.add(a.to_state)
                if a.intent in self._intent_names and a.intent not in NOT_INTENTS:
                    c.intents[a.intent] = c.intents.get(a.intent, 0.0) + 1.0
            elif isinstance(a, EndCall) and a.by_customer:
                self._bump("hung_up")  # the customer hung up before the bot finished
            elif isinstance(a, Say):
                c.bot_s += speech_seconds(a.text, self.language)
                if a.prompt_id.endswith(".no_match"):
                    self._bump("no_match")
        if self._state is not None and (
            turn.kind in ("speech", "no_input", "dtmf") or outcome == "hangup"
        ):
            what = outcome or ("silence" if turn.kind == "no_input" else "no_match")
            key = f"{self._state}:{what}"
            c.answers[key] = c.answers.get(key, 0.0) + 1.0
        if turn.kind == "start":
            c.states.add(self.script.start)
        self._state = turn.state

    # -- scoring ---------------------------------------------------------------------------
    def _reasons(self, feats: Mapping[str, float]) -> tuple[Reason, ...]:
        contrib = [(self._w[k] * v, k, v) for k, v in feats.items() if k in self._w]
        contrib = [t for t in contrib if abs(t[0]) >= MIN_REASON]
        contrib.sort(key=lambda t: (-abs(t[0]), t[1]))
        out: list[Reason] = []
        for cval, name, value in contrib:
            text, text_en = describe(name, value, self.language)
            same = next(
                (
                    i
                    for i, r in enumerate(out)
                    if text in (r.text, r.text_en) or text_en == r.text_en
                ),
                None,
            )
            if same is not None:  # two features, one meaning (a signal and an intent): one
                r = out[same]  # line with their summed pull, under the stronger one's code
                out[same] = Reason(r.code, r.text, r.text_en, r.contribution + cval)
            elif len(out) < self.max_reasons:
                out.append(Reason(reason_code(name), text, text_en, cval))
        return tuple(out)

    def current(self) -> tuple[float, Grade, dict[str, float]]:
        feats = self.features()
        score = round(self.model.score(feats), 1)
        return score, self.thresholds.grade(score), feats

    def observe_turn(self, turn: TurnObservation) -> ScoreUpdate:
        """Take one turn in; the new score, grade, reasons, and a handoff request if due."""
        self._absorb(turn)
        score, grade, feats = self.current()
        reasons = self._reasons(feats)
        request: HandoffRequest | None = None
        offer = next((a for a in turn.actions if isinstance(a, OfferHandoff)), None)
        if offer is not None and not turn.ended:
            request = self._request(turn, score, grade, reasons, "script", offer)
        elif (
            not self._requested
            and not turn.ended
            and turn.handoff_allowed
            and score >= self.thresholds.live
        ):
            request = self._request(turn, score, grade, reasons, "score", None)
        if request is not None:
            self._requested = True
        self.last = ScoreUpdate(score, grade, reasons, self._turns, turn.state, request)
        return self.last

    def observe(
        self,
        engine: ScriptEngine,
        event: object | None,
        actions: Sequence[object],
        *,
        at: datetime,
        heard: str | None = None,
        barge_in: bool = False,
        speech_s: float | None = None,
    ) -> ScoreUpdate:
        """``observe_turn`` for the turn ``engine`` just handled (what the pipeline calls)."""
        if isinstance(event, HandoffAccepted):
            self._with_agent = True
        elif isinstance(event, AgentHandBack):
            self._with_agent = False
        if self._with_agent and self.last is not None:
            return replace(self.last, handoff_request=None)
        return self.observe_turn(
            TurnObservation.after(
                engine, event, actions, at=at, heard=heard, barge_in=barge_in, speech_s=speech_s
            )
        )

    def _request(
        self,
        turn: TurnObservation,
        score: float,
        grade: Grade,
        reasons: tuple[Reason, ...],
        trigger: Literal["score", "script"],
        offer: OfferHandoff | None,
    ) -> HandoffRequest:
        return HandoffRequest(
            call_sid=self.call_sid,
            customer_id=self.customer_id,
            score=score,
            grade=grade,
            reasons=reasons,
            skill=(offer.skill if offer is not None and offer.skill else turn.handoff_skill),
            state=turn.state,
            requested_at=turn.at,
            trigger=trigger,
            script_reason=offer.reason if offer is not None else None,
            script_id=self.script.id,
            language=self.language,
            model_version=self.model.version,
        )

    @property
    def requested(self) -> bool:
        """A handoff request was emitted in this call."""
        return self._requested
