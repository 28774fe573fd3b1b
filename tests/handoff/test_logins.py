"""Login throttling on virtual time: per user and per address, backoff, a lockout an admin
lifts; every failure logged (never the password) and audited; tokens end with a password
change; agents see only open follow-ups and their own."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from loguru import logger
from sqlalchemy import select
from typer.testing import CliRunner

from handoff.cli import users_app
from handoff.logins import attempt_login, unlock
from handoff.models import FollowUpTask, LoginThrottle, User
from handoff.throttle import USER_POLICY, judge
from kernel.audit import AuditEntry
from kernel.clock import VirtualClock
from kernel.db import Database
from kernel.settings import Settings
from tests.conftest import api_user
from tests.handoff.conftest import PASSWORD, add_user, login, make_app

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
WRONG = "not-the-password-42"


def test_backoff_doubles_and_the_user_locks() -> None:
    assert judge(USER_POLICY, 4, T0, T0).allowed
    v = judge(USER_POLICY, 5, T0, T0)
    assert not v.allowed and v.retry_at == T0 + timedelta(seconds=2)
    assert judge(USER_POLICY, 7, T0, T0).retry_at == T0 + timedelta(seconds=8)
    assert judge(USER_POLICY, 7, T0, T0 + timedelta(seconds=8)).allowed
    assert judge(USER_POLICY, 10, T0, T0 + timedelta(days=1)).locked


def _audit(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        return [
            (e.event, e.username) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_twenty_wrong_passwords_then_the_right_one_does_not_log_in(handoff_db: Database) -> None:
    add_user(handoff_db, "ann")
    clock = VirtualClock(T0)
    lines: list[str] = []
    sink = logger.add(lines.append, level="WARNING", format="{message} {extra}")
    try:
        refused = []
        for _ in range(20):
            r = attempt_login(handoff_db, "ann", WRONG, "10.0.0.7", clock.now())
            refused.append(r.refused)
            clock.advance(1)
        last = attempt_login(handoff_db, "ann", PASSWORD, "10.0.0.7", clock.now())
    finally:
        logger.remove(sink)
    assert refused[:5] == ["failed"] * 5 and "throttled" in refused
    assert last.user is None
    log = "\n".join(lines)
    assert "login failed" in log and "ann" in log and "10.0.0.7" in log
    assert WRONG not in log and PASSWORD not in log
    events = [e for e, _ in _audit(handoff_db)]
    assert events.count("login_failed") >= 5 and "login_throttled" in events


def test_a_user_is_locked_after_ten_failures_until_an_admin_unlocks(handoff_db: Database) -> None:
    add_user(handoff_db, "ann")
    clock = VirtualClock(T0)
    for _ in range(10):  # slow enough never to be throttled: 20 minutes apart
        assert attempt_login(handoff_db, "ann", WRONG, "10.0.0.7", clock.now()).refused == "failed"
        clock.advance(1200)
    r = attempt_login(handoff_db, "ann", PASSWORD, "10.0.0.7", clock.now())
    assert r.user is None and r.refused == "locked"
    assert ("account_locked", "ann") in _audit(handoff_db)
    assert unlock(handoff_db, "ann", clock.now())
    assert attempt_login(handoff_db, "ann", PASSWORD, "10.0.0.7", clock.now()).user is not None
    assert ("account_unlocked", "ann") in _audit(handoff_db)


def test_one_address_guessing_many_users_is_slowed(handoff_db: Database) -> None:
    clock = VirtualClock(T0)
    with handoff_db.session() as s:  # 18 users guessed from this address already
        s.add(LoginThrottle(key="addr:10.9.9.9", failures=18, last_failure_at=T0))
    outcomes = [
        attempt_login(handoff_db, f"user{i}", WRONG, "10.9.9.9", clock.now()).refused
        for i in range(4)
    ]
    assert outcomes == ["failed", "failed", "throttled", "throttled"]
    clock.advance(1)  # the address's backoff (1 s after its 20th failure) has passed
    assert attempt_login(handoff_db, "user9", WRONG, "10.9.9.9", clock.now()).refused == "failed"
    add_user(handoff_db, "bob")  # another address is not slowed by it
    assert attempt_login(handoff_db, "bob", PASSWORD, "10.1.1.1", clock.now()).user is not None


def _forty_parallel_guesses(db: Database) -> None:
    add_user(db, "ann")
    clock = VirtualClock(T0)
    results: list[str | None] = []
    lock = threading.Lock()

    def guess() -> None:
        for _ in range(10):
            r = attempt_login(db, "ann", WRONG, "10.0.0.8", clock.now())
            with lock:
                results.append(r.refused)

    threads = [threading.Thread(target=guess) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 40
    assert results.count("failed") == USER_POLICY.free  # the rest never reach the password


def test_forty_parallel_guesses_are_counted_before_they_are_checked(handoff_db: Database) -> None:
    _forty_parallel_guesses(handoff_db)


@pytest.mark.pg
def test_forty_parallel_guesses_on_postgresql(pg_db: Database) -> None:
    """Row locks, not SQLite's one writer: no guess uncounted, no key inserted twice."""
    _forty_parallel_guesses(pg_db)


