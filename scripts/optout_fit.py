"""Fitting the learned opt-out model (``scripts.optout_model``) with scikit-learn.

Positives are the fit set's opt-outs (``simulator/fitset/optout.jsonl`` and the replies
labelled ``opt_out`` in ``simulator/fitset/replies``); negatives its close non-opt-outs and
every other reply of every state. ``C`` and the temperature are chosen by 5-fold
cross-validation grouped by reply text (minimum log loss), and the threshold on the
out-of-fold probabilities: the lowest, from 0.6 up (the model alone never decides on a
near coin toss), at which the detector as shipped (the rules first, their negation
vetoes, then the model) adds at most ``max_false_near`` false opt-outs on the close
non-opt-outs and ``max_false_other`` on ordinary replies. Evaluation data is
never read here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.classifier import features
from scripts.matching import base_language, normalize
from scripts.optout import OptOutMatcher
from scripts.optout_model import OptOutModel


@dataclass(frozen=True)
class Sample:
    text: str
    opt_out: bool
    near: bool  # from the opt-out set (a close non-opt-out when not ``opt_out``)


def read_samples(fitset: Path, language: str) -> list[Sample]:
    """The fit set's opt-out samples of a language, one per distinct normalised text."""
    seen: dict[str, Sample] = {}
    lang = base_language(language)

    def add(text: str, opt_out: bool, near: bool) -> None:
        key = normalize(text, language)
        if key and key not in seen:
            seen[key] = Sample(text, opt_out, near)

    for line in (fitset / "optout.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            if base_language(r["language"]) == lang:
                add(r["text"], r["label"] == "opt_out", True)
    for path in sorted((fitset / "replies").glob(f"*.{language}.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                add(r["text"], r["intent"] == "opt_out", False)
    return list(seen.values())


def fit_optout_model(
    samples: Sequence[Sample],
    language: str,
    *,
    cs: Sequence[float] = (1.0, 4.0, 16.0),
    max_false_near: float = 0.005,
    max_false_other: float = 0.002,
    seed: int = 1,
) -> tuple[OptOutModel, dict[str, float]]:
    """The fitted model and its cross-validated figures."""
    # deferred: scikit-learn costs 2.3 s to import; only fitting needs it
    import numpy as np
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    rows = [{f: 1.0 for f in features(s.text, language)} for s in samples]
    vec = DictVectorizer()
    x = vec.fit_transform(rows)
    y = np.array([1 if s.opt_out else 0 for s in samples])
    # samples are distinct texts already, so plain stratified folds are grouped by text
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y))

    def oof(c: float) -> Any:
        z = np.zeros(len(samples))
        for tr, te in folds:
            m = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
            m.fit(x[tr], y[tr])
            z[te] = m.decision_function(x[te])
        return z

    def logloss(z: Any, t: float) -> float:
        p = 1.0 / (1.0 + np.exp(-z / t))
        p = np.clip(p, 1e-9, 1 - 1e-9)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))

    best: tuple[float, float, float, Any] | None = None
    for c in cs:
        z = oof(c)
        for t in (0.5, 0.75, 1.0, 1.5, 2.0, 3.0):
            loss = logloss(z, t)
            if best is None or loss < best[0]:
                best = (loss, c, t, z)
    assert best is not None
    loss, c, temp, z = best
    p = 1.0 / (1.0 + np.exp(-z / temp))

    rules = OptOutMatcher(language, model=None)
    rule_hit = np.zeros(len(samples), dtype=bool)
    vetoed = np.zeros(len(samples), dtype=bool)
    for i, s in enumerate(samples):
        vetoes: list[str] = []
        rule_hit[i] = rules.rules(s.text, vetoes) is not None
        vetoed[i] = bool(vetoes)
    near = np.array([s.near for s in samples])
    neg_near = near & (y == 0)
    neg_other = ~near & (y == 0)
    open_ = ~rule_hit & ~vetoed
    threshold = 0.999
    for th in [x / 1000 for x in range(600, 1000, 5)]:
        fires = open_ & (p >= th)
        if (fires & neg_near).sum() <= max_false_near * neg_near.sum() and (
            fires & neg_other
        ).sum() <= max_false_other * max(1, neg_other.sum()):
            threshold = th
            break
    fires = open_ & (p >= threshold)
    pos = y == 1
    figures = {
        "C": c,
        "temperature": temp,
        "threshold": threshold,
        "log_loss": loss,
        "opt_outs": float(pos.sum()),
        "near_misses": float(neg_near.sum()),
        "other_replies": float(neg_other.sum()),
        "rules_recall": float((rule_hit & pos).sum() / pos.sum()),
        "combined_recall_cv": float(((rule_hit | fires) & pos).sum() / pos.sum()),
        "rules_false_near": float((rule_hit & neg_near).sum() / max(1, neg_near.sum())),
        "combined_false_near_cv": float(
            ((rule_hit | fires) & neg_near).sum() / max(1, neg_near.sum())
        ),
        "combined_false_other_cv": float(
            ((rule_hit | fires) & neg_other).sum() / max(1, neg_other.sum())
        ),
    }
    final = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, y)
    names = vec.get_feature_names_out()
    weights = {
        str(names[j]): float(w) for j, w in enumerate(final.coef_[0]) if abs(float(w)) >= 0.01
    }
    model = OptOutModel(
        language=base_language(language),
        weights=weights,
        bias=float(final.intercept_[0]),
        temperature=temp,
        threshold=threshold,
        description=(
            f"fitted on {int(pos.sum())} opt-outs, {int(neg_near.sum())} close non-opt-outs and "
            f"{int(neg_other.sum())} other replies of the fit set; C={c}, temperature and "
            "threshold by 5-fold CV"
        ),
    )
    return model, figures
