"""Fitting the intent classifier of a script (``scripts.classifier``) with scikit-learn.

Examples are the fit set's single replies (``simulator/fitset/replies``: script, state,
intent, text) and the script's own phrases at every state that listens for them. The
model is a multinomial logistic regression on binary features; its inverse
regularisation ``C``, its temperature and its no-match threshold are chosen by 5-fold
cross-validation on the same examples (grouped by reply text, since one reply may be dealt
to several states), never on evaluation data: the temperature
minimises the log loss of the state-restricted probabilities, the threshold is the most
accurate (the higher on a tie) that leaves at most ``max_no_match`` of the in-scope
replies unanswered.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.classifier import NONE, OPT_OUT_ONLY, IntentClassifier, canonical_label, features
from scripts.matching import normalize
from scripts.schema import OPT_OUT, Script

SKIP = ("callback_time",)  # a time is read by the slot parser, not the classifier


@dataclass(frozen=True)
class Example:
    text: str
    state: str
    label: str
    weight: float = 1.0
    clean: bool = True  # no recognition errors written in
    pooled: bool = False  # another script's reply (``scripts.intent_pool``): trained on, not scored


def read_replies(path: Path) -> list[Example]:
    """The fit set's replies of one script and language as examples."""
    out: list[Example] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        label = canonical_label(r["intent"])
        if label in SKIP:
            continue
        out.append(Example(r["text"], r["state"], label, clean=r.get("variant") == "clean"))
    return out


def phrase_examples(script: Script, weight: float = 0.5) -> list[Example]:
    """The script's phrases at every state that listens for them."""
    out: list[Example] = []
    for sid, st in script.states.items():
        if st.end is not None or st.next is not None:
            continue
        for name in script.expected_intents(sid):
            it = script.intent(name)
            if it is None:
                continue
            for p in (*it.phrases_for(script.language), *it.keywords):
                out.append(Example(p, sid, name, weight))
    return out


def dropped_characters(examples: Sequence[Example], seed: int) -> dict[int, Example]:
    """For each written reply (not a script phrase) of four characters or more, a copy
    with one inner character dropped, at half weight: the recogniser drops characters,
    and a model that has seen it relies less on any single one (5-fold CV on the fit
    set: 0.951 -> 0.956 for wealth_followup)."""
    rng = random.Random(seed)
    out: dict[int, Example] = {}
    for i, e in enumerate(examples):
        if e.weight >= 1.0 and not e.pooled and len(e.text) >= 4:
            k = rng.randrange(1, len(e.text) - 1)
            out[i] = Example(e.text[:k] + e.text[k + 1 :], e.state, e.label, e.weight / 2, False)
    return out


def _allowed(script: Script, state: str) -> list[str]:
    if state not in script.states:
        return []
    return [i for i in script.expected_intents(state) if i != OPT_OUT]


def _restricted(
    z: Sequence[float], labels: Sequence[str], allowed: Iterable[str], t: float
) -> tuple[str, float]:
    idx = [labels.index(a) for a in dict.fromkeys((*allowed, NONE)) if a in labels]
    top = max(z[i] for i in idx)
    exps = {i: math.exp((z[i] - top) / t) for i in idx}
    total = sum(exps.values())
    best = max(idx, key=lambda i: exps[i])
    return labels[best], exps[best] / total


C_RULES = ("one_se", "best")
CS = (0.5, 2.0, 8.0)  # the C values cross-validation chooses among


def choose_c(
    tried: Sequence[tuple[float, float, Any]], n: int, rule: str = "one_se"
) -> tuple[float, float, Any]:
    """The most regularised C (the smallest) whose CV accuracy is within one standard error
    of the best (the one-standard-error rule): C values that CV cannot tell apart are read
    in favour of the simpler model, which carries better to wording the fit set lacks.
    ``rule="best"``: the C of the best CV accuracy (the smaller on a tie)."""
    best = max(acc for _, acc, _ in tried)
    if rule == "best":
        return min((t for t in tried if t[1] == best), key=lambda t: t[0])
    se = math.sqrt(best * (1.0 - best) / max(1, n))
    return min((t for t in tried if t[1] >= best - se), key=lambda t: t[0])


