"""``tailcall scripts``: lint and diagram call scripts (``chat`` is mounted from ``dialogue.cli``,
where the engine is)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from kernel.errors import TailcallError
from scripts.graph import mermaid, svg
from scripts.lint import STANDARD_COLUMNS, LintConfig, expand, lint_path, read_blocklist
from scripts.loader import ScriptLoadError, find_script, load_script
from scripts.match_report import coverage, match, read_replies
from scripts.schema import json_schema
from scripts.understanding import Understanding

scripts_app = typer.Typer(help="Call scripts: lint, chat, graph, match.", no_args_is_help=True)


def load_or_exit(path: Path) -> Any:
    """The script at ``path``, or every problem printed and exit code 2."""

    try:
        return load_script(path)
    except ScriptLoadError as exc:
        for p in exc.problems:
            typer.secho(str(p), fg="red", err=True)
        raise typer.Exit(2) from exc
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc


@scripts_app.command("lint")
def lint_cmd(
    paths: list[Path] = typer.Argument(..., help="Script files or directories"),
    columns: str = typer.Option(
        "", help="Extra call-list columns, comma separated (besides the standard ones)"
    ),
    blocklist: Path | None = typer.Option(
        None, help="Compliance blocklist file, one phrase per line (replaces the default)"
    ),
    max_seconds: float = typer.Option(20.0, help="Longest comfortable prompt, in seconds"),
    strict: bool = typer.Option(False, help="Warnings also fail"),
) -> None:
    """Check scripts; exit 1 on errors (warnings are listed separately)."""

    extra = {c.strip() for c in columns.split(",") if c.strip()}
    config = LintConfig(
        columns=STANDARD_COLUMNS | extra,
        blocklist=read_blocklist(blocklist) if blocklist else LintConfig().blocklist,
        max_prompt_seconds=max_seconds,
    )
    files = expand(paths)
    if not files:
        typer.secho("no script files found", fg="red", err=True)
        raise typer.Exit(2)
    errors = warnings = 0
    for f in files:
        findings = lint_path(f, config)
        errs = [x for x in findings if x.severity == "error"]
        warns = [x for x in findings if x.severity == "warning"]
        for x in errs:
            typer.secho(str(x), fg="red")
        for x in warns:
            typer.secho(str(x), fg="yellow")
        errors += len(errs)
        warnings += len(warns)
        if not findings:
            typer.echo(f"{f}: ok")
    typer.echo(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        raise typer.Exit(1)


@scripts_app.command("graph")
def graph_cmd(
    path: Path = typer.Argument(..., help="Script file"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write an SVG (or .mmd) here"),
) -> None:
    """Print the state diagram as Mermaid; with --out also write it as SVG."""

    script = load_or_exit(path)
    text = mermaid(script)
    typer.echo(text, nl=False)
    if out is not None:
        out.write_text(text if out.suffix == ".mmd" else svg(script), encoding="utf-8")
        typer.secho(f"wrote {out}", fg="green", err=True)


@scripts_app.command("schema")
def schema_cmd(
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the JSON Schema here"),
) -> None:
    """Print the JSON Schema of the script format."""

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")


def _script_arg(name: str) -> Any:
    """A script file, or a shipped script as ``id.language`` (points_reminder.zh-CN)."""
    path = Path(name)
    if path.is_file():
        return load_or_exit(path)
    script_id, _, language = name.partition(".")
    try:
        return load_script(find_script(script_id, language or "zh-CN"))
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc


def now_or_exit(value: str | None) -> datetime | None:
    """A ``--now`` option as a zoned time (None when not given); a time that is not ISO or
    has no zone is refused by name."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError as exc:
        typer.secho("--now: not an ISO date-time", fg="red", err=True)
        raise typer.Exit(2) from exc
    if when.tzinfo is None:
        typer.secho(
            "--now: give a time zone offset, e.g. 2026-01-07T10:00+08:00", fg="red", err=True
        )
        raise typer.Exit(2)
    return when


@scripts_app.command("match")
def match_cmd(
    script: str = typer.Argument(..., help="Script file, or a shipped one as id.language"),
    file: Path = typer.Argument(..., help="One reply per line, or JSONL with text and state"),
    state: str | None = typer.Option(None, help="State of plain-text replies"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per reply"),
    show_missed: int = typer.Option(10, help="Missed replies listed per state"),
    now_at: str | None = typer.Option(
        None,
        "--now",
        help="Read callback times as if said at this time, ISO with its zone "
        "(2026-01-05T10:00+08:00, the bench's clock); default now",
    ),
) -> None:
    """How each reply is understood (state, intent, confidence, source), and per state
    which replies nothing catches (no phrase, opt-out or classifier)."""

    s = _script_arg(script)
    now = now_or_exit(now_at)
    try:
        replies = read_replies(file, state)
        rows = match(s, replies, Understanding(s), now=now)
    except (TailcallError, OSError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row.to_json(), ensure_ascii=False))
        return
    for row in rows:
        mark = (
            "" if row.correct is None else ("  ok" if row.correct else f"  want {row.reply.label}")
        )
        typer.echo(
            f"{row.reply.state:<16} {row.intent or '-':<18} {row.confidence:5.2f} "
            f"{row.source:<10} {row.reply.text}{mark}"
        )
    typer.echo("")
    typer.echo(
        f"{'state':<16} {'replies':>7} {'phrase':>6} {'clf':>5} {'optout':>6} "
        f"{'slot':>5} {'none':>5} {'accuracy':>8} {'missed':>6}"
    )
    for c in coverage(rows):
        acc = f"{c.correct / c.labelled:.3f}" if c.labelled else "-"
        src = c.by_source
        typer.echo(
            f"{c.state:<16} {c.replies:>7} {src.get('phrase', 0):>6} "
            f"{src.get('classifier', 0):>5} {src.get('opt_out', 0):>6} {src.get('slot', 0):>5} "
            f"{src.get('none', 0):>5} {acc:>8} {len(c.missed):>6}"
        )
        for row in c.missed[:show_missed]:
            typer.echo(f"    missed ({row.reply.label}): {row.reply.text}")
