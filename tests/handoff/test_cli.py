"""``tailcall users add|passwd|disable`` on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from handoff.cli import users_app
from handoff.models import Agent, AgentSkill, User
from handoff.passwords import verify_password
from tailcall.db import Database
from tailcall.settings import Settings


@pytest.fixture
def env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    from tailcall.db import Base

    Base.metadata.create_all(db.engine)
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(Path(settings.data_dir)))
    monkeypatch.setenv("TAILCALL_DATABASE_URL", settings.resolved_database_url)
    return db


def test_add_passwd_disable(env: Database) -> None:
    run = CliRunner().invoke
    r = run(
        users_app,
        ["add", "ann", "--role", "agent", "--name", "安娜", "--skills", "wealth,points"],
        env={"TAILCALL_NEW_PASSWORD": "first password"},
    )
    assert r.exit_code == 0, r.output
    with env.read() as s:
        user = s.scalar(select(User).where(User.username == "ann"))
        assert user is not None and user.role == "agent" and user.display_name == "安娜"
        assert verify_password(user.password_hash, "first password")
        assert s.get(Agent, user.id) is not None
        assert sorted(s.scalars(select(AgentSkill.skill)).all()) == ["points", "wealth"]
    assert (
        run(users_app, ["add", "ann"], env={"TAILCALL_NEW_PASSWORD": "first password"}).exit_code
        == 1
    )
    bad = run(users_app, ["add", "bob", "--role", "boss"], env={"TAILCALL_NEW_PASSWORD": "x" * 10})
    assert bad.exit_code == 2 and "role" in bad.output
    short = run(users_app, ["add", "bob"], env={"TAILCALL_NEW_PASSWORD": "short"})
    assert short.exit_code == 2 and "password" in short.output

    assert (
        run(
            users_app, ["passwd", "ann"], env={"TAILCALL_NEW_PASSWORD": "second password"}
        ).exit_code
        == 0
    )
    assert run(users_app, ["disable", "ann"]).exit_code == 0
    with env.read() as s:
        user = s.scalar(select(User).where(User.username == "ann"))
        assert user is not None and user.disabled
        assert verify_password(user.password_hash, "second password")
    assert run(users_app, ["disable", "nobody"]).exit_code == 1