def fit_classifier(
    script: Script,
    examples: Sequence[Example],
    *,
    cs: Sequence[float] = CS,
    max_no_match: float = 0.04,
    prune: float = 0.02,
    seed: int = 1,
    c_rule: str = "one_se",
) -> tuple[IntentClassifier, dict[str, float]]:
    """The fitted model and its cross-validated figures (accuracy, no-match rate, C).
    Pooled examples (``Example.pooled``) are trained on, in every fold, but not scored:
    the figures are the script's own replies'. ``c_rule``: see ``choose_c``."""
    # deferred: scikit-learn costs 2.3 s to import; only fitting needs it
    import numpy as np
    from scipy.sparse import vstack
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    lang = script.language
    extra = dropped_characters(examples, seed)
    rows = [
        {f: 1.0 for f in features(e.text, lang, e.state) if not f.startswith(OPT_OUT_ONLY)}
        for e in (*examples, *extra.values())
    ]
    vec = DictVectorizer()
    x_all = vec.fit_transform(rows)
    x, x_extra = x_all[: len(examples)], x_all[len(examples) :]
    labels = sorted({e.label for e in examples})
    y = np.array([labels.index(e.label) for e in examples])
    w = np.array([e.weight for e in examples])
    src = np.array([i for i, _ in extra.items()], dtype=int)
    y_extra, w_extra = y[src], np.array([e.weight for e in extra.values()])

    def train(c: float, rows_: Any) -> Any:
        """A model fitted on ``rows_`` and their dropped-character copies."""
        keep = np.isin(src, rows_)
        m = LogisticRegression(C=c, max_iter=2000)
        m.fit(
            vstack([x[rows_], x_extra[keep]]),
            np.concatenate([y[rows_], y_extra[keep]]),
            sample_weight=np.concatenate([w[rows_], w_extra[keep]]),
        )
        return m

    # a reply dealt to several states stays in one fold, so CV never sees its own text
    texts: dict[str, int] = {}
    groups = np.array([texts.setdefault(normalize(e.text, lang), len(texts)) for e in examples])

    def oof(c: float) -> Any:
        z = np.zeros((len(examples), len(labels)))
        folds = StratifiedGroupKFold(5, shuffle=True, random_state=seed)
        for tr, te in folds.split(x, y, groups):
            m = train(c, tr)
            z[np.ix_(te, m.classes_)] = m.decision_function(x[te])
            missing = [k for k in range(len(labels)) if k not in m.classes_]
            z[np.ix_(te, missing)] = -1e6
        return z

    scored = [
        i for i, e in enumerate(examples) if e.weight >= 1.0 and not e.pooled and e.label != OPT_OUT
    ]
    tried: list[tuple[float, float, Any]] = []
    for c in cs:
        z = oof(c)
        acc = sum(
            _restricted(z[i], labels, _allowed(script, examples[i].state), 1.0)[0]
            == examples[i].label
            for i in scored
        ) / max(1, len(scored))
        tried.append((c, acc, z))
    c, _, z = choose_c(tried, len(scored), c_rule)
    # temperature: the log loss of the state-restricted probabilities
    temps = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0]

    def nll(t: float) -> float:
        total = 0.0
        for i in scored:
            allowed = _allowed(script, examples[i].state)
            idx = [labels.index(a) for a in dict.fromkeys((*allowed, NONE)) if a in labels]
            if labels.index(examples[i].label) not in idx:
                continue
            top = max(z[i][k] for k in idx)
            logs = math.log(sum(math.exp((z[i][k] - top) / t) for k in idx))
            total -= (z[i][labels.index(examples[i].label)] - top) / t - logs
        return total

    temperature = min(temps, key=nll)
    reads = [
        (_restricted(z[i], labels, _allowed(script, examples[i].state), temperature), i)
        for i in scored
    ]
    in_scope = [(r, i) for r, i in reads if examples[i].label != NONE]

    def outcome(t: float) -> tuple[int, int]:
        """Replies read as written, and in-scope replies left unanswered, at threshold t."""
        correct = nomatch = 0
        for (lab, p), i in reads:
            said = None if lab == NONE or p < t else lab
            want = None if examples[i].label == NONE else examples[i].label
            correct += said == want
            nomatch += want is not None and said is None
        return correct, nomatch

    # the most accurate threshold (the higher on a tie) that leaves at most max_no_match
    # of the in-scope replies unanswered
    threshold, (correct, nomatch_in_scope) = 0.0, outcome(0.0)
    for t in [x / 100 for x in range(2, 95, 2)]:
        ok, unanswered = outcome(t)
        if unanswered / max(1, len(in_scope)) > max_no_match:
            break
        if ok >= correct:
            threshold, correct, nomatch_in_scope = t, ok, unanswered
    model = train(c, np.arange(len(examples)))
    coef = model.coef_
    names = vec.get_feature_names_out()
    weights: dict[str, dict[int, float]] = {}
    for j, f in enumerate(names):
        row = {int(k): float(coef[k, j]) for k in range(len(labels)) if abs(coef[k, j]) >= prune}
        if row:
            weights[str(f)] = row
    figures = {
        "cv_accuracy": round(correct / max(1, len(reads)), 4),
        "cv_no_match_in_scope": round(nomatch_in_scope / max(1, len(in_scope)), 4),
        "c": c,
        "temperature": temperature,
        "threshold": threshold,
        "examples": float(len(examples)),
        # each C's CV accuracy at temperature 1 and no threshold (what ``choose_c`` compares)
        **{f"cv_accuracy_c{tc:g}": round(acc, 4) for tc, acc, _ in tried},
    }
    n_pooled = sum(e.pooled for e in examples)
    pooled_note = f"; {n_pooled} of them other scripts' replies" if n_pooled else ""
    c_note = " (best CV accuracy)" if c_rule == "best" else ""
    clf = IntentClassifier(
        script=script.id,
        language=lang,
        labels=labels,
        weights=weights,
        bias=[float(b) for b in model.intercept_],
        temperature=temperature,
        threshold=threshold,
        grammar=widened_grammar(script, examples),
        description=(
            f"{script.id} {lang}: multinomial logistic regression on character n-grams"
            f"{' and pinyin' if lang.startswith('zh') else ''}, {len(examples)} examples "
            f"(fit set replies and the script's phrases{pooled_note}) and their "
            f"dropped-character copies, C={c}{c_note}, temperature {temperature}, "
            f"threshold {threshold} (5-fold CV on the fit set, grouped by reply text: accuracy "
            f"{figures['cv_accuracy']:.3f}, no-match on in-scope "
            f"{figures['cv_no_match_in_scope']:.3f}; tools/fit_intent_models.py)"
        ),
    )
    return clf, figures


def widened_grammar(
    script: Script, examples: Sequence[Example], max_chars: int = 10, per_state: int = 60
) -> dict[str, list[str]]:
    """Per state, the fit set's short clean replies of intents the state listens for (and
    of opt-out), most common first: the phrases grammar mode adds to the script's own."""
    out: dict[str, list[str]] = {}
    for sid in script.states:
        listens = set(script.expected_intents(sid))
        own = set(script.all_phrases(sid))
        seen: dict[str, None] = {}
        for e in examples:
            if e.state != sid or not e.clean or e.pooled or e.label == NONE:
                continue
            if e.label not in listens:
                continue
            text = "".join(ch for ch in e.text if ch.isalnum() or ch.isspace()).strip()
            if text and len(text) <= max_chars and text not in own:
                seen.setdefault(text, None)
        if seen:
            out[sid] = list(seen)[:per_state]
    return out
