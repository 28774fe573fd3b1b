"""Logins, sessions, roles, CSRF, and the websocket handshake check.

The session cookie carries a random token (HttpOnly, SameSite=Strict, Secure unless
turned off for local development); the table stores its SHA-256. Each session has its own
CSRF token: forms send it as ``csrf_token``, scripts as the ``X-CSRF-Token`` header, and
every unsafe method is refused without it. The login form, before any session, uses a
double-submit token bound to the secret key. Websockets check the session and the
Origin on connect and close with 1008 when refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, WebSocket
from sqlalchemy import select

from handoff.models import ROLES, User, UserSession
from handoff.passwords import verify_password
from tailcall.db import Database

if TYPE_CHECKING:
    from handoff.state import Console

CSRF_HEADER = "X-CSRF-Token"
LOGIN_CSRF_COOKIE = "tc_login_csrf"
WS_POLICY_VIOLATION = 1008
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    role: str
    csrf_token: str
    session_id: int


class NotLoggedIn(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=401, detail="not logged in")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(db: Database, username: str, password: str) -> User | None:
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
    if user is None or user.disabled:
        # spend the same time as a real check, so usernames cannot be probed by timing
        verify_password(_DUMMY_HASH, password)
        return None
    return user if verify_password(user.password_hash, password) else None


def create_session(db: Database, user_id: int, now: datetime, lifetime_s: float) -> str:
    token = secrets.token_urlsafe(32)
    with db.session() as s:
        s.add(
            UserSession(
                token_hash=_digest(token),
                user_id=user_id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                expires_at=now + timedelta(seconds=lifetime_s),
            )
        )
    return token


def revoke_session(db: Database, token: str) -> None:
    with db.session() as s:
        row = s.scalar(select(UserSession).where(UserSession.token_hash == _digest(token)))
        if row is not None:
            row.revoked = True


def lookup(db: Database, token: str | None, now: datetime) -> Principal | None:
    if not token:
        return None
    with db.read() as s:
        found = s.execute(
            select(UserSession, User)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.token_hash == _digest(token))
        ).first()
    if found is None:
        return None
    sess, user = found
    if sess.revoked or user.disabled or sess.expires_at <= now or user.role not in ROLES:
        return None
    return Principal(user.id, user.username, user.display_name, user.role, sess.csrf_token, sess.id)


def login_csrf(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"login:{nonce}".encode(), hashlib.sha256).hexdigest()


def check_login_csrf(secret: str, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token:
        return False
    return hmac.compare_digest(login_csrf(secret, nonce), token)


def _console(conn: Request | WebSocket) -> Console:
    from handoff.state import get_console

    return get_console(conn.app)


def principal_of(request: Request) -> Principal | None:
    console = _console(request)
    token = request.cookies.get(console.settings.cookie_name)
    return lookup(console.db, token, console.clock.now())


def require(*roles: str) -> Callable[[Request], Principal]:
    """A dependency: the logged-in user, with one of ``roles``, and a CSRF token on writes."""
    allowed = frozenset(roles or ROLES)

    def dependency(request: Request) -> Principal:
        who = principal_of(request)
        if who is None:
            raise NotLoggedIn()
        if who.role not in allowed:
            raise HTTPException(status_code=403, detail="role not allowed")
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent, who.csrf_token):
                raise HTTPException(status_code=403, detail="missing or bad CSRF token")
        return who

    return dependency


def origin_allowed(origin: str | None, host: str | None, extra: Iterable[str]) -> bool:
    """Same origin as the Host the browser connected to, or listed in the settings."""
    if not origin:
        return False
    if origin in set(extra):
        return True
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc == host


async def websocket_principal(websocket: WebSocket, roles: Iterable[str]) -> Principal | None:
    """Accept, then check Origin, session and role; close with 1008 and return None if refused."""
    console = _console(websocket)
    await websocket.accept()
    who = None
    if origin_allowed(
        websocket.headers.get("origin"),
        websocket.headers.get("host"),
        console.settings.allowed_origins,
    ):
        token = websocket.cookies.get(console.settings.cookie_name)
        who = lookup(console.db, token, console.clock.now())
    if who is None or who.role not in set(roles):
        await websocket.close(code=WS_POLICY_VIOLATION)
        return None
    return who


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$4agSUxb7LqsdVCM1D9m77Q$"
    "alX/T3uiR8dhZmk4q4S8ebQ+dVcarts4xwDAbNWJGcg"
)
