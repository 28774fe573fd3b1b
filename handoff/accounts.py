"""Users and API tokens for the admin page: list, change a role, disable or enable a user,
revoke a token. A role change or a disable ends the user's sessions at once (the user
logs in again with the new role); every change is audited with the admin who made it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from handoff.logins import audit
from handoff.models import ROLES, ApiToken, User, UserSession
from kernel.errors import Forbidden, InvalidInput, NotFound

OPERATOR_ROLES = ("supervisor", "admin")


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    locked: bool
    tokens: int
    created_at: datetime


@dataclass(frozen=True)
class TokenRow:
    id: int
    username: str
    role: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def users(s: Session) -> list[UserRow]:
    live = (
        select(ApiToken.user_id, func.count().label("n"))
        .where(ApiToken.revoked.is_(False))
        .group_by(ApiToken.user_id)
        .subquery()
    )
    q = select(User, func.coalesce(live.c.n, 0)).outerjoin(live, live.c.user_id == User.id)
    return [
        UserRow(
            u.id,
            u.username,
            u.display_name,
            u.role,
            u.disabled,
            u.locked_at is not None,
            int(n),
            u.created_at,
        )
        for u, n in s.execute(q.order_by(User.username))
    ]


def tokens(s: Session) -> list[TokenRow]:
    q = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    return [
        TokenRow(t.id, u.username, u.role, t.name, t.created_at, t.last_used_at, t.revoked)
        for t, u in s.execute(q)
    ]


def _user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFound("no such user", where="user")
    return user


def set_role(s: Session, user_id: int, role: str, now: datetime, by: str) -> None:
    if role not in ROLES:
        raise InvalidInput(f"unknown role {role!r}", where="role")
    user = _user(s, user_id)
    if user.username == by:
        raise InvalidInput("an admin cannot change their own role", where="role")
    old, user.role = user.role, role
    s.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit(s, "role_changed", now, user.username, detail=f"{old} -> {role} by {by}")


def set_disabled(s: Session, user_id: int, disabled: bool, now: datetime, by: str) -> None:
    user = _user(s, user_id)
    if user.username == by:
        raise InvalidInput("an admin cannot disable themselves", where="user")
    user.disabled = disabled
    if disabled:
        s.execute(delete(UserSession).where(UserSession.user_id == user.id))
    audit(s, "user_disabled" if disabled else "user_enabled", now, user.username, detail=f"by {by}")


def revoke_token(s: Session, token_id: int, now: datetime, by: str) -> None:
    tok = s.get(ApiToken, token_id)
    if tok is None:
        raise NotFound("no such token", where="token")
    tok.revoked = True
    owner = s.get(User, tok.user_id)
    audit(
        s, "token_revoked", now, owner.username if owner else "", detail=f"token {tok.id} by {by}"
    )


def check_operator(session: Session, username: str) -> None:
    """The CLI's ``--by`` for campaigns: an enabled console user with a role that may run
    them (supervisor or admin, as the campaigns API)."""
    u = session.scalar(select(User).where(User.username == username))
    if u is None or u.disabled:
        raise NotFound(f"no enabled console user {username!r}", where="--by")
    if u.role not in OPERATOR_ROLES:
        raise Forbidden(
            f"{username} is {u.role}; campaigns need a supervisor or admin", where="--by"
        )
