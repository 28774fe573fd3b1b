"""Labelled text-mode calls for the intent scorer: personas talking to the real engine.

Each call drives ``dialogue.engine.ScriptEngine`` (through the replay driver, so the file
replays to exactly the same conversation) with a ``PersonaPolicy`` that learns the bot's
prompt ids directly (what the simulator-only side channel tells a persona in a live
simulation), applies simulated recognition errors (``simulator.wer``), and writes the
replay format of docs/intent.md with the persona's ground-truth grade as the label.

Personas for fitting and for evaluation differ: ``persona_variants`` derives variants of
the shipped personas per split (``fit`` or ``eval``) with jittered intent weights and
behaviours and their own subsets of the reply phrasings, so figures are measured on
customers the model has not seen.

Profiles are drawn per call. Star level, AUM, segment and tags do not depend on the
persona. App views of the script's product this week and past campaign responses do,
mildly (a customer who wants the product browses it a bit more often): the rates are the
constants below, set once, before any measurement.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dialogue.engine import Say
from dialogue.intent.cues import speech_seconds
from dialogue.intent.labelled_calls import ReplayCall, SpokenTurn, start_driver
from dialogue.intent.labelled_calls import shipped_script as load_shipped
from dialogue.intent.model_files import default_model
from dialogue.intent.profile import CustomerProfile
from kernel import customer_attrs
from simulator import wer
from simulator.personas import (
    Persona,
    PersonaPolicy,
    Reply,
    load_personas,
    load_reply_bank,
)
from simulator.population import GIVEN, SURNAMES, TAGS, draw_aum, draw_star
from simulator.sidechannel import BotPrompt
from simulator.spoken import spoken_replies

Split = Literal["fit", "eval"]

# views this week of the script's product, per grade (Poisson means)
APP_VIEWS_MEAN: Mapping[str, float] = {"A": 1.6, "B": 1.0, "C": 0.5, "D": 0.3}
# chance of each of the last two campaigns having had a positive / negative response
PAST_POSITIVE: Mapping[str, float] = {"A": 0.4, "B": 0.3, "C": 0.15, "D": 0.05}
PAST_NEGATIVE: Mapping[str, float] = {"A": 0.1, "B": 0.15, "C": 0.3, "D": 0.45}
CATEGORY = {"points_reminder": "points", "wealth_followup": "wealth"}
OTHER_CATEGORIES = ("wealth", "fund", "points", "loan", "card", "app")
NO_INPUT_S = 6.0
MAX_TURNS = 30


@dataclass(frozen=True)
class Variant:
    """A persona variant with its own reply phrasings."""

    persona: Persona
    bank: dict[str, dict[str, list[str]]]


def persona_variants(
    split: Split,
    per_persona: int = 5,
    seed: int = 1,
    personas: Mapping[str, Persona] | None = None,
) -> list[Variant]:
    """``per_persona`` variants of each persona for ``split``; the two splits never share
    a variant (their random streams are keyed by the split)."""
    base = personas if personas is not None else load_personas()
    bank = load_reply_bank()
    out: list[Variant] = []
    for pid in sorted(base):
        for k in range(per_persona):
            rng = random.Random(f"{seed}:{split}:{pid}:{k}")
            out.append(_variant(base[pid], f"{pid}~{split}{k}", rng, bank))
    return out


def _variant(
    p: Persona, vid: str, rng: random.Random, bank: Mapping[str, Mapping[str, list[str]]]
) -> Variant:
    intents = {
        kind: {i: (w * math.exp(rng.gauss(0, 0.3)) if w > 0 else 0.0) for i, w in ws.items()}
        for kind, ws in p.intents.items()
    }
    b = p.behaviours
    behaviours = b.model_copy(
        update={
            "barge_in": min(1.0, b.barge_in * rng.uniform(0.7, 1.3)),
            "silence": min(1.0, b.silence * rng.uniform(0.7, 1.3)),
            "ask_human": min(1.0, b.ask_human * rng.uniform(0.7, 1.3)),
            "ask_question": min(1.0, b.ask_question * rng.uniform(0.7, 1.3)),
            "off_topic": min(1.0, b.off_topic * rng.uniform(0.7, 1.3)),
            "drop": min(1.0, b.drop * rng.uniform(0.7, 1.3)),
            "hangup_after_s": (
                b.hangup_after_s * rng.uniform(0.8, 1.25) if b.hangup_after_s else None
            ),
        }
    )
    persona = p.model_copy(update={"id": vid, "intents": intents, "behaviours": behaviours})
    own: dict[str, dict[str, list[str]]] = {}
    for lang, phrases in bank.items():
        own[lang] = {}
        for intent, options in phrases.items():
            mine = persona.replies.get(lang, {}).get(intent) or options
            keep = max(1, math.ceil(len(mine) * 0.6))
            own[lang][intent] = sorted(rng.sample(list(mine), keep))
    return Variant(persona=persona.model_copy(update={"replies": {}}), bank=own)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def draw_profile(rng: random.Random, grade: str, script_id: str) -> CustomerProfile:
    """A customer profile; see the module notes for what depends on the grade."""
    star = draw_star(rng)
    band = customer_attrs.aum_band(draw_aum(rng))
    segment = customer_attrs.segment_of_band(band)
    tags = tuple(sorted(rng.sample(TAGS, rng.choice((0, 1, 1, 2, 2, 3)))))
    category = CATEGORY.get(script_id, "app")
    views: dict[str, int] = {}
    n = _poisson(rng, APP_VIEWS_MEAN[grade])
    if n:
        views[category] = n
    other = rng.choice(OTHER_CATEGORIES)
    if other != category:
        m = _poisson(rng, 0.5)
        if m:
            views[other] = m
    past: dict[Literal["positive", "negative"], int] = {}
    pos = sum(rng.random() < PAST_POSITIVE[grade] for _ in range(2))
    neg = sum(rng.random() < PAST_NEGATIVE[grade] for _ in range(2))
    if pos:
        past["positive"] = pos
    if neg:
        past["negative"] = neg
    return CustomerProfile(
        segment=segment,
        star_level=star,
        aum_band=band,
        tags=tags,
        app_views=views,
        past_responses=past,
    )


class TextCustomer:
    """The customer's side of a text-mode call: the persona's reply to the bot's latest
    prompt, with simulated recognition errors, on a simulated timeline (speech durations,
    no-input timeouts). Shared by the labelled calls and the campaign simulation."""

    def __init__(self, policy: PersonaPolicy, word_error_rate: float, rng: random.Random) -> None:
        self.policy = policy
        self.language = policy.language
        self.word_error_rate = word_error_rate
        self.rng = rng
        bank = policy.bank.get(self.language, {})
        self.vocab = wer.vocabulary_of([p for ps in bank.values() for p in ps], self.language)
        self.elapsed_s = 0.0
        self.last_reply: Reply | None = None
        self._heard_prompts = 0

    def next_turn(self, said: Sequence[Say]) -> SpokenTurn | None:
        """The next turn after the bot said ``said`` (all prompts so far); ``None``: the
        customer hangs up. A turn with ``text=None`` is silence (no input)."""
        language = self.language
        for say in said[self._heard_prompts :]:
            self.elapsed_s += speech_seconds(say.text, language)
        self._heard_prompts = len(said)
        last = said[-1] if said else None
        prompt = BotPrompt(last.prompt_id, last.text) if last is not None else None
        # like the live persona, it decides when the prompt starts playing
        started = self.elapsed_s - (speech_seconds(last.text, language) if last else 0.0)
        reply = self.policy.reply(prompt, elapsed_s=started)
        self.last_reply = reply
        if reply.hangup:
            return None
        if reply.silent or not reply.text:
            self.elapsed_s += NO_INPUT_S
            return SpokenTurn(text=None)
        heard = wer.corrupt(reply.text, self.word_error_rate, self.rng, language, self.vocab)
        confidence = round(max(0.3, 0.95 - self.rng.random() * self.word_error_rate), 3)
        self.elapsed_s += reply.delay_s + speech_seconds(reply.text, language)
        return SpokenTurn(text=heard, confidence=confidence, barge_in=reply.barge_in)


def text_call(
    variant: Variant,
    script_id: str,
    language: str,
    *,
    index: int,
    seed: int,
    word_error_rate: float,
    spoken: bool = True,
) -> dict[str, Any]:
    """One simulated call as a replay-format record; ``spoken``: the persona says things
    as the fit set's customers do (``simulator.spoken``), else from its reply bank."""
    rng = random.Random(f"{seed}:textcall:{variant.persona.id}:{index}")
    grade = variant.persona.grade
    profile = draw_profile(rng, grade, script_id)
    customer = {
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "points": int(rng.expovariate(1 / 8000)),
    }
    call_id = f"sim-{seed}-{index}"
    record: dict[str, Any] = {
        "call_id": call_id,
        "script": script_id,
        "language": language,
        "persona": variant.persona.id,
        "profile": profile.model_dump(exclude_defaults=True, mode="json"),
        "customer": customer,
        "utterances": [],
        "label": grade,
    }

    script = load_shipped(script_id, language)
    stub = ReplayCall.model_validate({**record, "utterances": []})
    driver = start_driver(stub, default_model(script_id, script), script=script)
    policy = PersonaPolicy(
        variant.persona, language, seed=seed, call_key=call_id, bank=variant.bank
    )
    if spoken:
        policy.draw_from(spoken_replies(script_id, language))
    customer_side = TextCustomer(policy, word_error_rate, rng)
    utterances: list[dict[str, Any] | None] = record["utterances"]
    while not driver.engine.ended and len(utterances) < MAX_TURNS:
        turn = customer_side.next_turn(driver.said)
        if turn is None:
            break
        utterances.append(
            None if turn.text is None else turn.model_dump(exclude_defaults=True, mode="json")
        )
        driver.feed(turn)
    return record
    return record


def generate(
    script_id: str,
    language: str,
    calls: int,
    *,
    split: Split = "eval",
    per_persona: int = 5,
    word_error_rate: float = 0.1,
    seed: int = 1,
    personas: Mapping[str, Persona] | None = None,
    spoken: bool = True,
) -> Iterator[dict[str, Any]]:
    """``calls`` records, personas drawn uniformly from ``split``'s variants."""
    variants = persona_variants(split, per_persona, seed, personas)
    pick = random.Random(f"{seed}:{split}:pick")
    for i in range(calls):
        v = pick.choice(variants)
        yield text_call(
            v,
            script_id,
            language,
            index=i,
            seed=seed,
            word_error_rate=word_error_rate,
            spoken=spoken,
        )


def write_jsonl(records: Sequence[dict[str, Any]] | Iterator[dict[str, Any]], path: Path) -> int:
    """Write records atomically; returns how many."""
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
    tmp.replace(path)
    return n
