"""Leave-one-batch-out figures of the learned opt-out model: how it reads wording it has
never seen.

The opt-out fit set (simulator/fitset/optout.jsonl) grew by hand-written batches, each
written after the rules and models of its time; a batch's wording is fresh to a model
fitted on the others, as the next customer's is to the shipped one. Batches are the
commits that added the lines (``git blame``), with two corrections: a recognition-error
rewrite of a line of another batch (same label, most of its pinyin syllable pairs shared)
goes to that line's batch, so no batch is scored by a model fitted on its own rewrites;
and commits of one working session (each within ``--session-minutes`` of the one
before) are one batch, as is a commit of fewer than ``--min-batch`` lines of the language
with the batch before it: a round written after the previous round's changes in the same
session is then fresh to the model too, which is harsher than the shipped model's case. The fit set's ordinary replies (simulator/fitset/replies) are split into as many
folds as there are batches (by a hash of the text) and the i-th fold is held out with the
i-th batch, so every line and reply is scored once, by a model that never saw it.

Each fold's model is fitted exactly as ``tools/fit_optout_models.py`` fits the shipped one
(``scripts.optout_fit``: C, temperature and threshold by 5-fold CV inside the training
part). Printed per batch and pooled: recall on the opt-outs, false opt-outs on the close
non-opt-outs (``near``) and on ordinary replies (``other``), of the model alone and of the
detector as shipped (rules, their vetoes, then the model). The rules were written with
every batch in view, so their part is in-sample for all batches. ``--vetoes`` also prints
the detector with a rule hit dropped where the model's probability is below each value (a
model veto of the rules) and the opt-outs that would lose. Last, the whole fit set's
5-fold CV figures of the same design (what ``fit_optout_models.py --dry-run`` prints).
Evaluation data is never read here.

    python tools/optout_batch_cv.py [--language zh-CN] [--feature-set concepts]
        [--augment none|asr] [--cs 1 4 16] [--class-weight balanced|none] [--open-only]
        [--vetoes 0.02 0.05 0.1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.fitset_batches import batches, blamed  # noqa: E402
from scripts.matching import base_language, normalize  # noqa: E402
from scripts.optout_fit import (  # noqa: E402
    FitCache,
    Sample,
    asr_variants,
    fit_optout_model,
    rule_reads,
)
from scripts.optout_model import FEATURE_SETS, OptOutModel  # noqa: E402

FIT_SET = ROOT / "simulator" / "fitset"
OPTOUT = FIT_SET / "optout.jsonl"


@dataclass(frozen=True)
class Line:
    text: str
    opt_out: bool
    variant: str
    commit: str
    time: int


def _git(*args: str) -> str:
    """What a git command prints about the opt-out fit set's file."""
    path = str(OPTOUT.relative_to(ROOT))
    return subprocess.run(
        ["git", *args, "--", path], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def blamed_lines(language: str) -> list[Line]:
    """The language's lines of the opt-out fit set with the commit that added each."""
    lines: list[Line] = []
    for x in blamed(_git("blame", "--line-porcelain")):
        r = json.loads(x.text)
        if base_language(r["language"]) == base_language(language):
            lines.append(
                Line(r["text"], r["label"] == "opt_out", r.get("variant", ""), x.commit, x.time)
            )
    return lines


def batches_of(
    lines: Sequence[Line], min_batch: int, session_minutes: float
) -> list[tuple[str, list[Line]]]:
    """The lines grouped into batches (``scripts.fitset_batches``), oldest first; a rewrite
    goes with a source of the same label."""
    groups = batches(
        [x.text for x in lines],
        [x.opt_out for x in lines],
        [x.variant == "asr_error" for x in lines],
        [x.commit for x in lines],
        [x.time for x in lines],
        min_batch,
        session_minutes,
    )
    return [(c, [lines[i] for i in members]) for c, members in groups]


@dataclass(frozen=True)
class Scored:
    batch: str  # a commit, or "" for an ordinary reply
    sample: Sample
    p: float
    threshold: float
    rule_hit: bool
    vetoed: bool

    @property
    def model(self) -> bool:
        return self.p >= self.threshold

    @property
    def combined(self) -> bool:
        return self.rule_hit or (not self.vetoed and self.model)


def replies(language: str) -> list[Sample]:
    out: list[Sample] = []
    for path in sorted((FIT_SET / "replies").glob(f"*.{language}.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                out.append(Sample(r["text"], r["intent"] == "opt_out", False))
    return out


def leave_batch_out(
    language: str,
    batches: Sequence[tuple[str, Sequence[Line]]],
    fit: Callable[[Sequence[Sample]], OptOutModel],
    cache: FitCache,
) -> list[Scored]:
    """Every batch line and ordinary reply scored by a model fitted without its fold."""
    seen: set[str] = set()
    folds: list[list[Sample]] = []
    for _, members in batches:  # oldest first: a line equal to an older one is left out
        fold: list[Sample] = []
        for x in members:
            key = normalize(x.text, language)
            if key and key not in seen:
                seen.add(key)
                fold.append(Sample(x.text, x.opt_out, True))
        folds.append(fold)
    reply_folds: list[list[Sample]] = [[] for _ in batches]
    for s in replies(language):
        key = normalize(s.text, language)
        if key and key not in seen:
            seen.add(key)
            reply_folds[zlib.crc32(key.encode()) % len(batches)].append(s)
    scored: list[Scored] = []
    for k, (commit, _) in enumerate(batches):
        train = [s for j, f in enumerate(folds) if j != k for s in f]
        train += [s for j, f in enumerate(reply_folds) if j != k for s in f]
        model = fit(train)
        test = folds[k] + reply_folds[k]
        hit, vetoed = rule_reads([s.text for s in test], language, cache)
        for i, s in enumerate(test):
            scored.append(
                Scored(
                    commit if s.near else "",
                    s,
                    model.probability(s.text),
                    model.threshold,
                    bool(hit[i]),
                    bool(vetoed[i]),
                )
            )
        print(f"  fold {k + 1}/{len(batches)} {commit[:7]} threshold={model.threshold:.3f}")
    return scored


def rates(rows: Sequence[Scored]) -> dict[str, float]:
    """Recall on the opt-outs and false opt-outs on near misses and ordinary replies."""

    def share(sel: list[Scored], read: Callable[[Scored], bool]) -> float:
        return sum(map(read, sel)) / len(sel) if sel else float("nan")

    pos = [r for r in rows if r.sample.near and r.sample.opt_out]
    near = [r for r in rows if r.sample.near and not r.sample.opt_out]
    other = [r for r in rows if not r.sample.near and not r.sample.opt_out]
    return {
        "n_pos": len(pos),
        "n_near": len(near),
        "n_other": len(other),
        "model_recall": share(pos, lambda r: r.model),
        "model_false_near": share(near, lambda r: r.model),
        "model_false_other": share(other, lambda r: r.model),
        "recall": share(pos, lambda r: r.combined),
        "false_near": share(near, lambda r: r.combined),
        "false_other": share(other, lambda r: r.combined),
        "rules_recall": share(pos, lambda r: r.rule_hit),
        "rules_false_near": share(near, lambda r: r.rule_hit),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--language", default="zh-CN")
    ap.add_argument("--feature-set", choices=FEATURE_SETS, default="concepts")
    ap.add_argument("--augment", choices=("none", "asr"), default="none")
    ap.add_argument("--cs", nargs="*", type=float, default=[1.0, 4.0, 16.0])
    ap.add_argument("--class-weight", choices=("balanced", "none"), default="balanced")
    ap.add_argument("--open-only", action="store_true", help="fit on what the rules leave open")
    ap.add_argument("--min-batch", type=int, default=20)
    ap.add_argument("--session-minutes", type=float, default=30.0)
    ap.add_argument("--no-whole-cv", action="store_true", help="skip the whole-set 5-fold CV")
    ap.add_argument(
        "--vetoes",
        nargs="*",
        type=float,
        default=[],
        help="also print the detector with a rule hit dropped when the model's p is below each",
    )
    args = ap.parse_args(argv)
    language: str = args.language
    cache = FitCache()

    def fit_design(samples: Sequence[Sample]) -> tuple[OptOutModel, dict[str, float]]:
        """The design the options name, fitted on ``samples``, with its 5-fold CV figures."""
        return fit_optout_model(
            samples,
            language,
            feature_set=args.feature_set,
            cs=args.cs,
            class_weight=None if args.class_weight == "none" else "balanced",
            augment=asr_variants if args.augment == "asr" else None,
            open_only=args.open_only,
            cache=cache,
        )

    def fit(samples: Sequence[Sample]) -> OptOutModel:
        return fit_design(samples)[0]

    batches = batches_of(blamed_lines(language), args.min_batch, args.session_minutes)
    print(
        f"{language}: {len(batches)} batches; feature_set={args.feature_set} "
        f"augment={args.augment} cs={args.cs} class_weight={args.class_weight} "
        f"open_only={args.open_only}"
    )
    scored = leave_batch_out(language, batches, fit, cache)
    cols = [
        "n_pos",
        "n_near",
        "model_recall",
        "model_false_near",
        "recall",
        "false_near",
        "rules_recall",
        "rules_false_near",
    ]
    print("batch    " + " ".join(f"{c:>16}" for c in cols))
    for commit, _ in batches:
        r = rates([s for s in scored if s.batch == commit])
        print(f"{commit[:7]}  " + " ".join(f"{r[c]:16.3f}" for c in cols))
    pooled = rates(scored)
    print("pooled   " + " ".join(f"{k}={v:.4f}" for k, v in pooled.items()))
    for t in args.vetoes:
        kept = [replace(s, rule_hit=s.rule_hit and s.p >= t) for s in scored]
        v = rates(kept)
        print(
            f"model veto p<{t}: recall={v['recall']:.4f} false_near={v['false_near']:.4f} "
            f"false_other={v['false_other']:.4f}"
        )
        for s in scored:
            if s.rule_hit and s.p < t and s.sample.opt_out:
                print(f"    lost p={s.p:.3f} {s.sample.text}")
    if not args.no_whole_cv:
        from scripts.optout_fit import read_samples

        _, figures = fit_design(read_samples(FIT_SET, language))
        print("whole-set 5-fold CV " + " ".join(f"{k}={v:.4f}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
