"""CLI for call lists and suppression lists."""

from __future__ import annotations

import typer

lists_app = typer.Typer(help="Call lists: import and inspect.", no_args_is_help=True)
suppress_app = typer.Typer(help="Do-not-call, opt-out, blacklist and staff lists.", no_args_is_help=True)
