"""Simulated customers: personas (YAML data) and the seeded policy that makes them talk.

A persona says how likely the customer answers at each hour, how they sound, how they
behave (barge in, go silent, ask for a person, go off topic, drop the call, hang up after
N s), what they answer to each kind of prompt (weights over intents), and their
ground-truth grade A/B/C/D, so scoring can be measured. A persona's answers follow its
grade's definition (docs/intent.md), above all at the decision prompts: ``handoff`` (an
agent or specialist now?), ``follow_up`` (send information, call back later?) and
``callback`` (when?); kinds a persona leaves out are answered as ``question``. Reply texts come from the shared bank ``personas/_replies.yaml``
(per language and intent), which a persona may override, or, for a policy told to
``draw_from`` the hand-written fit set (``simulator.spoken``), from what people wrote for
that state and intent.

``PersonaPolicy`` is pure: given the prompt the bot played (learnt through the
simulator-only side channel, or unknown) it picks the reply with a seeded RNG, so a run
is reproducible for a seed.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kernel.errors import InvalidInput
from kernel.vocab import Grade
from simulator.sidechannel import BotPrompt
from simulator.spoken import SpokenReplies
from simulator.tts import Voice

PERSONA_DIR = Path(__file__).parent / "personas"
LANGUAGES = ("zh-CN", "ko-KR", "en-US")
Attitude = Literal[
    "interested", "curious", "neutral", "busy", "hostile", "opt_out", "wrong_person", "elderly"
]
PromptKind = Literal[
    "identity", "offer", "question", "handoff", "follow_up", "callback", "closing", "bridge"
]
# Kinds a persona may leave out: it then answers them as ``question`` prompts.
DECISION_KINDS: tuple[PromptKind, ...] = ("handoff", "follow_up", "callback")
# Intents a persona can express. The first nine are the scripts' intents; ``maybe``
# (noncommittal), ``hesitate`` (not now, let me think) and ``callback_time`` (a time to
# call back) are customer moves the scripts do not name as intents; at the identity
# question the customer confirms who they are (``confirm_identity``) or a family member
# answers for them (``relative``).
INTENTS = (
    "yes",
    "no",
    "ask_how",
    "ask_human",
    "ask_robot",
    "opt_out",
    "wrong_person",
    "busy_callback",
    "complaint",
    "bye",
    "hello",
    "repeat",
    "maybe",
    "hesitate",
    "callback_time",
    "confirm_identity",
    "relative",
)
# What the customer says to a live agent after a takeover, turn by turn, by grade: the
# keen ask how and agree, the lukewarm hesitate, the unwilling decline; then goodbye.
AGENT_LEG: Mapping[Grade, tuple[str, ...]] = {
    "A": ("ask_how", "yes", "yes", "bye"),
    "B": ("ask_how", "hesitate", "yes", "bye"),
    "C": ("hesitate", "no", "bye"),
    "D": ("no", "bye"),
}
# Off-topic moves (``off_topic`` behaviour): said instead of an answer.
OFF_TOPIC = ("ask_robot", "repeat", "hello")
INTENT_ALIASES = {"interested": "yes", "not_interested": "no", "question": "ask_how"}


def _bool_keys(v: object) -> object:
    """YAML 1.1 reads the keys ``yes``/``no`` as booleans: give the intent names back."""
    if not isinstance(v, dict):
        return v
    return {("yes" if k else "no") if isinstance(k, bool) else k: w for k, w in v.items()}


class VoiceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    espeak_voice: str | None = None
    speed_wpm: tuple[int, int] = (150, 175)
    pitch: tuple[int, int] = (40, 60)


class Behaviours(BaseModel):
    model_config = ConfigDict(extra="forbid")
    barge_in: float = Field(0.0, ge=0, le=1)  # per bot turn
    silence: float = Field(0.0, ge=0, le=1)  # per bot turn: says nothing
    ask_human: float = Field(0.0, ge=0, le=1)  # per offer/question turn
    ask_question: float = Field(0.0, ge=0, le=1)  # per offer/question turn
    off_topic: float = Field(0.0, ge=0, le=1)  # per answering turn: robot?, what?, hello?
    drop: float = Field(0.0, ge=0, le=1)  # per answering turn: hangs up without a word
    hangup_after_s: float | None = Field(None, gt=0)
    says_hello: bool = False  # says "hello?" on answering, before the bot speaks
    response_delay_s: tuple[float, float] = (0.4, 1.2)
    max_turns: int = Field(12, ge=1)


class Persona(BaseModel):
    """One kind of customer."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str = ""
    attitude: Attitude
    grade: Grade
    answer_probability: dict[str, float]
    ring_s: tuple[float, float] = (3.0, 10.0)
    voices: dict[str, VoiceSpec] = Field(default_factory=dict)
    behaviours: Behaviours = Field(default_factory=Behaviours)
    intents: dict[PromptKind, dict[str, float]]
    replies: dict[str, dict[str, list[str]]] = Field(default_factory=dict)

    @field_validator("answer_probability")
    @classmethod
    def _hours(cls, v: dict[str, float]) -> dict[str, float]:
        if "default" not in v:
            raise ValueError("needs a 'default' probability")
        for key, p in v.items():
            if not 0 <= p <= 1:
                raise ValueError(f"{key}: probability must be within 0..1")
            if key != "default" and not re.fullmatch(r"\d{1,2}-\d{1,2}", key):
                raise ValueError(f"{key}: use 'default' or an hour range like '9-12'")
        return v

    @field_validator("intents", mode="before")
    @classmethod
    def _yaml_booleans(cls, v: object) -> object:
        if isinstance(v, dict):
            return {k: _bool_keys(w) for k, w in v.items()}
        return v

    @field_validator("replies", mode="before")
    @classmethod
    def _yaml_booleans_replies(cls, v: object) -> object:
        if isinstance(v, dict):
            return {k: _bool_keys(w) for k, w in v.items()}
        return v

    @field_validator("intents")
    @classmethod
    def _known_intents(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for kind, weights in v.items():
            for intent, w in weights.items():
                if intent not in INTENTS:
                    raise ValueError(f"{kind}.{intent}: unknown intent")
                if w < 0:
                    raise ValueError(f"{kind}.{intent}: negative weight")
        return v

    def answer_probability_at(self, hour: int) -> float:
        """Probability of answering at local ``hour`` (ranges are [start, end))."""
        for key, p in self.answer_probability.items():
            if key == "default":
                continue
            start, end = (int(x) for x in key.split("-"))
            if start <= hour < end:
                return p
        return self.answer_probability["default"]


ReplyBank = Mapping[str, Mapping[str, list[str]]]


def _load_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"not valid YAML: {exc}", where=path.name) from None


