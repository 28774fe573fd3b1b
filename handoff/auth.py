"""Logins, sessions, API tokens, roles, CSRF, and the websocket handshake check.

The session cookie carries a random token (HttpOnly, SameSite=Strict, Secure unless
turned off for local development); the table stores its SHA-256. Each session has its own
CSRF token: forms send it as ``csrf_token``, scripts as the ``X-CSRF-Token`` header, and
every unsafe method is refused without it. The login form, before any session, uses a
double-submit token bound to the secret key. Websockets check the session and the
Origin on connect and close with 1008 when refused.

Scripts and integrations send ``Authorization: Bearer <API token>`` instead (``tailcall
users token``): the request acts as the token's user, with that user's role. A bearer
token is never sent by the browser on its own, so such requests need no CSRF token; a
request with an ``Authorization`` header is judged by that header alone, never by a cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from fastapi import Request, WebSocket
from sqlalchemy import select, update

from handoff.models import ROLES, ApiToken, User, UserSession
from handoff.passwords import verify_password
from kernel.actors import Actor
from kernel.db import Database
from kernel.errors import Forbidden, TailcallError

if TYPE_CHECKING:
    from handoff.state import Console

CSRF_HEADER = "X-CSRF-Token"
LOGIN_CSRF_COOKIE = "tc_login_csrf"
WS_POLICY_VIOLATION = 1008
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_TOKEN_PREFIX = "tcat_"
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


@dataclass(frozen=True)
class Principal:
    """Who is calling: from a session cookie (``session_id``) or an API token (``token_id``)."""

    user_id: int
    username: str
    display_name: str
    role: str
    csrf_token: str
    session_id: int | None
    token_id: int | None = None
    token_name: str = ""

    @property
    def via_token(self) -> bool:
        return self.token_id is not None

    def api_actor(self) -> Actor:
        """Who acts through the REST API: the user, and the token's name when by token."""
        return Actor.api(
            self.username, (self.token_name or f"#{self.token_id}") if self.via_token else None
        )


class NotLoggedIn(TailcallError):
    status_code = 401
    code = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="tailcall"'}

    def __init__(self, message: str = "not logged in", *, where: str = "authorization") -> None:
        super().__init__(message, where=where)


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


def create_api_token(db: Database, user_id: int, name: str, now: datetime) -> tuple[int, str]:
    """A new API token for the user: its id and the token, which is stored only hashed."""
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as s:
        row = ApiToken(user_id=user_id, name=name, token_hash=_digest(token), created_at=now)
        s.add(row)
        s.flush()
        return row.id, token


def lookup_api_token(db: Database, token: str | None, now: datetime) -> Principal | None:
    """The token's user, unless the token is unknown or revoked or the user disabled."""
    if not token:
        return None
    with db.read() as s:
        found = s.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == _digest(token))
        ).first()
    if found is None:
        return None
    tok, user = found
    if tok.revoked or user.disabled or user.role not in ROLES:
        return None
    if tok.last_used_at is None or now - tok.last_used_at >= LAST_USED_EVERY:
        with db.session() as s:
            s.execute(update(ApiToken).where(ApiToken.id == tok.id).values(last_used_at=now))
    return Principal(
        user.id,
        user.username,
        user.display_name,
        user.role,
        "",
        None,
        token_id=tok.id,
        token_name=tok.name,
    )


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def login_csrf(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"login:{nonce}".encode(), hashlib.sha256).hexdigest()


def check_login_csrf(secret: str, nonce: str | None, token: str | None) -> bool:
    if not nonce or not token:
        return False
    return same_secret(login_csrf(secret, nonce), token)


def same_secret(sent: str, want: str) -> bool:
    """Constant-time equality of a sent token and the expected one; any text may be sent
    (``hmac.compare_digest`` refuses non-ASCII str, so both are compared as bytes)."""
    return hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), want.encode("utf-8", "surrogatepass")
    )


def _console(conn: Request | WebSocket) -> Console:
    """The app's console (``app.state.handoff``; ``handoff.state`` is imported for its type
    only: it loads the speech stack, and the users CLI imports this module)."""

    console: Console = conn.app.state.handoff
    return console


def principal_of(request: Request) -> Principal | None:
    """The browser session's user (the cookie); the console's pages use this."""
    console = _console(request)
    token = request.cookies.get(console.settings.cookie_name)
    return lookup(console.db, token, console.clock.now())


def caller_of(request: Request) -> Principal | None:
    """The API caller: the bearer token's user if there is an Authorization header (an
    invalid one is not logged in, whatever the cookie), else the session's user."""
    authorization = request.headers.get("authorization")
    if authorization is None:
        return principal_of(request)
    console = _console(request)
    return lookup_api_token(console.db, bearer_token(authorization), console.clock.now())


def require(*roles: str) -> Callable[[Request], Principal]:
    """A dependency: a session or API-token user with one of ``roles`` (default: any);
    session requests also need their CSRF token on writes. 401 if not logged in, 403 if
    the role is not allowed."""
    allowed = frozenset(roles or ROLES)
    unknown = allowed - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")

    def dependency(request: Request) -> Principal:
        who = caller_of(request)
        if who is None:
            raise NotLoggedIn()
        if who.role not in allowed:
            raise Forbidden(f"role {who.role!r} not allowed", where="role")
        if request.method not in SAFE_METHODS and not who.via_token:
            sent = request.headers.get(CSRF_HEADER, "")
            if not same_secret(sent, who.csrf_token):
                raise Forbidden("missing or bad CSRF token", where=CSRF_HEADER)
        request.state.actor = who.api_actor()  # what the routes record as who acted
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
