"""``tailcall users add|passwd|disable|token|tokens|revoke-token``: console accounts
(agents, supervisors, admins) and their API tokens for scripts and integrations."""

from __future__ import annotations

import typer
from sqlalchemy import delete, select, update

from handoff.auth import create_api_token
from handoff.logins import audit, unlock
from handoff.models import ROLES, Agent, AgentSkill, ApiToken, User, UserSession
from handoff.passwords import hash_password
from kernel.db import Database, utcnow
from kernel.settings import load_settings

users_app = typer.Typer(help="Console users: agents, supervisors, admins.", no_args_is_help=True)


def _db() -> object:

    settings = load_settings()
    settings.ensure_dirs()
    return Database(settings)


def _password(given: str | None) -> str:
    return given or typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name"),
    role: str = typer.Option("agent", help="agent, supervisor, admin or compliance"),
    name: str = typer.Option("", help="Display name"),
    skills: str = typer.Option("", help="Comma-separated skills, e.g. wealth,points"),
    password: str | None = typer.Option(
        None, envvar="TAILCALL_NEW_PASSWORD", help="Else prompted (not echoed)"
    ),
) -> None:
    """Create a user (argon2id password hash)."""

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
    keep_tokens: bool = typer.Option(
        False, "--keep-tokens", help="Keep the user's API tokens (default: revoked)"
    ),
) -> None:
    """Set a new password; the user's sessions end and API tokens are revoked."""

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
        revoked = 0
        if not keep_tokens:
            revoked = s.execute(  # type: ignore[attr-defined]
                update(ApiToken)
                .where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
                .values(revoked=True)
            ).rowcount
        detail = "tokens kept" if keep_tokens else f"{revoked} token(s) revoked"
        audit(s, "password_changed", utcnow(), username, detail=detail)
    typer.echo(f"password changed for {username}; {detail}")


@users_app.command("unlock")
def unlock_user(username: str) -> None:
    """Lift a lockout after too many failed logins."""

    db = _db()
    assert isinstance(db, Database)
    if not unlock(db, username, utcnow(), by="cli"):
        typer.secho(f"username: no user {username!r}", fg="red", err=True)
        raise typer.Exit(1)
    typer.echo(f"unlocked {username}")


@users_app.command("disable")
def disable(username: str) -> None:
    """Disable a user: no login, sessions end at once."""

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


@users_app.command("token")
def token(
    username: str = typer.Argument(..., help="The user the token acts as (and whose role)"),
    name: str = typer.Option("", help="What the token is for, e.g. nightly-import"),
) -> None:
    """Create an API token (``Authorization: Bearer ...``); printed once, stored hashed.

    The token alone goes to stdout, so ``T=$(tailcall users token ops)`` captures it."""

    db = _db()
    assert isinstance(db, Database)
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
    if user is None:
        typer.secho(f"username: no user {username!r}", fg="red", err=True)
        raise typer.Exit(1)
    if user.disabled:
        typer.secho(f"username: {username!r} is disabled", fg="red", err=True)
        raise typer.Exit(1)
    token_id, secret = create_api_token(db, user.id, name, utcnow())
    typer.secho(
        f"token {token_id} for {user.role} {username}: shown once, keep it secret",
        err=True,
    )
    typer.echo(secret)


@users_app.command("tokens")
def tokens(
    username: str | None = typer.Argument(None, help="Only this user's tokens"),
    revoked: bool = typer.Option(False, "--revoked", help="Include revoked tokens"),
) -> None:
    """List API tokens (never the tokens themselves)."""

    db = _db()
    assert isinstance(db, Database)
    q = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if username is not None:
        q = q.where(User.username == username)
    if not revoked:
        q = q.where(ApiToken.revoked.is_(False))
    with db.read() as s:
        rows = s.execute(q).all()
    typer.echo("id\tuser\trole\tname\tcreated\tlast_used\tstate")
    for tok, user in rows:
        used = tok.last_used_at.isoformat(timespec="seconds") if tok.last_used_at else "-"
        state = "revoked" if tok.revoked else ("user disabled" if user.disabled else "active")
        typer.echo(
            f"{tok.id}\t{user.username}\t{user.role}\t{tok.name or '-'}\t"
            f"{tok.created_at.isoformat(timespec='seconds')}\t{used}\t{state}"
        )


@users_app.command("revoke-token")
def revoke_token(
    token_ids: list[int] = typer.Argument(None, help="Token ids (see `tailcall users tokens`)"),
    user: str | None = typer.Option(None, "--user", help="Revoke all of this user's tokens"),
) -> None:
    """Revoke API tokens: refused from the next request on."""

    if not token_ids and user is None:
        typer.secho("give token ids or --user USERNAME", fg="red", err=True)
        raise typer.Exit(2)
    db = _db()
    assert isinstance(db, Database)
    with db.session() as s:
        q = select(ApiToken).where(ApiToken.revoked.is_(False))
        if user is not None:
            uid = s.scalar(select(User.id).where(User.username == user))
            if uid is None:
                typer.secho(f"username: no user {user!r}", fg="red", err=True)
                raise typer.Exit(1)
            q = q.where(ApiToken.user_id == uid)
        if token_ids:
            known = set(s.scalars(select(ApiToken.id).where(ApiToken.id.in_(token_ids))))
            missing = sorted(set(token_ids) - known)
            if missing:
                typer.secho(f"token: no token {missing}", fg="red", err=True)
                raise typer.Exit(1)
            q = q.where(ApiToken.id.in_(token_ids))
        rows = s.scalars(q).all()
        for row in rows:
            row.revoked = True
    typer.echo(f"revoked {len(rows)} token(s)")
