"""The call-script format as pydantic models: what a bank's script author writes in YAML.

A script is one language's version of one conversation. Cross-references (state and
intent names) are not checked here, so that the linter can report each broken reference
under its own rule; ``Script.reference_problems()`` lists them and the engine refuses a
script that has any.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator

from kernel.zones import check_zone
from scripts import optout
from scripts.matching import Lexicon

if TYPE_CHECKING:
    from scripts.matching import Lexicon

SCHEMA_PATH = Path(__file__).with_name("script.schema.json")

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"

# The global intent that ends every call with an opt-out (decided by ``scripts.optout``).
OPT_OUT = "opt_out"

# The global intents every script is expected to define (the linter warns on a missing one;
# ``opt_out`` is an error).
REQUIRED_GLOBALS: tuple[str, ...] = (
    "opt_out",
    "ask_human",
    "wrong_person",
    "busy",
    "complaint",
    "is_robot",
)

# What a script sells; each type may require statements (scripts.lint REQUIRED_STATEMENTS).
ProductType = Literal["general", "wealth", "insurance", "loan", "card", "deposit"]

# Variables every script may use without declaring them (filled from the metadata or slots).
BUILTIN_VARIABLES: frozenset[str] = frozenset({"bank", "assistant"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Metadata(_Model):
    """Who the script is, for which language, and how it sounds."""

    id: str = Field(pattern=NAME_PATTERN, description="Stable script id, e.g. points_reminder")
    version: Annotated[
        str,
        BeforeValidator(
            lambda v: str(v) if isinstance(v, int | float) else v,
            json_schema_input_type=str | int | float,
        ),
    ] = Field(pattern=r"^\d+(\.\d+){0,2}$", description="Version of this script, e.g. 1 or 1.2.0")
    language: str = Field(pattern=LANGUAGE_PATTERN, description="BCP 47 tag: zh-CN, ko-KR, en-US")
    title: str = Field(min_length=1)
    purpose: str = Field(min_length=1, description="Why the bank calls; reviewed by compliance")
    voice: str = Field(
        min_length=1, description="TTS voice id (espeak-ng voice, e.g. cmn, ko, en-us)"
    )
    organization: str = Field(min_length=1, description="The calling bank, spoken as {bank}")
    assistant: str = Field(default="", description="The assistant's name, spoken as {assistant}")
    product_type: ProductType = Field(
        default="general",
        description="What the call sells; decides the statements the script must speak "
        "(wealth: the risk warning, uninterruptible)",
    )
    timezone: str = Field(
        default="Asia/Shanghai",
        description="IANA zone used when the customer record has none",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        return check_zone(v)


class Variable(_Model):
    """A value taken from the customer's row, with the text used when the row lacks it."""

    column: str | None = Field(
        default=None, description="Call-list column; defaults to the variable's own name"
    )
    fallback: str = Field(description="Spoken when the column is missing or empty")
    format: Literal["text", "number"] = Field(
        default="text", description="number: digits grouped for the language"
    )
    personal: bool = Field(
        default=True,
        description="About the customer (name, points, products, balances): never spoken "
        "before the identity state, and only the name in it",
    )


class SignalSpec(_Model):
    """A named fact for the intent scorer, with an optional weight."""

    name: str = Field(pattern=NAME_PATTERN)
    weight: float = Field(default=1.0, ge=-10, le=10)


def _signals(v: Any) -> Any:
    if isinstance(v, list):
        return [{"name": s} if isinstance(s, str) else s for s in v]
    return v


# A signal is a name or {name, weight}.
Signals = Annotated[
    tuple[SignalSpec, ...],
    BeforeValidator(_signals, json_schema_input_type=list[str | SignalSpec]),
]


class Target(_Model):
    """Where an intent leads, and what it tells the scorer."""

    to: str = Field(pattern=NAME_PATTERN, description="Target state id")
    signals: Signals = ()


