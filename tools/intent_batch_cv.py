"""Leave-one-batch-out figures of the intent classifiers: how the product reads wording
the classifier has never seen.

The single replies of the fit set (simulator/fitset/replies/<script>.<language>.jsonl)
grew by hand-written batches, each written after the rules and models of its time; a
batch's wording is fresh to a classifier fitted on the others, as the next customer's is
to the shipped one. Batches are found as ``tools/optout_batch_cv.py`` finds them: the
commits that added the lines (``git blame``), a recognition-error rewrite of a line of
another batch (same state and intent, most of its pinyin syllable pairs shared) going to
that line's batch, and the commits of one working session (each within
``--session-minutes`` of the one before), or of fewer than ``--min-batch`` lines, joined.

For each of the last ``--last`` batches of a script, a classifier is fitted as
``tools/fit_intent_models.py`` fits the shipped one (``scripts.classifier_fit``) on the
script's other replies (none whose text the batch holds) and its phrases, with the design
under test; then the batch is read by the product's whole reading
(``scripts.understanding.Understanding``: opt-out, rules, phrases, then that classifier) at
the replay clock, as ``tailcall scripts match`` and ``bench/understanding.py`` read replies.
Printed per batch and pooled: the accuracy against the labels and the no-match rate of the
in-scope replies (labelled with an intent). The rules and phrases were written with every
batch in view, so their part is in-sample for all batches. Evaluation data is never read.

The default design is the shipped one (``tools/fit_intent_models.py``'s defaults). Others:
``--c-rule best`` (C of the best CV accuracy, not the one-standard-error rule), ``--cs``
(the C values tried), ``--pool-weight W`` (the other scripts' replies of the language
that a state can take, ``scripts.intent_pool``, at weight W; 0: none). A pooled reply equal
to a line of the held-out batch, or added in the batch's working session, is left out:
the shipped model would not have seen it either when the batch was new.

    python tools/intent_batch_cv.py [--scripts points_reminder.zh-CN ...] [--last 6]
        [--c-rule one_se|best] [--cs 0.5 2 8] [--pool-weight 0] [--out rows.jsonl]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dialogue.intent.labelled_calls import REPLAY_START  # noqa: E402
from scripts.classifier import canonical_label  # noqa: E402
from scripts.classifier_fit import (  # noqa: E402
    C_RULES,
    CS,
    SKIP,
    Example,
    fit_classifier,
    phrase_examples,
)
from scripts.fitset_batches import batches, blamed  # noqa: E402
from scripts.intent_pool import POOL_WEIGHT, pooled_examples  # noqa: E402
from scripts.loader import find_script, load_script  # noqa: E402
from scripts.match_report import Reply, Row, match  # noqa: E402
from scripts.matching import normalize  # noqa: E402
from scripts.schema import Script  # noqa: E402
from scripts.understanding import Understanding  # noqa: E402

REPLIES = ROOT / "simulator" / "fitset" / "replies"
ZH_SCRIPTS = ("points_reminder.zh-CN", "wealth_followup.zh-CN", "dormant_reactivation.zh-CN")


@dataclass(frozen=True)
class Line:
    text: str
    state: str
    label: str  # canonical (``scripts.classifier.canonical_label``)
    variant: str
    commit: str
    time: int
    number: int  # line of the file, from 1


def blamed_lines(path: Path) -> list[Line]:
    """The lines of a replies file with the commit (and its time) that added each."""
    rel = str(path.relative_to(ROOT))
    out = subprocess.run(
        ["git", "blame", "--line-porcelain", "--", rel],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines: list[Line] = []
    for x in blamed(out):
        r = json.loads(x.text)
        label = canonical_label(r["intent"])
        lines.append(
            Line(
                r["text"], r["state"], label, r.get("variant", ""), x.commit, x.time, len(lines) + 1
            )
        )
    return lines


def batches_of(
    lines: Sequence[Line], min_batch: int, session_minutes: float
) -> list[tuple[str, list[Line]]]:
    """The lines grouped into batches (``scripts.fitset_batches``), oldest first; a rewrite
    goes with a source of the same state and label."""
    groups = batches(
        [x.text for x in lines],
        [(x.state, x.label) for x in lines],
        [x.variant == "asr_error" for x in lines],
        [x.commit for x in lines],
        [x.time for x in lines],
        min_batch,
        session_minutes,
    )
    return [(c, [lines[i] for i in members]) for c, members in groups]


def examples_of(lines: Sequence[Line]) -> list[Example]:
    """Lines as the fitter's examples (a callback time is left to the slot parser)."""
    return [
        Example(x.text, x.state, x.label, clean=x.variant == "clean")
        for x in lines
        if x.label not in SKIP
    ]


@dataclass(frozen=True)
class Design:
    c_rule: str = "one_se"
    pool_weight: float = POOL_WEIGHT
    session_minutes: float = 30.0
    cs: tuple[float, ...] = CS

    def name(self) -> str:
        pool = f" pool={self.pool_weight}" if self.pool_weight else ""
        return f"c_rule={self.c_rule} cs={list(self.cs)}{pool}"