def test_the_login_form_says_throttled_and_locked(settings: Settings, handoff_db: Database) -> None:
    add_user(handoff_db, "ann")
    clock = VirtualClock(T0)
    client = TestClient(make_app(settings, handoff_db, clock=clock))
    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = {"username": "ann", "password": WRONG, "csrf_token": token.group(1)}
    where = []
    for _ in range(6):
        r = client.post("/console/login", data=form, follow_redirects=False)
        where.append(r.headers["location"])
    assert where[:5] == ["/console/login?error=1"] * 5
    assert where[5] == "/console/login?error=throttled"
    assert "Too many attempts" in client.get(where[5] + "&lang=en").text


def test_a_password_change_revokes_api_tokens_unless_kept(
    settings: Settings, handoff_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TAILCALL_DATABASE_URL", settings.resolved_database_url)
    client = TestClient(make_app(settings, handoff_db))
    headers = api_user(handoff_db, "supervisor", "sue")
    kept = api_user(handoff_db, "supervisor", "sam")
    run = CliRunner().invoke
    env = {"TAILCALL_NEW_PASSWORD": "a brand new password"}
    assert run(users_app, ["passwd", "sue"], env=env).exit_code == 0
    assert client.get("/api/console/me", headers=headers).status_code == 401
    r = run(users_app, ["passwd", "sam", "--keep-tokens"], env=env)
    assert r.exit_code == 0 and "tokens kept" in r.output
    assert client.get("/api/console/me", headers=kept).status_code == 200
    assert ("password_changed", "sue") in _audit(handoff_db)
    with handoff_db.session() as s:
        s.scalar(select(User).where(User.username == "sam")).locked_at = T0  # type: ignore[union-attr]
    assert run(users_app, ["unlock", "sam"]).exit_code == 0
    assert run(users_app, ["unlock", "nobody"]).exit_code == 1


def test_agents_see_open_follow_ups_and_their_own_only(
    settings: Settings, handoff_db: Database
) -> None:
    ann, bob = add_user(handoff_db, "ann"), add_user(handoff_db, "bob")
    with handoff_db.session() as s:
        for status, who in (("open", None), ("done", bob), ("done", ann), ("claimed", bob)):
            s.add(
                FollowUpTask(
                    call_sid=f"CA-{status}-{who}",
                    reason="callback",
                    grade="B",
                    callback_at=T0,
                    status=status,
                    claimed_by=who,
                )
            )
    client = TestClient(make_app(settings, handoff_db))
    login(client, "ann")
    seen = {
        st: [t["call_sid"] for t in client.get(f"/api/console/follow-ups?status={st}").json()]
        for st in ("open", "done", "claimed")
    }
    assert seen == {"open": ["CA-open-None"], "done": [f"CA-done-{ann}"], "claimed": []}
    sup = api_user(handoff_db, "supervisor")
    done = client.get("/api/console/follow-ups?status=done", headers=sup).json()
    assert len(done) == 2
