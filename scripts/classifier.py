"""A learned intent classifier behind the exact phrase match (inference: pure Python).

What a customer means at a script state when no phrase of the state's lexicon is in the
reply: a multinomial logistic model over character n-grams of the normalised text (1-3
characters) and, for Chinese, toneless pinyin syllables and syllable pairs (so homophone
recognition errors share features with what was meant) and, for Korean, trigrams of how
the reply sounds (``sound_key``: respellings share features), with a bias per state and
intent.
Each state decides among its own intents (its transitions and enabled globals) and
``none`` (a reply that is no intent: hesitation, "say again", fillers): the probabilities
are renormalised over those, scaled by a fitted temperature (calibrated confidence), and
a reply whose best intent is ``none`` or below the model's threshold is a no-match.

A model also carries the replies that widen each state's recognition grammar in grammar
mode (``grammar``: short fit-set replies the state listens for). Models are fitted by
``tools/fit_intent_models.py`` on the fit set and the scripts' phrases, shipped as ``scripts/intent_models/<script>.<language>.json`` and loaded on first
use. One reply costs about 0.1 ms.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scripts.matching import base_language, clear_normalize_cache, normalize
from scripts.pinyin import pinyin_tokens

MODELS_DIR = Path(__file__).with_name("intent_models")
NONE = "none"  # the label of a reply that is no intent
NGRAMS = (1, 2, 3)
# Korean is also read in jamo (the letters of each syllable block), so the recogniser's
# respellings (괜찮아요 heard as 괜차나요) share features with what was meant; the silent
# initial ㅇ is left out. The opt-out model reads these jamo trigrams (``j:``); the intent
# classifier reads the sound key's trigrams (``k:``, below) instead (``OPT_OUT_ONLY``).
_SILENT_IEUNG = "\u110b"
# Korean is also read as it sounds (``sound_key``): the recogniser writes what it hears,
# so 없어요 comes out as 업써요, 맞아요 as 마자요, 어떻게 as 어떠케, 괜찮아요 as 괜차나요. The key
# spells a final consonant as the initial it is heard as (clusters split), tense and
# aspirated consonants as plain ones, drops ㅎ and the silent ㅇ, merges ㅐ/ㅔ, ㅒ/ㅖ and
# ㅙ/ㅞ/ㅚ (one sound each in speech) and collapses a doubled consonant; every spelling
# above then has the key of what was meant.
_PLAIN = dict(zip("ᄁᄏᄄᄐᄈᄑᄊᄍᄎ", "ᄀᄀᄃᄃᄇᄇᄉᄌᄌ", strict=True))
# The 27 final consonants (U+11A8-U+11C2: ㄱ ㄲ ㄳ ㄴ ㄵ ㄶ ㄷ ㄹ ㄺ ㄻ ㄼ ㄽ ㄾ ㄿ ㅀ ㅁ ㅂ ㅄ ㅅ ㅆ
# ㅇ ㅈ ㅊ ㅋ ㅌ ㅍ ㅎ) as the initials they are heard as (ŋ: the final ㅇ; ㅎ silent).
# fmt: off
_FINALS = (
    "ᄀ", "ᄀ", "ᄀᄉ", "ᄂ", "ᄂᄌ", "ᄂ", "ᄃ", "ᄅ", "ᄅᄀ", "ᄅᄆ", "ᄅᄇ", "ᄅᄉ", "ᄅᄃ", "ᄅᄇ",
    "ᄅ", "ᄆ", "ᄇ", "ᄇᄉ", "ᄉ", "ᄉ", "ŋ", "ᄌ", "ᄌ", "ᄀ", "ᄃ", "ᄇ", "",
)
# fmt: on
_SOUND = str.maketrans(
    {
        **{chr(0x11A8 + i): f for i, f in enumerate(_FINALS)},
        **_PLAIN,
        "ᄒ": "",
        _SILENT_IEUNG: "",
        "ᅢ": "ᅦ",
        "ᅤ": "ᅨ",
        "ᅫ": "ᅰ",
        "ᅬ": "ᅰ",
    }
)
_DOUBLED = re.compile(r"([\u1100-\u1112])\1")


def sound_key(text: str) -> str:
    """How a Korean text sounds, as a string of jamo (see ``_SOUND``): respellings of the
    same words share it."""
    return _DOUBLED.sub(r"\1", unicodedata.normalize("NFD", text).translate(_SOUND))


# Features the intent classifier is not fitted on (the opt-out model's): with the sound
# key's trigrams in their place, 5-fold CV on the Korean fit set rose 0.838 -> 0.842, and
# with the session-9 batch 0.919 -> 0.924 (0.918 with both).
OPT_OUT_ONLY = ("j:",)
# The hand-written sets' names at the identity question -> the scripts' intents.
LABELS = {"confirm": "confirm_identity", "deny": "wrong_person", "wrong_number": "wrong_person"}


def canonical_label(name: str) -> str:
    """A label of the hand-written reply sets as the scripts name the intent."""
    return LABELS.get(name, name)


def features(text: str, language: str, state: str | None = None) -> list[str]:
    """The model's features of a reply (duplicates kept once)."""
    out = list(_text_features(text, base_language(language)))
    if state is not None:
        out.append("s:" + state)
    return out


