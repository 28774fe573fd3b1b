"""``tailcall users add|passwd|disable``: console accounts (agents, supervisors, admins)."""

from __future__ import annotations

import typer
from sqlalchemy import delete, select

users_app = typer.Typer(help="Console users: agents, supervisors, admins.", no_args_is_help=True)


def _db() -> object:
    from tailcall.cli import load_settings
    from tailcall.db import Database

    settings = load_settings()
    settings.ensure_dirs()
    return Database(settings)


def _password(given: str | None) -> str:
    return given or typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name"),
    role: str = typer.Option("agent", help="agent, supervisor or admin"),
    name: str = typer.Option("", help="Display name"),
    skills: str = typer.Option("", help="Comma-separated skills, e.g. wealth,points"),
    password: str | None = typer.Option(
        None, envvar="TAILCALL_NEW_PASSWORD", help="Else prompted (not echoed)"
    ),
) -> None:
    """Create a user (argon2id password hash)."""
    from handoff.models import ROLES, Agent, AgentSkill, User
    from handoff.passwords import hash_password
    from tailcall.db import Database

    if role not in ROLES:
        typer.secho(f"role: must be one of {', '.join(ROLES)}", fg="red", err=True)
        raise typer.Exit(2)
    try:
        hashed = hash_password(_password(password))
    except ValueError as exc:
        typer.secho(f"password: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    db = _db()
    assert isinstance(db, Database)
    with db.session() as s:
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            typer.secho(f"username: {username!r} exists already", fg="red", err=True)
            raise typer.Exit(1)
        user = User(username=username, display_name=name, password_hash=hashed, role=role)
        s.add(user)
        s.flush()
        if role == "agent":
            s.add(Agent(user_id=user.id))
            for skill in {k.strip() for k in skills.split(",") if k.strip()}:
                s.add(AgentSkill(user_id=user.id, skill=skill))
    typer.echo(f"added {role} {username}")


@users_app.command("passwd")
def passwd(
    username: str,
    password: str | None = typer.Option(None, envvar="TAILCALL_NEW_PASSWORD"),
) -> None:
    """Set a new password; the user's sessions end."""
    from handoff.models import User, UserSession
    from handoff.passwords import hash_password
    from tailcall.db import Database

    try:
        hashed = hash_password(_password(password))
    except ValueError as exc:
        typer.secho(f"password: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    db = _db()
    assert isinstance(db, Database)
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            typer.secho(f"username: no user {username!r}", fg="red", err=True)
            raise typer.Exit(1)
        user.password_hash = hashed
        s.execute(delete(UserSession).where(UserSession.user_id == user.id))
    typer.echo(f"password changed for {username}")


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable a user: no login, sessions end at once."""
    from handoff.models import User, UserSession
    from tailcall.db import Database

    db = _db()
    assert isinstance(db, Database)
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            typer.secho(f"username: no user {username!r}", fg="red", err=True)
            raise typer.Exit(1)
        user.disabled = True
        s.execute(delete(UserSession).where(UserSession.user_id == user.id))
    typer.echo(f"disabled {username}")
