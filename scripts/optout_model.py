"""The learned half of the opt-out detector: how likely a reply is "stop calling me".

A binary logistic model over the intent classifier's features (character n-grams, for
Chinese toneless pinyin syllables and pairs, for Korean jamo trigrams; no state), fitted
on the fit set's opt-outs against its close non-opt-outs and the ordinary replies of every
state (``scripts.optout_fit``, ``tools/fit_optout_models.py``). A model of the
``concepts`` feature set also reads the concept classes of a Chinese reply and their order
(``scripts.optout_concepts``); the shipped models are ``base``: on batches left out
(``tools/optout_batch_cv.py``) the classes raised the model's own recall but not the
detector's (docs/intent.md, session 11). ``scripts.optout`` asks it only when no rule
fired and no rule's negation handling said the reply is not an opt-out, and takes its
word only at or above ``threshold`` (chosen by grouped cross-validation on
the fit set for at most 1 % false opt-outs). Pure Python at inference, about 0.1 ms;
shipped as ``scripts/intent_models/optout.<language>.json`` and loaded on first use.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from pathlib import Path

from scripts.classifier import MODELS_DIR, features, write_model_json
from scripts.matching import base_language
from scripts.optout_concepts import concept_features

# What a model reads: ``base``, the intent classifier's features (``features``);
# ``concepts``, those and the concept classes of a Chinese reply (``scripts.optout_concepts``).
FEATURE_SETS = ("base", "concepts")


def optout_features(text: str, language: str, feature_set: str = "base") -> list[str]:
    """The features the opt-out model reads of a reply (``FEATURE_SETS``)."""
    out = features(text, language)
    if feature_set == "concepts":
        out.extend(concept_features(text, language))
    return out


class OptOutModel:
    """Weights per feature, a bias, a temperature and the firing threshold."""

    def __init__(
        self,
        *,
        language: str,
        weights: Mapping[str, float],
        bias: float,
        temperature: float,
        threshold: float,
        description: str = "",
        feature_set: str = "base",
    ) -> None:
        assert feature_set in FEATURE_SETS, feature_set
        self.language = language
        self.weights = weights
        self.bias = bias
        self.temperature = temperature
        self.threshold = threshold
        self.description = description
        self.feature_set = feature_set

    def probability(self, text: str) -> float:
        """The calibrated probability that ``text`` asks not to be called again."""
        z = self.bias
        for f in optout_features(text, self.language, self.feature_set):
            z += self.weights.get(f, 0.0)
        z /= self.temperature
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    def fires(self, text: str) -> float | None:
        """The probability when it is at or above the threshold, else None."""
        p = self.probability(text)
        return p if p >= self.threshold else None

    def to_json(self) -> dict[str, object]:
        return {
            "language": self.language,
            "bias": round(self.bias, 4),
            "temperature": self.temperature,
            "threshold": self.threshold,
            "description": self.description,
            "feature_set": self.feature_set,
            "weights": {f: round(w, 4) for f, w in self.weights.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> OptOutModel:
        raw = data["weights"]
        assert isinstance(raw, dict)
        return cls(
            language=str(data["language"]),
            weights={str(f): float(w) for f, w in raw.items()},
            bias=float(str(data["bias"])),
            temperature=float(str(data["temperature"])),
            threshold=float(str(data["threshold"])),
            description=str(data.get("description", "")),
            feature_set=str(data.get("feature_set", "base")),
        )


def model_path(language: str) -> Path:
    return MODELS_DIR / f"optout.{base_language(language)}.json"


@functools.lru_cache(maxsize=8)
def load_optout_model(language: str) -> OptOutModel | None:
    """The shipped model of a language (read once per process), or None."""
    path = model_path(language)
    if not path.is_file():
        return None
    return OptOutModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def write_optout_model(model: OptOutModel, path: Path) -> None:
    write_model_json(model.to_json(), path)
