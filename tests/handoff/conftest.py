"""Console fixtures: an app with the console mounted, users of every role, virtual time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import handoff.models  # noqa: F401
from handoff.models import Agent, AgentSkill, User
from handoff.settings import HandoffSettings
from handoff.state import Console, build_console
from kernel.clock import Clock, VirtualClock
from kernel.db import Base, Database
from kernel.settings import Settings

PASSWORD = "correct horse battery"
_HASH: list[str] = []


def password_hash() -> str:
    if not _HASH:  # a cheap argon2id hash keeps the many test logins fast
        from argon2 import PasswordHasher

        _HASH.append(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD))
    return _HASH[0]


def add_user(
    db: Database,
    username: str,
    role: str = "agent",
    skills: tuple[str, ...] = (),
    status: str = "offline",
    idle_since: datetime | None = None,
) -> int:
    with db.session() as s:
        user = User(
            username=username,
            display_name=username.title(),
            password_hash=password_hash(),
            role=role,
        )
        s.add(user)
        s.flush()
        if role == "agent":
            agent = Agent(user_id=user.id, status=status)
            if idle_since is not None:
                agent.idle_since = idle_since
            s.add(agent)
            for k in skills:
                s.add(AgentSkill(user_id=user.id, skill=k))
        return user.id


@pytest.fixture
def handoff_db(db: Database) -> Database:
    Base.metadata.create_all(db.engine)  # handoff tables, if MODEL_MODULES lacks them
    return db


def make_app(settings: Settings, db: Database, clock: Clock | None = None, **hs: object) -> FastAPI:
    from tailcall.app import create_app

    app = create_app(settings, db)
    app.state.handoff = build_console(
        settings,
        db,
        settings=HandoffSettings(cookie_secure=False, **hs),
        clock=clock,  # type: ignore[arg-type]
    )
    return app


@dataclass
class ConsoleApp:
    app: FastAPI
    console: Console
    db: Database


@pytest.fixture
def console_app(settings: Settings, handoff_db: Database) -> ConsoleApp:
    app = make_app(settings, handoff_db)
    return ConsoleApp(app, app.state.handoff, handoff_db)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the real form (login CSRF included); the session's CSRF token."""
    import re

    page = client.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert "error" not in r.headers["location"]
    return str(client.get("/api/console/me").json()["csrf_token"])


@pytest.fixture
def vclock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def client_factory(console_app: ConsoleApp) -> Iterator[type[TestClient]]:
    yield TestClient
