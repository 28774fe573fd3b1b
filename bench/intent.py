"""Intent scorer figures on simulator calls: grade accuracy, A precision/recall, AUC,
confusion matrix, per-turn scoring time.

Fits on text-mode calls of the ``fit`` persona variants and evaluates on calls of the
``eval`` variants (never used for fitting), both with simulated word errors. Nothing is
tuned on the evaluation set: the regularisation is fixed (--c) before it is seen.

    python -m bench.intent --calls 2000 --fit-calls 2000 --wer 0.1
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from datetime import datetime

from rich.console import Console
from rich.table import Table

from dialogue.engine import ScriptEngine
from dialogue.intent.cli import render_evaluation
from dialogue.intent.fit import Example, evaluate, examples, fit
from dialogue.intent.labelled_calls import REPLAY_START, ReplayCall, ReplayDriver, shipped_script
from dialogue.intent.model import ScoringModel
from dialogue.intent.model_files import default_model
from dialogue.intent.scorer import IntentScorer, ScoreUpdate, TurnObservation
from simulator.textcalls import generate


class _Recording(IntentScorer):
    """Keeps every observation it scores (to time the scorer alone afterwards)."""

    seen: list[TurnObservation]

    def observe_turn(self, turn: TurnObservation) -> ScoreUpdate:
        self.seen.append(turn)
        return super().observe_turn(turn)


def per_turn_times(calls: Sequence[ReplayCall], model: ScoringModel) -> list[float]:
    """Seconds per ``observe_turn`` over the calls' turns (engine time excluded): each
    call is replayed once to record its observations, then scored again, timed."""
    times: list[float] = []
    for call in calls:
        script = shipped_script(call.script, call.language)
        at = call.started_at or REPLAY_START
        engine = ScriptEngine(script, call.customer, variant=call.variant, clock_now=at)
        recorder = _Recording(model, script, call.profile)
        recorder.seen = []
        driver = ReplayDriver(engine, recorder, at)
        driver.start()
        for turn in call.spoken():
            driver.feed(turn)
        driver.finish()
        scorer = IntentScorer(model, script, call.profile)
        for obs in recorder.seen:
            t0 = time.perf_counter()
            scorer.observe_turn(obs)
            times.append(time.perf_counter() - t0)
    return times


def without_profile(data: Sequence[Example]) -> list[Example]:
    return [
        Example(
            {k: v for k, v in e.features.items() if not k.startswith("profile:")}, e.label, e.group
        )
        for e in data
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=2000, help="evaluation calls")
    ap.add_argument("--fit-calls", type=int, default=2000, help="fitting calls")
    ap.add_argument("--wer", type=float, default=0.1)
    ap.add_argument("--script", default="points_reminder")
    ap.add_argument("--language", default="zh-CN")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation (fixed)")
    args = ap.parse_args()
    console = Console()
    t0 = time.perf_counter()
    gen = dict(word_error_rate=args.wer)
    fit_calls = [
        ReplayCall.model_validate(r)
        for r in generate(
            args.script, args.language, args.fit_calls, split="fit", seed=args.seed, **gen
        )
    ]
    eval_calls = [
        ReplayCall.model_validate(r)
        for r in generate(
            args.script, args.language, args.calls, split="eval", seed=args.seed + 1000, **gen
        )
    ]
    t_gen = time.perf_counter() - t0
    base = default_model(args.script)
    train, _ = examples(fit_calls, base)
    test, _ = examples(eval_calls, base)
    model = fit(train, family=args.script, version=f"{args.script}@bench", c=args.c)
    ev = evaluate(model, test)
    ev_default = evaluate(base, test)
    no_prof = fit(without_profile(train), family=args.script, version="no-profile", c=args.c)
    ev_no_prof = evaluate(no_prof, without_profile(test))
    ordinal = fit(train, family=args.script, version="ordinal", c=args.c, kind="ordinal")
    ev_ordinal = evaluate(ordinal, test)
    times = per_turn_times(eval_calls[: min(500, len(eval_calls))], model)

    console.print(
        f"[bold]intent scorer[/] {args.script} {args.language}, WER {args.wer:.0%}, "
        f"fit {len(train)} calls / eval {len(test)} calls on unseen persona variants "
        f"(generated in {t_gen:.0f} s) at {datetime.now().isoformat(timespec='seconds')}"
    )
    render_evaluation(ev, title=f"fitted model ({len(model.feature_names)} features)")
    t = Table(
        "model", "grade accuracy", "A precision", "A recall", "AUC A", "AUC A+B", title="summary"
    )
    for name, e in (
        ("fitted (per grade)", ev),
        ("fitted, no profile features", ev_no_prof),
        ("fitted, ordinal (one axis)", ev_ordinal),
        ("shipped default", ev_default),
    ):
        a = e.figures("A")
        t.add_row(
            name,
            f"{e.accuracy:.3f}",
            f"{a.precision:.3f}",
            f"{a.recall:.3f}",
            f"{e.auc_a or 0:.3f}",
            f"{e.auc_ab or 0:.3f}",
        )
    t.add_row("target", ">= 0.900", ">= 0.900", ">= 0.850", "", "")
    console.print(t)
    us = sorted(x * 1e6 for x in times)
    tt = Table(
        "turns timed", "mean µs", "p50 µs", "p99 µs", "max µs", title="per-turn scoring time"
    )
    tt.add_row(
        str(len(us)),
        f"{statistics.fmean(us):.1f}",
        f"{us[len(us) // 2]:.1f}",
        f"{us[int(len(us) * 0.99)]:.1f}",
        f"{us[-1]:.1f}",
    )
    console.print(tt)


if __name__ == "__main__":
    main()
