"""Fitting the learned opt-out model (``scripts.optout_model``) with scikit-learn.

Positives are the fit set's opt-outs (``simulator/fitset/optout.jsonl`` and the replies
labelled ``opt_out`` in ``simulator/fitset/replies``); negatives its close non-opt-outs and
every other reply of every state. ``C`` and the temperature are chosen by 5-fold
cross-validation grouped by reply text (minimum log loss), and the threshold on the
out-of-fold probabilities: the lowest, from 0.6 up (the model alone never decides on a
near coin toss), at which the detector as shipped (the rules first, their negation
vetoes, then the model) adds at most ``max_false_near`` false opt-outs on the close
non-opt-outs and ``max_false_other`` on ordinary replies. ``feature_set`` (what the
model reads, ``scripts.optout_model.FEATURE_SETS``), ``class_weight`` and ``augment``
(recognition-error variants of the training texts, ``asr_variants``) are the design
choices ``tools/optout_batch_cv.py`` compares. Evaluation data is never read here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.matching import base_language, normalize
from scripts.optout import OptOutMatcher
from scripts.optout_model import OptOutModel, optout_features


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


# What the recogniser writes for what was said (homophones and near-homophones), applied
# one at a time by ``asr_variants``.
ASR_REWRITES: tuple[tuple[str, str], ...] = (
    ("打", "大"),
    ("再", "在"),
    ("电话", "点话"),
    ("别", "憋"),
    ("号码", "号马"),
    ("银行", "因行"),
    ("投诉", "头诉"),
    ("删", "山"),
    ("以后", "一后"),
    ("骚扰", "扫扰"),
    ("不要", "布要"),
    ("推销", "推消"),
    ("联系", "连系"),
    ("名单", "明单"),
)
_FILLERS = frozenset("的了啊呀吧呢嘛哦哈啦么")


def asr_variants(text: str) -> list[str]:
    """Recognition-error variants of a training text: the first homophone rewrite of
    ``ASR_REWRITES`` that applies (each occurrence), and the text without its last
    filler character (the recogniser drops short unstressed syllables)."""
    out: list[str] = []
    for said, heard in ASR_REWRITES:
        if said in text:
            out.append(text.replace(said, heard))
            break
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _FILLERS:
            out.append(text[:i] + text[i + 1 :])
            break
    return [t for t in out if t and t != text]


@dataclass
class FitCache:
    """What a series of fits on overlapping samples computes once per text: the features
    (per feature set) and the rules' reading (hit, vetoed)."""

    features: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    rules: dict[str, tuple[bool, bool]] = field(default_factory=dict)


def rule_reads(
    texts: Sequence[str], language: str, cache: FitCache | None = None
) -> tuple[Any, Any]:
    """Per text: whether a rule fired, and whether a rule vetoed (numpy bool arrays)."""
    import numpy as np

    cache = cache or FitCache()
    rules = OptOutMatcher(language, model=None)
    hit = np.zeros(len(texts), dtype=bool)
    vetoed = np.zeros(len(texts), dtype=bool)
    for i, text in enumerate(texts):
        if text not in cache.rules:
            vetoes: list[str] = []
            fired = rules.rules(text, vetoes) is not None
            cache.rules[text] = (fired, bool(vetoes))
        hit[i], vetoed[i] = cache.rules[text]
    return hit, vetoed


def fit_optout_model(
    samples: Sequence[Sample],
    language: str,
    *,
    feature_set: str = "base",
    cs: Sequence[float] = (1.0, 4.0, 16.0),
    class_weight: str | None = "balanced",
    augment: Callable[[str], Sequence[str]] | None = None,
    open_only: bool = False,
    max_false_near: float = 0.005,
    max_false_other: float = 0.002,
    seed: int = 1,
    cache: FitCache | None = None,
) -> tuple[OptOutModel, dict[str, float]]:
    """The fitted model and its cross-validated figures. ``augment``: more texts of the
    same label for a sample (recognition-error variants), fitted on beside it and kept in
    its cross-validation fold. ``open_only``: fitted only on the samples the rules leave
    open (none fired, none vetoed), the only replies the model is asked about."""
    # deferred: scikit-learn costs 2.3 s to import; only fitting needs it
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    cache = cache or FitCache()

    def row(text: str) -> dict[str, float]:
        key = (feature_set, text)
        if key not in cache.features:
            cache.features[key] = tuple(optout_features(text, language, feature_set))
        return dict.fromkeys(cache.features[key], 1.0)

    extra = [(i, t) for i, s in enumerate(samples) for t in (augment(s.text) if augment else ())]
    vec = DictVectorizer()
    x_all = vec.fit_transform([row(s.text) for s in samples] + [row(t) for _, t in extra])
    x = x_all[: len(samples)]
    y = np.array([1 if s.opt_out else 0 for s in samples])
    x_extra = x_all[len(samples) :]
    y_extra = np.array([y[i] for i, _ in extra], dtype=int)
    source = np.array([i for i, _ in extra], dtype=int)
    # samples are distinct texts already, so plain stratified folds are grouped by text
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y))

    rule_hit, vetoed = rule_reads([s.text for s in samples], language, cache)
    open_ = ~rule_hit & ~vetoed

    def fitted(c: float, train: Any) -> Any:
        """A model fitted on the samples ``train`` (indices) and their variants."""
        if open_only:
            train = train[open_[train]]
        keep = np.isin(source, train)
        xs = sp.vstack([x[train], x_extra[keep]]).tocsr()
        ys = np.concatenate([y[train], y_extra[keep]])
        m = LogisticRegression(C=c, max_iter=3000, class_weight=class_weight)
        return m.fit(xs, ys)

    def oof(c: float) -> Any:
        z = np.zeros(len(samples))
        for tr, te in folds:
            z[te] = fitted(c, tr).decision_function(x[te])
        return z

    scored = open_ if open_only else np.ones(len(samples), dtype=bool)

    def logloss(z: Any, t: float) -> float:
        p = np.clip(1.0 / (1.0 + np.exp(-z[scored] / t)), 1e-9, 1 - 1e-9)
        ys = y[scored]
        return float(-np.mean(ys * np.log(p) + (1 - ys) * np.log(1 - p)))

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

    near = np.array([s.near for s in samples])
    neg_near = near & (y == 0)
    neg_other = ~near & (y == 0)
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
        "model_recall_cv": float(((p >= threshold) & pos).sum() / pos.sum()),
        "model_false_near_cv": float(((p >= threshold) & neg_near).sum() / max(1, neg_near.sum())),
    }
    final = fitted(c, np.arange(len(samples)))
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
        feature_set=feature_set,
        description=(
            f"fitted on {int(pos.sum())} opt-outs, {int(neg_near.sum())} close non-opt-outs and "
            f"{int(neg_other.sum())} other replies of the fit set; C={c}, temperature and "
            "threshold by 5-fold CV"
        ),
    )
    return model, figures
