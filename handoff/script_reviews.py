"""Script maker-checker for console users: the versions' view, and the CLI
(``tailcall scripts submit|approve|reject|versions``); the API is
``handoff.script_reviews_api``.

The author is the logged-in user (or the API token's user) who submits; a different user
with the compliance or admin role approves or rejects (``scripts.review``). The CLI acts
as a named console user, whose role is read from the users table, so the four-eyes rule
holds the same way from a terminal. The CLI root imports this module: it loads no console
(``handoff.state`` and the live-call stack behind it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.models import User
from kernel.db import Database, utcnow
from kernel.errors import NotFound, TailcallError
from kernel.settings import load_settings
from scripts.loader import find_script
from scripts.versions import ScriptVersion, decide, list_versions, submit


def version_view(v: ScriptVersion) -> dict[str, Any]:
    return {
        "id": v.id,
        "script_id": v.script_id,
        "language": v.language,
        "version": v.version,
        "digest": v.digest,
        "product_type": v.product_type,
        "lint_errors": v.lint_errors,
        "status": v.status,
        "submitted_by": v.submitted_by,
        "submitted_at": v.submitted_at.isoformat(),
        "note": v.note,
        "decided_by": v.decided_by,
        "decided_at": v.decided_at.isoformat() if v.decided_at else None,
        "decision_note": v.decision_note,
    }


def submit_shipped(
    session: Session, script_id: str, language: str, author: str, note: str, now: datetime
) -> ScriptVersion:
    """Submit the file calls would speak for ``script_id`` in ``language``."""
    return submit(session, find_script(script_id, language).read_bytes(), author, now, note)


def user_role(session: Session, username: str) -> str:
    """The role of an enabled console user (the CLI acts as one)."""
    u = session.scalar(select(User).where(User.username == username))
    if u is None or u.disabled:
        raise NotFound(f"no enabled console user {username!r}", where="--by")
    return u.role


# ---------------------------------------------------------------- CLI (tailcall scripts ...)


def _cli_db() -> Database:
    settings = load_settings()
    settings.ensure_dirs()
    return Database(settings)


def _fail(exc: TailcallError) -> typer.Exit:
    typer.secho(f"{exc.where or 'error'}: {exc.message}", fg="red", err=True)
    return typer.Exit(1)


def submit_command(
    script_id: str = typer.Argument(..., help="Script id, e.g. wealth_followup"),
    language: str = typer.Option("zh-CN", "--language", "-l"),
    by: str = typer.Option(..., "--by", help="The author: a console user name"),
    note: str = typer.Option("", help="What changed, for the reviewer"),
) -> None:
    """Submit the script file calls would speak for review (maker)."""
    db = _cli_db()
    try:
        with db.session() as s:
            user_role(s, by)
            row = submit_shipped(s, script_id, language, by, note, utcnow())
            view = version_view(row)
    except TailcallError as exc:
        raise _fail(exc) from exc
    lint = (
        f", {view['lint_errors']} lint error(s): it cannot be approved"
        if view["lint_errors"]
        else ""
    )
    typer.echo(
        f"version {view['id']}: {script_id} ({language}) v{view['version']} "
        f"sha256 {view['digest'][:12]}… {view['status']} by {by}{lint}"
    )


def _decide_command(
    version_id: int, decision: Literal["approve", "reject"], by: str, note: str
) -> None:
    db = _cli_db()
    try:
        with db.session() as s:
            row = decide(s, version_id, decision, by, user_role(s, by), utcnow(), note)
            view = version_view(row)
    except TailcallError as exc:
        raise _fail(exc) from exc
    typer.echo(
        f"version {view['id']}: {view['script_id']} ({view['language']}) v{view['version']} "
        f"{view['status']} by {by}"
    )


def approve_command(
    version_id: int = typer.Argument(..., help="From `tailcall scripts versions`"),
    by: str = typer.Option(..., "--by", help="The reviewer: a compliance or admin user"),
    note: str = typer.Option("", help="Why"),
) -> None:
    """Approve a submitted version (checker: not its author)."""
    _decide_command(version_id, "approve", by, note)


def reject_command(
    version_id: int = typer.Argument(..., help="From `tailcall scripts versions`"),
    by: str = typer.Option(..., "--by", help="The reviewer: a compliance or admin user"),
    note: str = typer.Option(..., help="Why (the author reads it)"),
) -> None:
    """Reject a submitted version (checker: not its author)."""
    _decide_command(version_id, "reject", by, note)


def versions_command(script_id: str | None = typer.Argument(None)) -> None:
    """Script versions under review, newest first."""
    db = _cli_db()
    with db.read() as s:
        rows = [version_view(v) for v in list_versions(s, script_id)]
    if not rows:
        typer.echo("no script versions submitted")
    for v in rows:
        decided = f", {v['status']} by {v['decided_by']}" if v["decided_by"] else ""
        typer.echo(
            f"{v['id']:>4}  {v['script_id']} ({v['language']}) v{v['version']}  "
            f"{v['digest'][:12]}  {v['status']:<9} submitted by {v['submitted_by']}{decided}"
        )