class Intent(_Model):
    """A customer intent and its lexicon.

    ``phrases`` are whole replies: the speech recognizer listens for exactly these (write
    Korean in the model's word units, e.g. ``맞 습니다``), and the matcher accepts them
    anywhere in an utterance. ``keywords`` are matched only, never put in the grammar.
    ``not_if`` words void the intent when said anywhere in the utterance (hesitation is
    never agreement: 考虑一下 in 好的，我考虑一下). ``topics`` name what a question is about
    (风险, 收益): where the classifier reads another intent with topics and only this
    intent's topic words are said, this intent is meant (``scripts.question_topic``).
    ``phrases``, ``not_if`` and ``topics`` may also be mappings of language to list.
    """

    phrases: tuple[str, ...] | dict[str, tuple[str, ...]] = Field(min_length=1)
    keywords: tuple[str, ...] = ()
    not_if: tuple[str, ...] | dict[str, tuple[str, ...]] = Field(
        default=(), description="Words that void this intent anywhere in an utterance"
    )
    topics: tuple[str, ...] | dict[str, tuple[str, ...]] = Field(
        default=(), description="Words naming the topic of a question this intent asks"
    )
    dtmf: tuple[str, ...] = Field(default=(), description="Keypad digits meaning this intent")
    priority: int = Field(default=0, description="Higher wins when several intents match")

    def phrases_for(self, language: str) -> tuple[str, ...]:
        return _for_language(self.phrases, language)

    def not_if_for(self, language: str) -> tuple[str, ...]:
        return _for_language(self.not_if, language)

    def topics_for(self, language: str) -> tuple[str, ...]:
        return _for_language(self.topics, language)


def _for_language(
    words: tuple[str, ...] | dict[str, tuple[str, ...]], language: str
) -> tuple[str, ...]:
    """A word list, or the list of ``language`` (or its base language) from a mapping."""
    if isinstance(words, dict):
        base = language.split("-")[0]
        for key in (language, base):
            if key in words:
                return words[key]
        return ()
    return words


class GlobalIntent(Intent):
    """An intent heard in every state: go to a state, or answer and resume the current one."""

    to: str | None = Field(default=None, pattern=NAME_PATTERN)
    answer: str | None = Field(default=None, min_length=1)
    signals: Signals = ()
    capture: str | None = Field(
        default=None,
        description="Slot to try to fill from the same utterance (busy: 'call me tomorrow at 3')",
    )


class Retry(_Model):
    """Re-prompt up to ``max`` times with ``prompt`` (then the state's question), then go on."""

    max: int = Field(default=2, ge=0, le=5)
    prompt: str | None = None
    then: str | None = Field(default=None, pattern=NAME_PATTERN)


class Disclosure(_Model):
    """What the opening tells the customer; the linter also checks the text says it."""

    caller: bool = False
    automated: bool = False
    purpose: bool = False
    recording: bool = False


class Handoff(_Model):
    """A point where a live agent may take over."""

    skill: str | None = Field(default=None, description="Agent skill needed")
    reason: str = Field(default="handoff_point", pattern=NAME_PATTERN)
    offer: bool = Field(
        default=True,
        description="Ask for an agent on entering; false: only allow the scorer to offer",
    )
    bridging: str | None = Field(default=None, description="Said when an agent accepts")
    on_declined: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="State when no agent accepts in time"
    )
    after_agent: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="State when the agent hands back"
    )


class Capture(_Model):
    """Fill a slot from the customer's reply."""

    slot: str = Field(pattern=NAME_PATTERN)
    kind: Literal["datetime"] = "datetime"
    then: str = Field(pattern=NAME_PATTERN)
    free_decoding: bool = Field(
        default=True, description="Recognize free speech; false: listen for `phrases` only"
    )
    phrases: tuple[str, ...] = Field(default=(), description="Grammar phrases for the slot")


class IdentityCheck(_Model):
    """The state asks who answered; ``confirmed`` intents say it is the customer."""

    confirmed: tuple[str, ...] = Field(
        default=("confirm_identity",),
        min_length=1,
        description="Intents by which the customer confirms who they are",
    )
    may_say: tuple[str, ...] = Field(
        default=("name",), description="Personal variables the identity question may say"
    )