@functools.lru_cache(maxsize=8)
def load_reply_bank(directory: Path = PERSONA_DIR) -> dict[str, dict[str, list[str]]]:
    """The shared reply bank (cached: treat it as read-only)."""
    data = _load_yaml(directory / "_replies.yaml")
    if not isinstance(data, dict):
        raise InvalidInput(
            "expected a mapping of language -> intent -> phrases", where="_replies.yaml"
        )
    out: dict[str, dict[str, list[str]]] = {}
    for lang, bank in data.items():
        fixed = _bool_keys(bank)
        if not isinstance(fixed, dict):
            raise InvalidInput("expected intent -> phrases", where=f"_replies.yaml: {lang}")
        out[str(lang)] = {str(i): [str(x) for x in p] for i, p in fixed.items()}
    return out


def load_persona(path: Path) -> Persona:
    try:
        return Persona.model_validate(_load_yaml(path))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(err["msg"], where=f"{path.name}: {field}") from None


def load_personas(directory: Path = PERSONA_DIR) -> dict[str, Persona]:
    """Every ``*.yaml`` persona in ``directory`` (files starting with ``_`` are banks)."""
    out: dict[str, Persona] = {}
    for path in sorted(directory.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        persona = load_persona(path)
        if persona.id in out:
            raise InvalidInput(f"duplicate persona id {persona.id!r}", where=path.name)
        out[persona.id] = persona
    return out


# -- what kind of prompt did the bot play? ---------------------------------------------
_ID_HINTS: Mapping[PromptKind, tuple[str, ...]] = {
    "identity": ("greet", "identity", "confirm", "verify", "intro", "opening"),
    "closing": ("closing", "goodbye", "bye", "end", "farewell", "thanks"),
    "bridge": ("bridge", "bridging", "transfer", "handoff", "hold"),
    "offer": ("offer", "pitch", "product", "promo"),
}
# Decision prompts, told by their wording (checked in this order, before the ids of
# identity and offer prompts, after closing and bridge ids): when to call back; a softer
# next step (send information, a specialist calls back); a live agent or guide now (only
# when the prompt asks).
_DECISION_HINTS: Mapping[PromptKind, tuple[str, ...]] = {
    "callback": ("什么时候方便", "何时方便", "언제 다시", "when would be a good time", "what time"),
    "follow_up": (
        "回电",
        "发到",
        "发一条",
        "短信",
        "다시 전화 드려도",
        "문자",
        "보내 드릴",
        "call you back",
        "send you",
    ),
    "handoff": (
        "专员",
        "理财经理",
        "转接",
        "带您",
        "상담원",
        "연결",
        "agent",
        "specialist",
        "advisor",
        "walk you through",
    ),
}
_QUESTION_MARKS = ("吗", "？", "?", "까요", "니까")
_TEXT_HINTS: Mapping[PromptKind, tuple[str, ...]] = {
    "closing": ("再见", "感谢您的接听", "祝您", "안녕히", "감사합니다", "goodbye", "have a nice"),
    "bridge": ("转接", "请稍等", "연결해 드리", "잠시만", "transfer you", "please hold"),
    "identity": (
        "本人",
        "请问是",
        "是不是",
        "본인",
        "맞으세요",
        "맞습니까",
        "speaking with",
        "am i speaking",
        "is this",
    ),
    "offer": (
        "感兴趣",
        "了解一下",
        "活动",
        "利率",
        "관심",
        "상품",
        "금리",
        "interested",
        "offer",
        "rate",
    ),
}


def classify_prompt(prompt: BotPrompt | None, turn: int) -> PromptKind:
    """Guess the prompt's kind: closing and bridge ids, then decision wording (callback,
    follow-up, handoff questions), then the other ids, then text; unknown by position."""
    if prompt is not None:
        pid = (prompt.prompt_id or "").lower()
        text = prompt.text.lower()
        for kind in ("closing", "bridge"):
            if any(h in pid for h in _ID_HINTS[kind]):
                return kind
        asks = any(q in text for q in _QUESTION_MARKS)
        for kind, hints in _DECISION_HINTS.items():
            if (kind != "handoff" or asks) and any(h in text for h in hints):
                return kind
        for kind, hints in _ID_HINTS.items():
            if any(h in pid for h in hints):
                return kind
        for kind, hints in _TEXT_HINTS.items():
            if any(h in text for h in hints):
                return kind
    return "identity" if turn == 0 else "offer" if turn == 1 else "question"


@dataclass(frozen=True)
class Reply:
    """What the customer does after a bot prompt."""

    intent: str | None  # None: no words (silence, hang-up, waiting)
    text: str | None
    delay_s: float  # after the prompt ends (or after it starts, when barging in)
    barge_in: bool = False
    hangup: bool = False
    silent: bool = False


class PersonaPolicy:
    """One customer's deterministic choices for one call."""

    def __init__(
        self,
        persona: Persona,
        language: str,
        *,
        seed: int,
        call_key: str,
        bank: ReplyBank | None = None,
    ) -> None:
        if language not in LANGUAGES:
            raise InvalidInput(f"unsupported language {language!r}", where="language")
        self.persona = persona
        self.language = language
        self.rng = random.Random(f"{seed}:{persona.id}:{call_key}")
        self.bank = bank if bank is not None else load_reply_bank()
        self.spoken: SpokenReplies | None = None
        self.turns = 0
        self.agent_turns = 0
        spec = persona.voices.get(language, VoiceSpec())
        self.voice = Voice(
            language=language,
            espeak_voice=spec.espeak_voice,
            speed_wpm=self.rng.randint(*spec.speed_wpm),
            pitch=self.rng.randint(*spec.pitch),
        )

    @property
    def grade(self) -> Grade:
        return self.persona.grade

    def phrase(self, intent: str) -> str:
        intent = INTENT_ALIASES.get(intent, intent)
        own = self.persona.replies.get(self.language, {}).get(intent)
        options = own or self.bank.get(self.language, {}).get(intent)
        if not options:
            raise InvalidInput(
                f"no {self.language} phrasing for intent {intent!r}",
                where=f"persona {self.persona.id}",
            )
        return self.rng.choice(options)

    def draw_from(self, spoken: SpokenReplies) -> None:
        """Say things as the fit set's customers do at each state (``simulator.spoken``),
        the reply bank only where the fit set has nothing for the intent."""
        self.spoken = spoken

    def _say(self, intent: str, prompt: BotPrompt | None) -> str:
        if self.spoken is not None and prompt is not None:
            text = self.spoken.say(self.rng, prompt.prompt_id, intent)
            if text is not None:
                return text
        return self.phrase(intent)

    def _delay(self) -> float:
        return round(self.rng.uniform(*self.persona.behaviours.response_delay_s), 3)

    def opening(self) -> Reply | None:
        """What the customer says on picking up, before the bot speaks."""
        if not self.persona.behaviours.says_hello:
            return None
        return Reply("hello", self.phrase("hello"), self._delay())

    def agent_reply(self) -> Reply:
        """The customer's answer to a live agent's next turn after a takeover (``AGENT_LEG``
        of the persona's grade); after the last line, the customer hangs up."""
        leg = AGENT_LEG[self.persona.grade]
        turn = self.agent_turns
        self.agent_turns += 1
        if turn >= len(leg):
            return Reply(None, None, self._delay(), hangup=True)
        intent = leg[turn]
        return Reply(intent, self.phrase(intent), self._delay(), hangup=turn == len(leg) - 1)

    def reply(self, prompt: BotPrompt | None, elapsed_s: float = 0.0) -> Reply:
        """The customer's reaction to the bot's next prompt."""
        b = self.persona.behaviours
        turn = self.turns
        self.turns += 1
        if (b.hangup_after_s is not None and elapsed_s >= b.hangup_after_s) or turn >= b.max_turns:
            return Reply(None, None, self._delay(), hangup=True)
        kind = classify_prompt(prompt, turn)
        if kind == "bridge":
            return Reply(None, None, 0.0, silent=True)
        if kind == "closing":
            return Reply("bye", self.phrase("bye"), self._delay())
        # draws happen in a fixed order so a seed always gives the same call
        r_silence, r_human, r_question, r_barge, r_off, r_drop = (
            self.rng.random() for _ in range(6)
        )
        if r_drop < b.drop:
            return Reply(None, None, self._delay(), hangup=True)
        if r_silence < b.silence:
            return Reply(None, None, 0.0, silent=True)
        intent: str
        asking = kind in ("offer", "question")
        if r_off < b.off_topic:
            intent = OFF_TOPIC[int(r_off / b.off_topic * len(OFF_TOPIC)) % len(OFF_TOPIC)]
        elif asking and r_human < b.ask_human:
            intent = "ask_human"
        elif asking and r_question < b.ask_question:
            intent = "ask_how"
        else:
            weights = (
                self.persona.intents.get(kind)
                or self.persona.intents.get("question")
                or {"yes": 1.0}
            )
            names = sorted(weights)
            intent = self.rng.choices(names, weights=[weights[n] for n in names])[0]
        return Reply(
            intent, self._say(intent, prompt), self._delay(), barge_in=r_barge < b.barge_in
        )
