"""Script maker-checker for console users (``/api/scripts/versions``) and the CLI.

The author is the logged-in user (or the API token's user) who submits; a different user
with the compliance or admin role approves or rejects (``scripts.review``). The CLI acts
as a named console user, whose role is read from the users table, so the four-eyes rule
holds the same way from a terminal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import typer
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.auth import Principal, require
from handoff.models import User
from handoff.state import get_console
from kernel.bounds import RowId
from kernel.db import Database, utcnow
from kernel.errors import NotFound, TailcallError
from kernel.settings import load_settings
from scripts.loader import find_script
from scripts.versions import ScriptVersion, decide, list_versions, submit

router = APIRouter(prefix="/api/scripts", tags=["scripts"])

READERS = require("supervisor", "admin", "compliance")
AUTHORS = require("supervisor", "admin", "compliance")
REVIEWERS = require("admin", "compliance")


class SubmitIn(BaseModel):
    script_id: str = Field(min_length=1, max_length=100, pattern=r"^[a-z][a-z0-9_]*$")
    language: str = Field(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")
    note: str = Field(default="", max_length=500)


class DecideIn(BaseModel):
    note: str = Field(default="", max_length=500)


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


@router.get("/versions")
def versions(
    request: Request, script_id: str | None = None, _who: Principal = Depends(READERS)
) -> list[dict[str, Any]]:
    with get_console(request.app).db.read() as s:
        return [version_view(v) for v in list_versions(s, script_id)]


@router.post("/versions", status_code=201)
def submit_version(
    body: SubmitIn, request: Request, who: Principal = Depends(AUTHORS)
) -> dict[str, Any]:
    console = get_console(request.app)
    with console.db.session() as s:
        row = submit_shipped(
            s, body.script_id, body.language, who.username, body.note, console.clock.now()
        )
        return version_view(row)


def _decide(
    request: Request,
    version_id: int,
    decision: Literal["approve", "reject"],
    who: Principal,
    note: str,
) -> dict[str, Any]:
    console = get_console(request.app)
    with console.db.session() as s:
        row = decide(s, version_id, decision, who.username, who.role, console.clock.now(), note)
        return version_view(row)


@router.post("/versions/{version_id}/approve")
def approve(
    version_id: RowId, body: DecideIn, request: Request, who: Principal = Depends(REVIEWERS)
) -> dict[str, Any]:
    return _decide(request, version_id, "approve", who, body.note)


@router.post("/versions/{version_id}/reject")
def reject(
    version_id: RowId, body: DecideIn, request: Request, who: Principal = Depends(REVIEWERS)
) -> dict[str, Any]:
    return _decide(request, version_id, "reject", who, body.note)


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