class End(_Model):
    disposition: str = Field(pattern=NAME_PATTERN)
    branch_follow_up: bool = Field(
        default=False,
        description="The customer should be served in person: a lead for their branch",
    )


class State(_Model):
    """One step of the conversation."""

    prompt: str = Field(min_length=1)
    variants: dict[str, str] = Field(default_factory=dict, description="A/B variants of prompt")
    reprompt: str | None = Field(default=None, description="Shorter question for re-prompts")
    barge_in: bool = Field(default=True, description="May the customer interrupt this prompt")
    disclosure: Disclosure | None = None
    transitions: dict[str, str | Target] = Field(
        default_factory=dict, description="intent -> target state (or {to, signals})"
    )
    next: str | None = Field(default=None, pattern=NAME_PATTERN, description="Go on without input")
    disable_globals: tuple[str, ...] = ()
    no_input: Retry | None = None
    no_match: Retry | None = None
    capture: Capture | None = None
    handoff: Handoff | None = None
    end: End | None = None
    identity: IdentityCheck | None = Field(
        default=None, description="This state confirms who answered before anything personal"
    )
    no_input_timeout_s: float | None = Field(default=None, gt=0, le=60)

    @field_validator("transitions", mode="before")
    @classmethod
    def _targets(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: Target(to=t) if isinstance(t, str) else t for k, t in v.items()}
        return v

    def targets(self) -> dict[str, Target]:
        return {k: (Target(to=t) if isinstance(t, str) else t) for k, t in self.transitions.items()}

    @property
    def is_end(self) -> bool:
        return self.end is not None


class Defaults(_Model):
    """Script-wide behaviour."""

    no_input: Retry = Retry()
    no_match: Retry = Retry()
    no_input_timeout_s: float = Field(default=6.0, gt=0, le=60)
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    bridging: str = Field(min_length=1, description="Default line when an agent accepts")
    hangup_disposition: str = Field(default="hung_up", pattern=NAME_PATTERN)
    timeout_disposition: str = Field(default="timeout", pattern=NAME_PATTERN)


@dataclass(frozen=True)
class TextRef:
    """A speakable text of the script and where it is."""

    path: tuple[str | int, ...]
    text: str