@functools.lru_cache(maxsize=1024)
def _text_features(text: str, language: str) -> tuple[str, ...]:
    # cached: the intent classifier and the opt-out model read the same reply's features
    # (keyed by the base language, all they depend on: zh-CN and zh meet)
    norm = normalize(text, language)
    out: dict[str, None] = {}
    if base_language(language) in ("zh", "ko", "ja"):
        padded = f"^{norm}$"
        out = dict.fromkeys(
            ["c:" + padded[i : i + n] for n in NGRAMS for i in range(len(padded) - n + 1)]
        )
    else:
        words = ["^", *norm.split(), "$"]
        for n in (1, 2):
            for i in range(len(words) - n + 1):
                out["w:" + " ".join(words[i : i + n])] = None
        for w in norm.split():
            for i in range(len(w) - 2):
                out["c:" + w[i : i + 3]] = None
    if base_language(language) == "zh" and norm:
        syl = [t for t in pinyin_tokens(norm) if t != ","]
        for i, s in enumerate(syl):
            out["p:" + s] = None
            if i + 1 < len(syl):
                out["p:" + s + "_" + syl[i + 1]] = None
    if base_language(language) == "ko" and norm:
        jamo = "".join(c for c in unicodedata.normalize("NFD", norm) if c != _SILENT_IEUNG)
        for i in range(len(jamo) - 2):
            out["j:" + jamo[i : i + 3]] = None
        key = sound_key(norm)
        for i in range(len(key) - 2):
            out["k:" + key[i : i + 3]] = None
    return tuple(out)


def clear_reply_caches() -> None:
    """Forget every reply read so far (normalised text, features): for timing a first read."""
    clear_normalize_cache()
    _text_features.cache_clear()


@dataclass(frozen=True)
class Guess:
    """The classifier's reading of a reply at a state."""

    intent: str | None  # None: no-match
    confidence: float  # calibrated probability of ``best``
    best: str  # the most probable label (``none`` included)


