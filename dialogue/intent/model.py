"""A scoring model (weights and calibration) and the campaign's grade thresholds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kernel.vocab import GRADES, Grade

# grade values on 0..1 (the expected grade of a per-grade model) and centred (reasons)
GRADE_VALUE: Mapping[str, float] = {"A": 1.0, "B": 2 / 3, "C": 1 / 3, "D": 0.0}
_BANDS: Mapping[str, tuple[float, float, float]] = {  # grade -> (score floor, E low, E high)
    "A": (75.0, 2 / 3, 1.0),
    "B": (50.0, 1 / 3, 1.0),
    "C": (25.0, 0.0, 2 / 3),
    "D": (0.0, 0.0, 1 / 3),
}
# A is a clear intent to act now: a call graded A holds at least one real positive reply,
# positive or committing wording, a question how to do it, or an agreement the script
# rewards (its signals' declared weights summing to at least 1: wanting guidance, the link,
# a callback from the agent; a busy customer's 0.3 or an installed app's 0.5 is no
# agreement). Without one (answers not understood, or refusals), a per-grade model gives A
# no probability.
A_EVIDENCE = ("conv:positive", "conv:commit", "conv:asks_how")
A_SIGNAL_WEIGHT = 1.0


def has_a_evidence(features: Mapping[str, float]) -> bool:
    """The call holds a positive reply that A needs (``A_EVIDENCE``, ``A_SIGNAL_WEIGHT``)."""
    return any(features.get(name, 0.0) > 0 for name in A_EVIDENCE) or (
        features.get("script:signal_weight", 0.0) >= A_SIGNAL_WEIGHT
    )


class Calibration(BaseModel):
    """Where the grade boundaries lie on the linear predictor ``z``.

    The score is piecewise: ``cut_c`` maps to 25, ``cut_b`` to 50, ``cut_a`` to 75, linear
    in between, logistic tails towards 0 and 100. With the default thresholds (75/50/25) a
    grade is therefore exactly the fitted ordinal model's decision; a campaign may move
    its thresholds to be stricter or looser.
    """

    model_config = ConfigDict(extra="forbid")
    cut_a: float
    cut_b: float
    cut_c: float

    @model_validator(mode="after")
    def _ordered(self) -> Calibration:
        if not self.cut_a > self.cut_b > self.cut_c:
            raise ValueError("cuts must satisfy cut_a > cut_b > cut_c")
        return self

    def score(self, z: float) -> float:
        a, b, c = self.cut_a, self.cut_b, self.cut_c
        if z >= a:
            s = 75.0 + 25.0 * (2.0 * _sigmoid(z - a) - 1.0)
        elif z >= b:
            s = 50.0 + 25.0 * (z - b) / (a - b)
        elif z >= c:
            s = 25.0 + 25.0 * (z - c) / (b - c)
        else:
            s = 50.0 * _sigmoid(z - c)
        return min(100.0, max(0.0, s))


class ScoringModel(BaseModel):
    """A logistic scoring model: feature names, weights, bias, calibration, version.

    Two kinds. *Ordinal* (``grade_weights`` unset): one linear predictor
    ``z = bias + sum(weight * feature)``, mapped to the score by ``calibration``.
    *Per grade* (``grade_weights`` set): a multinomial logistic model with one linear
    predictor per grade, ``P(grade)`` by softmax. Its score lies in the band of the most
    probable grade (A 75-100, B 50-75, C 25-50, D 0-25), placed in the band by the
    expected grade ``E = sum P(g) * value(g)`` (A 1, B 2/3, C 1/3, D 0), so with the
    default thresholds the grade is the model's decision and a stricter threshold asks
    for a higher expected grade. Its ``weights`` and ``bias`` then hold each feature's
    pull on ``E`` (per-grade weights times centred grade values), for the reasons.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    family: str = Field(min_length=1, description="Script id the model is for")
    version: str = Field(
        min_length=1, description="e.g. points_reminder@default, points_reminder@3"
    )
    feature_names: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    calibration: Calibration
    grade_weights: dict[Grade, tuple[float, ...]] | None = None
    grade_bias: dict[Grade, float] | None = None
    description: str = ""
    metrics: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _same_length(self) -> ScoringModel:
        if len(self.feature_names) != len(self.weights):
            raise ValueError("feature_names and weights must have the same length")
        if len(set(self.feature_names)) != len(self.feature_names):
            raise ValueError("feature_names must be distinct")
        if not all(math.isfinite(w) for w in (*self.weights, self.bias)):
            raise ValueError("weights and bias must be finite numbers")
        if (self.grade_weights is None) != (self.grade_bias is None):
            raise ValueError("grade_weights and grade_bias go together")
        if self.grade_weights is not None and self.grade_bias is not None:
            if set(self.grade_weights) != set(GRADES) or set(self.grade_bias) != set(GRADES):
                raise ValueError("grade_weights and grade_bias need every grade A-D")
            for g, ws in self.grade_weights.items():
                if len(ws) != len(self.feature_names):
                    raise ValueError(f"grade_weights.{g}: one weight per feature name")
                if not all(math.isfinite(w) for w in (*ws, self.grade_bias[g])):
                    raise ValueError(f"grade_weights.{g}: weights must be finite numbers")
        return self

    @property
    def per_grade(self) -> bool:
        return self.grade_weights is not None

    def weight_map(self) -> dict[str, float]:
        return dict(zip(self.feature_names, self.weights, strict=True))

    def linear(self, features: Mapping[str, float]) -> float:
        w = self.weight_map()
        return self.bias + sum(w.get(k, 0.0) * v for k, v in features.items())

    def probabilities(self, features: Mapping[str, float]) -> dict[Grade, float]:
        """``P(grade)`` of a per-grade model (an ordinal model: from its cuts). A per-grade
        model gives A nothing when the call holds no positive reply (``has_a_evidence``)."""
        if self.grade_weights is None or self.grade_bias is None:
            z, cal = self.linear(features), self.calibration
            above = [_sigmoid(z - cut) for cut in (cal.cut_a, cal.cut_b, cal.cut_c)]
            return {
                "A": above[0],
                "B": above[1] - above[0],
                "C": above[2] - above[1],
                "D": 1.0 - above[2],
            }
        index = {n: i for i, n in enumerate(self.feature_names)}
        logits = {}
        for g in GRADES:
            ws = self.grade_weights[g]
            logits[g] = self.grade_bias[g] + sum(
                ws[index[k]] * v for k, v in features.items() if k in index
            )
        if not has_a_evidence(features):
            del logits["A"]
        top = max(logits.values())
        exp = {g: math.exp(logits[g] - top) if g in logits else 0.0 for g in GRADES}
        total = sum(exp.values())
        return {g: e / total for g, e in exp.items()}

    def score(self, features: Mapping[str, float]) -> float:
        """The 0-100 score for these features."""
        if not self.per_grade:
            return self.calibration.score(self.linear(features))
        p = self.probabilities(features)
        best = max(GRADES, key=lambda g: (p[g], GRADES.index(g)))  # ties: the lower grade
        expected = sum(p[g] * GRADE_VALUE[g] for g in GRADES)
        floor, low, high = _BANDS[best]
        position = min(max((expected - low) / (high - low), 0.0), 0.99)  # rounding-safe
        return floor + 25.0 * position


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# -------------------------------------------------------------------------- thresholds
@dataclass(frozen=True)
class GradeThresholds:
    """A campaign's grade boundaries and live-handoff threshold, on the 0-100 score."""

    a: float = 75.0
    b: float = 50.0
    c: float = 25.0
    live: float = 75.0

    def __post_init__(self) -> None:
        if not 0 <= self.c < self.b < self.a <= 100:
            raise ValueError("thresholds must satisfy 0 <= c < b < a <= 100")
        if not 0 <= self.live <= 100:
            raise ValueError("live threshold must be within 0..100")

    @classmethod
    def from_campaign(cls, t: Mapping[str, float]) -> GradeThresholds:
        """A campaign's thresholds, given on the 0-1 scale (``dialer.campaigns.spec``):
        ``grade_a``, ``grade_b`` (or ``follow_up``), ``grade_c``, ``live_handoff``."""
        d = cls()
        return cls(
            a=100.0 * t.get("grade_a", d.a / 100.0),
            b=100.0 * t.get("grade_b", t.get("follow_up", d.b / 100.0)),
            c=100.0 * t.get("grade_c", d.c / 100.0),
            live=100.0 * t.get("live_handoff", d.live / 100.0),
        )

    def grade(self, score: float) -> Grade:
        if score >= self.a:
            return "A"
        if score >= self.b:
            return "B"
        if score >= self.c:
            return "C"
        return "D"
