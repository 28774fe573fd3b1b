"""``tailcall scripts chat``: talk to a script through the real engine, one line per turn.

The command belongs beside the engine it runs; the CLI root mounts it under ``scripts``.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from dialogue.chat import HELP, run_chat
from scripts.cli import load_or_exit, now_or_exit


def chat_command(
    path: Path = typer.Argument(..., help="Script file"),
    customer: str = typer.Option("{}", help="Customer record as JSON, or @file.json"),
    variant: str | None = typer.Option(None, help="Prompt variant (e.g. B)"),
    now: str | None = typer.Option(None, help="Pretend it is this ISO time (with zone)"),
    timezone: str | None = typer.Option(None, help="Customer time zone (default: script's)"),
) -> None:
    """Talk to a script as the customer, one line per turn (the real state machine)."""
    script = load_or_exit(path)
    raw = Path(customer[1:]).read_text(encoding="utf-8") if customer.startswith("@") else customer
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        typer.secho(f"--customer: not JSON ({exc.msg} at column {exc.colno})", fg="red", err=True)
        raise typer.Exit(2) from exc
    if not isinstance(record, dict):
        typer.secho("--customer: must be a JSON object", fg="red", err=True)
        raise typer.Exit(2)
    if variant and variant not in script.variant_names():
        typer.secho(
            f"note: no state has variant {variant!r}; the default prompts are used",
            fg="yellow",
            err=True,
        )
    when = now_or_exit(now) or datetime.now().astimezone()
    if sys.stdin.isatty():
        typer.echo(HELP.strip().splitlines()[0] + " Type /help for commands.")

    def lines() -> Any:
        while True:
            if sys.stdin.isatty():
                sys.stdout.write("> ")
                sys.stdout.flush()
            line = sys.stdin.readline()
            if not line:
                return
            yield line

    disposition = run_chat(
        script, record, lines(), typer.echo, now=when, timezone=timezone, variant=variant
    )
    typer.echo(f"disposition: {disposition or '(call not finished)'}")
