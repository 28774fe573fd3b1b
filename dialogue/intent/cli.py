"""``tailcall intent fit|eval|models|use|explain``: learn and check the intent scorer."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from dialogue.intent.labelled_calls import read_jsonl, replay, shipped_script
from dialogue.intent.model import GradeThresholds
from dialogue.intent.model_files import default_model, read_model, write_model
from dialogue.intent.models import (
    choose_model,
    find_model,
    labelled_calls,
    list_models,
    store_model,
)
from kernel.clock import SystemClock
from kernel.db import Database
from kernel.errors import TailcallError
from kernel.settings import load_settings

if TYPE_CHECKING:
    from dialogue.intent.fit import Evaluation
    from dialogue.intent.labelled_calls import ReplayCall
    from dialogue.intent.model import GradeThresholds, ScoringModel

intent_app = typer.Typer(
    help="The intent scorer: fit, evaluate, choose models.", no_args_is_help=True
)


def _fail(exc: Exception) -> typer.Exit:
    typer.secho(f"error: {exc}", fg="red", err=True)
    return typer.Exit(2)


def _thresholds(a: float, b: float, c: float) -> GradeThresholds:

    try:
        return GradeThresholds(a=a, b=b, c=c, live=a)
    except ValueError as exc:
        raise _fail(exc) from None


def _read_calls(labels: list[Path]) -> list[ReplayCall]:

    calls: list[ReplayCall] = []
    for path in labels:
        try:
            calls.extend(read_jsonl(path))
        except TailcallError as exc:
            raise _fail(exc) from None
    return calls


def _family(calls: list[ReplayCall], family: str | None) -> str:
    fams = sorted({c.script for c in calls})
    if family:
        return family
    if len(fams) != 1:
        raise _fail(ValueError(f"calls of several scripts ({', '.join(fams)}): pass --family"))
    return fams[0]


def _load_model(ref: str | None, family: str) -> ScoringModel:

    try:
        if ref is None or ref == "default" or ref.endswith("@default"):
            fam = ref.split("@")[0] if ref and ref != "default" else family
            script = None
            with contextlib.suppress(TailcallError):
                script = shipped_script(fam, "zh-CN")
            return default_model(fam, script)
        if ref.endswith(".json") or Path(ref).exists():
            return read_model(Path(ref))

        db = Database(load_settings())
        try:
            with db.read() as s:
                return find_model(s, ref).scoring_model()
        finally:
            db.dispose()
    except TailcallError as exc:
        raise _fail(exc) from None


# Label sources the composition root adds: each turns confirmed outcomes stored elsewhere
# (an agent's disposition, a CRM's won/lost) into intent_call_labels, returning how many it
# added; `fit --from-db` runs them first.
LABEL_HARVESTERS: list[Callable[[Session], int]] = []


@intent_app.command("fit")
def fit_cmd(
    labels: list[Path] = typer.Option([], "--labels", help="JSONL file(s) of labelled calls"),
    from_db: bool = typer.Option(
        False, "--from-db", help="Also use confirmed calls stored in the database"
    ),
    family: str = typer.Option(None, help="Script family (default: the calls' script)"),
    out: Path = typer.Option(None, "--out", help="Write the model JSON here"),
    store: bool = typer.Option(
        False, "--store", help="Store it as the next version in the database"
    ),
    c: float = typer.Option(1.0, "--c", help="Inverse L2 regularisation strength"),
    min_count: int = typer.Option(3, help="Leave out features seen in fewer calls"),
    ordinal: bool = typer.Option(
        False, "--ordinal", help="One ordinal axis instead of weights per grade"
    ),
) -> None:
    """Fit a scoring model (logistic regression, per grade or ordinal) on labelled calls."""
    from dialogue.intent.fit import (  # deferred: scikit-learn takes 2.3 s to import, which every CLI command would pay
        examples,
        fit,
    )

    calls = _read_calls(labels)
    db = None
    if from_db or store:
        db = Database(load_settings())
    try:
        if from_db and db is not None:
            with db.session() as s:
                added = sum(harvest(s) for harvest in LABEL_HARVESTERS)
            if added:
                typer.echo(f"{added} new labelled call(s) from agents' dispositions")
            with db.read() as s:
                stored = labelled_calls(s, script_id=family)
            typer.echo(f"{len(stored)} labelled call(s) from the database")
            calls.extend(stored)
        if not calls:
            raise _fail(ValueError("no labelled calls: give --labels FILE or --from-db"))
        fam = _family(calls, family)
        try:
            data, _ = examples(calls, _load_model(None, fam))
            model = fit(
                data,
                family=fam,
                version=f"{fam}@new",
                c=c,
                min_count=min_count,
                kind="ordinal" if ordinal else "per_grade",
                description=f"fitted on {len(data)} calls from "
                + (", ".join(p.name for p in labels) or "the database"),
            )
        except TailcallError as exc:
            raise _fail(exc) from None
        typer.echo(
            f"fitted {fam}: {len(model.feature_names)} features on {len(data)} calls, "
            f"training accuracy {model.metrics['train_accuracy']:.3f}"
        )
        if store and db is not None:
            with db.session() as s:
                row = store_model(s, model, source=model.description, now=SystemClock().now())
                model = row.scoring_model()
            typer.echo(f"stored as {model.version}")
        if out is not None:
            write_model(model, out)
            typer.echo(f"wrote {out}")
        if out is None and not store:
            typer.echo(model.model_dump_json(indent=1))
    finally:
        if db is not None:
            db.dispose()


@intent_app.command("eval")
def eval_cmd(
    labels: list[Path] = typer.Option(..., "--labels", help="JSONL file(s) of labelled calls"),
    model: str = typer.Option(
        None, "--model", help="family@N, a stored id, a model JSON file, or 'default'"
    ),
    a: float = typer.Option(75.0, help="Grade A threshold"),
    b: float = typer.Option(50.0, help="Grade B threshold"),
    c: float = typer.Option(25.0, help="Grade C threshold"),
    json_out: Path = typer.Option(None, "--json", help="Also write the figures as JSON"),
) -> None:
    """Precision/recall per grade, AUC and the confusion matrix on labelled calls."""
    from dialogue.intent.fit import (  # deferred: scikit-learn takes 2.3 s to import, which every CLI command would pay
        evaluate,
        examples,
    )

    calls = _read_calls(labels)
    if not calls:
        raise _fail(ValueError("no labelled calls in the file(s)"))
    th = _thresholds(a, b, c)
    m = _load_model(model, _family(calls, None))
    try:
        data, _ = examples(calls, m, th)
        ev = evaluate(m, data, th)
    except TailcallError as exc:
        raise _fail(exc) from None
    render_evaluation(ev, title=f"{m.version} on {len(calls)} calls")
    if json_out is not None:
        json_out.write_text(
            json.dumps({"model": m.version, **ev.to_dict()}, indent=1) + "\n", encoding="utf-8"
        )


def render_evaluation(ev: Evaluation, title: str) -> None:
    """Rich tables: figures per grade, then the confusion matrix."""

    console = Console()
    t = Table("grade", "precision", "recall", "F1", "calls", title=title)
    for g in ev.per_grade:
        t.add_row(g.grade, f"{g.precision:.3f}", f"{g.recall:.3f}", f"{g.f1:.3f}", str(g.support))
    console.print(t)
    auc_a = "n/a" if ev.auc_a is None else f"{ev.auc_a:.3f}"
    auc_ab = "n/a" if ev.auc_ab is None else f"{ev.auc_ab:.3f}"
    console.print(f"accuracy {ev.accuracy:.3f}   AUC A vs rest {auc_a}   AUC A+B vs C+D {auc_ab}")
    cm = Table("true \\ predicted", "A", "B", "C", "D", title="confusion matrix")
    for grade, row in zip("ABCD", ev.confusion, strict=True):
        cm.add_row(grade, *(str(v) for v in row))
    console.print(cm)


@intent_app.command("models")
def models_cmd(family: str = typer.Option(None, help="Only this script family")) -> None:
    """List the stored model versions."""

    db = Database(load_settings())
    try:
        with db.read() as s:
            rows = list_models(s, family)
            t = Table("id", "version", "features", "train acc.", "created", "source")
            for r in rows:
                t.add_row(
                    str(r.id),
                    r.name,
                    str(len(r.model.get("feature_names", []))),
                    str(r.metrics.get("train_accuracy", "")),
                    r.created_at.isoformat(timespec="seconds"),
                    r.source,
                )
        Console().print(t)
    finally:
        db.dispose()


@intent_app.command("use")
def use_cmd(
    campaign: int = typer.Option(..., "--campaign", help="Campaign id"),
    model: str = typer.Option(..., "--model", help="family@N or a stored id"),
) -> None:
    """Make a campaign score with a stored model version."""

    db = Database(load_settings())
    try:
        with db.session() as s:
            row = choose_model(s, campaign, model, now=SystemClock().now())
            typer.echo(f"campaign {campaign} now scores with {row.name}")
    except TailcallError as exc:
        raise _fail(exc) from None
    finally:
        db.dispose()


@intent_app.command("explain")
def explain_cmd(
    labels: Path = typer.Argument(..., help="JSONL file of calls (labels optional)"),
    line: int = typer.Option(1, help="Which call (1 = the first)"),
    model: str = typer.Option(None, "--model", help="family@N, a model JSON file, or 'default'"),
) -> None:
    """Replay one call and show the score, grade and reasons after every turn."""

    try:
        calls = read_jsonl(labels, need_label=False)
    except TailcallError as exc:
        raise _fail(exc) from None
    if not 1 <= line <= len(calls):
        raise _fail(ValueError(f"--line must be within 1..{len(calls)}"))
    call = calls[line - 1]
    m = _load_model(model, call.script)
    res = replay(call, m)
    t = Table("turn", "state", "score", "grade", "reasons", "handoff", title=m.version)
    for i, u in enumerate(res.updates):
        req = u.handoff_request
        t.add_row(
            str(i),
            u.state,
            f"{u.score:.1f}",
            u.grade,
            "; ".join(f"{r.text} ({r.text_en})" for r in u.reasons),
            f"{req.trigger} -> {req.skill}" if req else "",
        )
    Console().print(t)
    typer.echo(f"disposition {res.disposition}, label {call.label or '-'}")
