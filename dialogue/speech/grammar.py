"""Per-state recognition grammars and the accept/reject decision (pure, no I/O).

A state's expected phrases are mapped to the model's word units; phrases with words the
model cannot spell are left out of the grammar and reported. The Vosk grammar gets one
extra entry, ``</s>`` repeated 100,000 times: it is never recognisable, but it makes the
decoder's loose phrase-to-phrase jumps expensive (measured: +7-14 points of accuracy).

A final result is *accepted* only when the word-confidence (MBR) result is exactly a
grammar phrase with every word at or above the minimum confidence (when an N-best
result is also given, that phrase must be among its alternatives); otherwise it is a
no-match (the best fuzzy candidate is kept for logs, never acted upon).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Protocol

from dialogue.speech.asr_models import normalize_phrase

BARRIER_ENTRY = " ".join(["</s>"] * 100_000)


class UnitSplitter(Protocol):
    def to_model_units(self, phrase: str) -> tuple[tuple[str, ...], tuple[str, ...]]: ...


@dataclass(frozen=True)
class Grammar:
    """Phrases of one state: units -> the author's phrase, and what was left out."""

    by_units: Mapping[str, str]
    unknown_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(self.by_units.values())

    def vosk_json(self, *, barrier: bool = True) -> str:
        entries = list(self.by_units)
        if barrier:
            entries.append(BARRIER_ENTRY)
        return json.dumps(entries, ensure_ascii=False)

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(sorted(self.by_units))


def build_grammar(phrases: Iterable[str], vocab: UnitSplitter) -> Grammar:
    by_units: dict[str, str] = {}
    unknown: dict[str, tuple[str, ...]] = {}
    for phrase in phrases:
        units, missing = vocab.to_model_units(phrase)
        if missing:
            unknown[phrase] = missing
            continue
        if units:
            by_units.setdefault(" ".join(units), phrase)
    return Grammar(by_units=by_units, unknown_words=unknown)


@dataclass(frozen=True)
class Judgement:
    """What the recognizer made of one utterance."""

    accepted: bool
    text: str  # the author's phrase when accepted, "" otherwise
    heard: str  # the best hypothesis in model units (for logs and transcripts)
    confidence: float  # min word confidence of the hypothesis (0..1)
    alternatives: tuple[str, ...] = ()  # other grammar phrases among the N-best
    reason: str = ""  # why a no-match: "empty", "not_exact", "low_confidence"
    candidate: str = ""  # closest phrase of a no-match (never acted upon)


def _alt_texts(result: Mapping[str, Any]) -> list[str]:
    alts = result.get("alternatives")
    if isinstance(alts, list):
        return [normalize_phrase(str(a.get("text", ""))) for a in alts]
    return [normalize_phrase(str(result.get("text", "")))]


def word_confidences(result: Mapping[str, Any]) -> list[tuple[str, float]]:
    words = result.get("result")
    if not isinstance(words, list):
        return []
    return [(str(w.get("word", "")), float(w.get("conf", 1.0))) for w in words]


def judge(
    nbest: Mapping[str, Any],
    mbr: Mapping[str, Any] | None,
    grammar: Grammar,
    *,
    min_confidence: float,
) -> Judgement:
    """Decide on a grammar-mode final from the N-best result and the MBR (word-conf) result."""
    texts = [t for t in _alt_texts(nbest) if t]
    if not texts:
        return Judgement(False, "", "", 0.0, reason="empty")
    exact = [t for t in texts if t in grammar.by_units]
    top = texts[0]
    if not exact:
        cand = _closest(top, grammar.by_units)
        return Judgement(False, "", top, 0.0, reason="not_exact", candidate=cand)
    chosen = exact[0]
    others = tuple(dict.fromkeys(grammar.by_units[t] for t in exact[1:] if t != chosen))
    confs = word_confidences(mbr) if mbr is not None else []
    mbr_text = " ".join(w for w, _ in confs)
    if confs and mbr_text == chosen:
        conf = min(c for _, c in confs)
    elif confs:
        # The word-confidence pass heard something else: no evidence for the phrase.
        conf = 0.0
    else:
        conf = 1.0 if chosen == top else 0.0
    if conf < min_confidence:
        return Judgement(
            False,
            "",
            top,
            conf,
            alternatives=others,
            reason="low_confidence" if (confs and mbr_text == chosen) else "not_exact",
            candidate=grammar.by_units[chosen],
        )
    return Judgement(True, grammar.by_units[chosen], chosen, conf, alternatives=others)


def may_continue(judgement: Judgement, grammar: Grammar) -> bool:
    """Whether a no-match may be the first part of a reply with a pause in it, worth
    waiting for more speech (VoiceXML's incomplete timeout): the words heard are not a
    whole phrase. A whole phrase heard with too little confidence is final at once (the
    complete timeout, already spent in VAD's stop)."""
    return not judgement.accepted and judgement.heard not in grammar.by_units


def judge_free(result: Mapping[str, Any]) -> Judgement:
    """Free decoding: the text as heard, confidence = mean word confidence."""
    confs = word_confidences(result)
    text = normalize_phrase(str(result.get("text", "")))
    if not text:
        return Judgement(False, "", "", 0.0, reason="empty")
    conf = sum(c for _, c in confs) / len(confs) if confs else 0.0
    return Judgement(True, text, text, conf)


def _closest(text: str, options: Sequence[str] | Mapping[str, str]) -> str:
    best, score = "", 0.0
    for units in options:
        s = SequenceMatcher(None, text.split(), units.split()).ratio()
        if s > score:
            best, score = units, s
    if isinstance(options, Mapping) and best:
        return options[best]
    return best