class IntentClassifier:
    """A fitted model: labels, per-feature weights, biases, temperature and threshold."""

    def __init__(
        self,
        *,
        script: str,
        language: str,
        labels: Sequence[str],
        weights: Mapping[str, Mapping[int, float]],
        bias: Sequence[float],
        temperature: float,
        threshold: float,
        description: str = "",
        grammar: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.script = script
        self.language = language
        self.labels = tuple(labels)
        self._index = {label: i for i, label in enumerate(self.labels)}
        self.weights = weights
        self.bias = tuple(bias)
        self.temperature = temperature
        self.threshold = threshold
        self.description = description
        self.grammar: Mapping[str, tuple[str, ...]] = {
            k: tuple(v) for k, v in (grammar or {}).items()
        }
        # feature -> its row of the weight matrix, built on first use (row 0: the biases)
        self._table: tuple[dict[str, int], npt.NDArray[np.float64]] | None = None

    def scores(self, text: str, state: str) -> list[float]:
        """Each label's score: its bias, then its weight of each feature (``features``)
        added in order. The weights are rows of one matrix (a weight a row lacks, or the
        row of an unknown feature, is 0.0) added up by a running sum, which adds in that
        order (``np.sum`` might not: the figures would move in the last bits)."""
        if self._table is None:
            rows = {f: r for r, f in enumerate(self.weights, 2)}
            cells = [(r, k, w) for f, r in rows.items() for k, w in self.weights[f].items()]
            at_row, at_label, weight = zip(*cells, strict=True) if cells else ((), (), ())
            table = np.zeros((len(rows) + 2, len(self.labels)))
            table[0] = self.bias  # where every sum starts; row 1: an unknown feature
            table[list(at_row), list(at_label)] = weight
            self._table = (rows, table)
        rows, table = self._table
        at = [0, *map(rows.get, features(text, self.language, state), repeat(1))]
        sums: list[float] = np.add.accumulate(table[at], axis=0)[-1].tolist()
        return sums

    def classify(self, text: str, state: str, allowed: Iterable[str]) -> Guess:
        """The best of ``allowed`` intents (and ``none``) for ``text`` at ``state``."""
        idx = [self._index[a] for a in dict.fromkeys((*allowed, NONE)) if a in self._index]
        if not idx:
            return Guess(None, 0.0, NONE)
        z = self.scores(text, state)
        top = max(z[i] for i in idx)
        exps = {i: math.exp((z[i] - top) / self.temperature) for i in idx}
        total = sum(exps.values())
        best = max(idx, key=lambda i: exps[i])
        conf = exps[best] / total
        label = self.labels[best]
        if label == NONE or conf < self.threshold:
            return Guess(None, conf, label)
        return Guess(label, conf, label)

    def to_json(self) -> dict[str, object]:
        return {
            "script": self.script,
            "language": self.language,
            "labels": list(self.labels),
            "bias": [round(b, 4) for b in self.bias],
            "temperature": self.temperature,
            "threshold": self.threshold,
            "description": self.description,
            "grammar": {k: list(v) for k, v in self.grammar.items()},
            "weights": {
                f: {str(k): round(w, 4) for k, w in row.items()} for f, row in self.weights.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> IntentClassifier:
        raw = data["weights"]
        assert isinstance(raw, dict)
        weights = {f: {int(k): float(w) for k, w in row.items()} for f, row in raw.items()}
        labels = data["labels"]
        bias = data["bias"]
        grammar = data.get("grammar") or {}
        assert isinstance(labels, list) and isinstance(bias, list) and isinstance(grammar, dict)
        return cls(
            script=str(data["script"]),
            language=str(data["language"]),
            labels=[str(x) for x in labels],
            weights=weights,
            bias=[float(b) for b in bias],
            temperature=float(str(data["temperature"])),
            threshold=float(str(data["threshold"])),
            description=str(data.get("description", "")),
            grammar={str(k): [str(x) for x in v] for k, v in grammar.items()},
        )


def model_path(script_id: str, language: str) -> Path:
    return MODELS_DIR / f"{script_id}.{language}.json"


@functools.lru_cache(maxsize=32)
def load_classifier(script_id: str, language: str) -> IntentClassifier | None:
    """The shipped model of a script in a language (read once per process), or None."""
    path = model_path(script_id, language)
    if not path.is_file():
        return None
    return IntentClassifier.from_json(json.loads(path.read_text(encoding="utf-8")))


def write_model_json(data: object, path: Path) -> None:
    """A shipped model's JSON, compact, written whole (a temp file, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    tmp.replace(path)


def write_classifier(model: IntentClassifier, path: Path) -> None:
    write_model_json(model.to_json(), path)