class Script(_Model):
    """A whole call script."""

    metadata: Metadata
    start: str = Field(pattern=NAME_PATTERN, description="First state")
    variables: dict[str, Variable] = Field(default_factory=dict)
    defaults: Defaults
    intents: dict[str, Intent] = Field(default_factory=dict)
    global_intents: dict[str, GlobalIntent] = Field(default_factory=dict)
    states: dict[str, State] = Field(min_length=1)

    _source: str = PrivateAttr(default="<memory>")
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    @field_validator("variables", "intents", "global_intents", "states")
    @classmethod
    def _names(cls, v: dict[str, Any]) -> dict[str, Any]:
        bad = [k for k in v if not re.match(NAME_PATTERN, k)]
        if bad:
            raise ValueError(f"names must be lower_snake_case: {', '.join(map(repr, bad))}")
        return v

    # -- shortcuts -------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.metadata.id

    @property
    def language(self) -> str:
        return self.metadata.language

    @property
    def source(self) -> str:
        return self._source

    def attach_source(self, source: str, lines: dict[tuple[str | int, ...], int]) -> None:
        """Remember the file and the YAML line of each path (set by the loader)."""
        self._source = source
        self._lines = dict(lines)

    def line_of(self, path: tuple[str | int, ...]) -> int | None:
        """The YAML line of ``path`` or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self._lines:
                return self._lines[p]
            p = p[:-1]
        return self._lines.get((), None)

    def where(self, path: tuple[str | int, ...]) -> str:
        line = self.line_of(path)
        return f"{self._source}:{line}" if line else self._source

    # -- lexicon ---------------------------------------------------------------------------
    def intent(self, name: str) -> Intent | None:
        return self.intents.get(name) or self.global_intents.get(name)

    def enabled_globals(self, state_id: str) -> list[str]:
        """Global intents heard in ``state_id`` (all but the state's disabled ones)."""
        st = self.states[state_id]
        return [g for g in self.global_intents if g not in st.disable_globals]

    def expected_intents(self, state_id: str) -> list[str]:
        """Intents the state listens for: its own transitions, then the enabled globals."""
        st = self.states[state_id]
        names = list(st.transitions)
        names += [g for g in self.enabled_globals(state_id) if g not in names]
        return names

    def lexicon(self, state_id: str, without: tuple[str, ...] = ()) -> Lexicon:
        """The matcher of what the state listens for: its intents' phrases and keywords,
        priorities and ``not_if`` words, in the script's language (``without`` intents)."""

        entries: dict[str, tuple[list[str], int]] = {}
        not_if: dict[str, tuple[str, ...]] = {}
        for name in self.expected_intents(state_id):
            it = self.intent(name)
            if it is None or name in without:
                continue
            entries[name] = ([*it.phrases_for(self.language), *it.keywords], it.priority)
            not_if[name] = it.not_if_for(self.language)
        return Lexicon(entries, self.language, not_if)

    def all_phrases(self, state_id: str) -> tuple[str, ...]:
        """The recognizer grammar of a state: its intents' phrases, slot phrases, globals."""
        st = self.states[state_id]
        out: list[str] = []
        for name in self.expected_intents(state_id):
            it = self.intent(name)
            if it is not None:
                out.extend(it.phrases_for(self.language))
        if st.capture is not None:
            out.extend(st.capture.phrases)
        if OPT_OUT in self.enabled_globals(state_id):
            out.extend(optout.grammar_phrases(self.language))
        return tuple(dict.fromkeys(out))

    def opt_out_matcher(self) -> optout.OptOutMatcher | None:
        """The opt-out matcher of this script (its own opt-out phrases and keywords added),
        or None when the script defines no ``opt_out`` intent."""
        g = self.global_intents.get(OPT_OUT)
        if g is None:
            return None
        return optout.OptOutMatcher(self.language, (*g.phrases_for(self.language), *g.keywords))

    def grammar_vocabulary(self) -> tuple[str, ...]:
        """Every phrase any state may put in the recognizer grammar (for vocabulary checks)."""
        seen: dict[str, None] = {}
        for sid in self.states:
            for p in self.all_phrases(sid):
                seen.setdefault(p, None)
        return tuple(seen)

    def free_decoding(self, state_id: str) -> bool:
        cap = self.states[state_id].capture
        return cap is not None and cap.free_decoding

    # -- texts -----------------------------------------------------------------------------
    def texts(self) -> Iterator[TextRef]:
        """Every text the bot may speak, with its path in the script."""
        yield TextRef(("defaults", "bridging"), self.defaults.bridging)
        for kind in ("no_input", "no_match"):
            r: Retry = getattr(self.defaults, kind)
            if r.prompt:
                yield TextRef(("defaults", kind, "prompt"), r.prompt)
        for gid, g in self.global_intents.items():
            if g.answer:
                yield TextRef(("global_intents", gid, "answer"), g.answer)
        for sid, st in self.states.items():
            yield TextRef(("states", sid, "prompt"), st.prompt)
            for vname, text in st.variants.items():
                yield TextRef(("states", sid, "variants", vname), text)
            if st.reprompt:
                yield TextRef(("states", sid, "reprompt"), st.reprompt)
            for kind in ("no_input", "no_match"):
                rs: Retry | None = getattr(st, kind)
                if rs is not None and rs.prompt:
                    yield TextRef(("states", sid, kind, "prompt"), rs.prompt)
            if st.handoff is not None and st.handoff.bridging:
                yield TextRef(("states", sid, "handoff", "bridging"), st.handoff.bridging)

    def branch_dispositions(self) -> frozenset[str]:
        """Dispositions of the end states that ask for a branch follow-up."""
        return frozenset(
            st.end.disposition
            for st in self.states.values()
            if st.end is not None and st.end.branch_follow_up
        )

    def variant_names(self) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for st in self.states.values():
            for v in st.variants:
                names.setdefault(v, None)
        return tuple(names)

    def slot_names(self) -> set[str]:
        return {st.capture.slot for st in self.states.values() if st.capture is not None}

    # -- references ------------------------------------------------------------------------
    def successors(self, state_id: str) -> list[tuple[str, str]]:
        """(intent or event, target state) pairs leaving ``state_id``, globals included."""
        st = self.states[state_id]
        out: list[tuple[str, str]] = [(i, t.to) for i, t in st.targets().items()]
        if st.end is not None:
            return out
        if st.next:
            out.append(("next", st.next))
        for g in self.enabled_globals(state_id):
            if g in st.transitions:
                continue
            gi = self.global_intents[g]
            if gi.to:
                out.append((g, gi.to))
        for kind in ("no_input", "no_match"):
            r = self.retry(state_id, kind)
            if r.then:
                out.append((kind, r.then))
        if st.capture is not None:
            out.append((st.capture.slot, st.capture.then))
        if st.handoff is not None:
            if st.handoff.on_declined:
                out.append(("handoff_declined", st.handoff.on_declined))
            if st.handoff.after_agent:
                out.append(("agent_hand_back", st.handoff.after_agent))
        return out

    def retry(self, state_id: str, kind: Literal["no_input", "no_match"]) -> Retry:
        """The state's retry rule, falling back field by field to the script default."""
        base: Retry = getattr(self.defaults, kind)
        own: Retry | None = getattr(self.states[state_id], kind)
        if own is None:
            return base
        return Retry(
            max=own.max if "max" in own.model_fields_set else base.max,
            prompt=own.prompt if own.prompt is not None else base.prompt,
            then=own.then if own.then is not None else base.then,
        )

    def reference_problems(self) -> list[tuple[str, tuple[str | int, ...], str]]:
        """Broken references as (rule id, path, message)."""
        probs: list[tuple[str, tuple[str | int, ...], str]] = []

        def state_ref(path: tuple[str | int, ...], sid: str | None) -> None:
            if sid is not None and sid not in self.states:
                probs.append(("undefined-state", path, f"state {sid!r} is not defined"))

        state_ref(("start",), self.start)
        for kind in ("no_input", "no_match"):
            state_ref(("defaults", kind, "then"), getattr(self.defaults, kind).then)
        for gid, g in self.global_intents.items():
            state_ref(("global_intents", gid, "to"), g.to)
            if g.to is None and g.answer is None:
                probs.append(("undefined-state", ("global_intents", gid), "needs `to` or `answer`"))
            if g.capture is not None and g.capture not in self.slot_names():
                probs.append(
                    (
                        "undefined-slot",
                        ("global_intents", gid, "capture"),
                        f"no state captures slot {g.capture!r}",
                    )
                )
        for sid, st in self.states.items():
            for iname, t in st.targets().items():
                if self.intent(iname) is None:
                    probs.append(
                        (
                            "undefined-intent",
                            ("states", sid, "transitions", iname),
                            f"intent {iname!r} is not defined in intents or global_intents",
                        )
                    )
                state_ref(("states", sid, "transitions", iname), t.to)
            for name in st.disable_globals:
                if name not in self.global_intents:
                    probs.append(
                        (
                            "undefined-intent",
                            ("states", sid, "disable_globals"),
                            f"global intent {name!r} is not defined",
                        )
                    )
            state_ref(("states", sid, "next"), st.next)
            for kind in ("no_input", "no_match"):
                r = getattr(st, kind)
                if r is not None:
                    state_ref(("states", sid, kind, "then"), r.then)
            if st.capture is not None:
                state_ref(("states", sid, "capture", "then"), st.capture.then)
            if st.handoff is not None:
                state_ref(("states", sid, "handoff", "on_declined"), st.handoff.on_declined)
                state_ref(("states", sid, "handoff", "after_agent"), st.handoff.after_agent)
        return probs


def placeholders(text: str) -> list[str]:
    """Variable names used in a prompt (``{name}``)."""
    try:
        return [f for _, f, _, _ in Formatter().parse(text) if f]
    except ValueError:
        return []


def json_schema() -> dict[str, Any]:
    schema = Script.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tailcall call script"
    return schema


def write_json_schema(path: Path = SCHEMA_PATH) -> None:
    path.write_text(
        json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
