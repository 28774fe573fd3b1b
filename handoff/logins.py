"""A console login: throttled per user and per address, every failure logged and audited.

``attempt_login`` counts the try before the password is checked (``handoff.throttle``), so
parallel guesses are all counted; a right password then clears the user's count. Failed,
throttled and locked-out logins go to the server log (username and address, never the
password) and to the audit log (``handoff.audit``); a user locked by too many failures stays
locked until an admin unlocks it (``unlock``, ``tailcall users unlock``).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from loguru import logger
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.auth import authenticate
from handoff.models import LoginThrottle, User
from handoff.throttle import ADDRESS_POLICY, USER_POLICY, judge
from kernel.audit import append
from kernel.db import Database


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    refused: str | None = None  # "failed", "throttled" or "locked" when user is None
    retry_at: datetime | None = None


def audit(
    s: Session, event: str, now: datetime, username: str = "", address: str = "", detail: str = ""
) -> None:
    append(s, event, now, username=username, address=address, detail=detail)


def _keys(username: str, address: str) -> tuple[str, str]:
    return f"user:{username}"[:200], f"addr:{address}"[:200]


def _row(s: Session, key: str) -> LoginThrottle:
    """The key's row, locked until the session ends (on PostgreSQL: parallel logins for
    one key queue here, so each is counted and none inserts the row a second time)."""
    row = s.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        with contextlib.suppress(IntegrityError), s.begin_nested():
            s.add(LoginThrottle(key=key, failures=0))
        row = s.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
    assert row is not None
    return row


def attempt_login(
    db: Database, username: str, password: str, address: str, now: datetime
) -> LoginResult:
    """The user if the password is right and neither key is throttled nor the user locked."""
    ukey, akey = _keys(username, address)
    with db.session() as s:
        locked = s.scalar(select(User.locked_at).where(User.username == username))
        if locked is not None:
            _refused(s, "login_locked", username, address, now)
            return LoginResult(None, "locked")
        u, a = _row(s, ukey), _row(s, akey)
        for policy, row in ((USER_POLICY, u), (ADDRESS_POLICY, a)):
            verdict = judge(policy, row.failures, row.last_failure_at, now)
            if not verdict.allowed:
                _refused(s, "login_throttled", username, address, now)
                return LoginResult(None, "throttled", verdict.retry_at)
        for row in (u, a):  # counted now; a right password takes it back
            row.failures += 1
            row.last_failure_at = now
    user = authenticate(db, username, password)
    with db.session() as s:
        if user is not None:
            s.execute(delete(LoginThrottle).where(LoginThrottle.key == ukey))
            a = _row(s, akey)
            a.failures = max(0, a.failures - 1)
            return LoginResult(user)
        failures = _row(s, ukey).failures  # the row's lock before the audit log's
        logger.warning("login failed", username=username, address=address)
        audit(s, "login_failed", now, username, address)
        lock_after = USER_POLICY.lock_after
        if lock_after is not None and failures >= lock_after:
            row = s.scalar(select(User).where(User.username == username))
            if row is not None and row.locked_at is None:
                row.locked_at = now
                logger.warning("account locked after failed logins", username=username)
                audit(s, "account_locked", now, username, address, f"{failures} failures")
    return LoginResult(None, "failed")


def _refused(s: Session, event: str, username: str, address: str, now: datetime) -> None:
    logger.warning("login refused", reason=event, username=username, address=address)
    audit(s, event, now, username, address)


def unlock(db: Database, username: str, now: datetime, by: str = "admin") -> bool:
    """Lift a lockout and clear the user's failures; False if there is no such user."""
    ukey, _ = _keys(username, "")
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            return False
        user.locked_at = None
        s.execute(delete(LoginThrottle).where(LoginThrottle.key == ukey))
        audit(s, "account_unlocked", now, username, detail=f"by {by}")
    return True