def training_set(
    script: Script,
    language: str,
    lines: Sequence[Line],
    held: Sequence[Line],
    others: Sequence[tuple[Script, Sequence[Line]]],
    design: Design,
) -> list[Example]:
    """The script's replies outside the held-out batch (none with a held-out text), its
    phrases and, when pooling, the other scripts' replies a state can take (none with a
    held-out text or added in the held-out batch's working session)."""
    held_keys = {normalize(x.text, language) for x in held}
    held_ids = {id(x) for x in held}
    rest = [
        x for x in lines if id(x) not in held_ids and normalize(x.text, language) not in held_keys
    ]
    own = examples_of(rest) + phrase_examples(script)
    if design.pool_weight <= 0:
        return own
    window = design.session_minutes * 60
    times = sorted({x.time for x in held})

    def fresh(x: Line) -> bool:
        return not any(abs(x.time - t) <= window for t in times)

    sources = [
        (
            other,
            examples_of(
                [x for x in ls if fresh(x) and normalize(x.text, language) not in held_keys]
            ),
        )
        for other, ls in others
    ]
    return own + pooled_examples(script, own, sources, design.pool_weight)


def read_batch(
    script: Script, model_examples: Sequence[Example], held: Sequence[Line], design: Design
) -> list[Row]:
    model, fig = fit_classifier(script, model_examples, cs=design.cs, c_rule=design.c_rule)
    by_c = " ".join(f"{k[len('cv_accuracy_') :]}={v}" for k, v in fig.items() if "_c" in k)
    print(f"    C={fig['c']} T={fig['temperature']} t={fig['threshold']} {by_c}", flush=True)
    u = Understanding(script, classifier=model)
    replies = [Reply(x.text, x.state, x.label, x.number) for x in held]
    return match(script, replies, u, now=REPLAY_START)


def figures(rows: Sequence[Row]) -> tuple[int, float, float]:
    """Replies, accuracy, no-match rate of the in-scope replies."""
    lab = [r for r in rows if r.correct is not None]
    acc = sum(bool(r.correct) for r in lab) / max(1, len(lab))
    ins = [r for r in lab if r.reply.label != "none"]
    nm = sum(not r.caught for r in ins) / max(1, len(ins))
    return len(lab), acc, nm


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--scripts", nargs="+", default=list(ZH_SCRIPTS))
    ap.add_argument("--last", type=int, default=6, help="hold out only the last N batches")
    ap.add_argument("--c-rule", choices=C_RULES, default="one_se")
    ap.add_argument("--pool-weight", type=float, default=POOL_WEIGHT, help="0: no pooling")
    ap.add_argument("--cs", nargs="+", type=float, default=list(CS), help="the C values tried")
    ap.add_argument("--min-batch", type=int, default=20)
    ap.add_argument("--session-minutes", type=float, default=30.0)
    ap.add_argument("--out", type=Path, help="write every read reply here (JSONL)")
    args = ap.parse_args(argv)
    design = Design(args.c_rule, args.pool_weight, args.session_minutes, tuple(args.cs))
    all_rows: list[Row] = []
    out_rows: list[dict[str, object]] = []
    table: list[tuple[str, str, int, float, float]] = []
    for name in args.scripts:
        script_id, language = name.split(".", 1)
        script = load_script(find_script(script_id, language))
        lines = blamed_lines(REPLIES / f"{name}.jsonl")
        others: list[tuple[Script, Sequence[Line]]] = []
        if design.pool_weight > 0:
            for path in sorted(REPLIES.glob(f"*.{language}.jsonl")):
                other_id = path.name.split(".", 1)[0]
                if other_id != script_id:
                    other = load_script(find_script(other_id, language))
                    others.append((other, blamed_lines(path)))
        batches = batches_of(lines, args.min_batch, args.session_minutes)
        print(f"{name}: {len(lines)} lines, {len(batches)} batches; {design.name()}", flush=True)
        for commit, held in batches[-args.last :]:
            train = training_set(script, language, lines, held, others, design)
            rows = read_batch(script, train, held, design)
            n, acc, nm = figures(rows)
            pooled = sum(e.pooled for e in train)
            print(
                f"  {commit[:7]} n={n:4d} acc={acc:.3f} no-match={nm:.3f} "
                f"(trained on {len(train)}, {pooled} pooled)",
                flush=True,
            )
            table.append((name, commit[:7], n, acc, nm))
            all_rows.extend(rows)
            for r in rows:
                out_rows.append(
                    {"script": name, "batch": commit[:7], **r.to_json(), "caught": r.caught}
                )
    n, acc, nm = figures(all_rows)
    print(f"pooled {design.name()}: n={n} acc={acc:.4f} no-match={nm:.4f}")
    if args.out:
        args.out.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out_rows), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
