"""``tailcall users add|passwd|disable`` on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from handoff.cli import users_app
from handoff.models import Agent, AgentSkill, User
from handoff.passwords import verify_password
from kernel.db import Database
from kernel.settings import Settings


@pytest.fixture
def env(db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Database:
    from kernel.db import Base

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


def test_token_tokens_revoke_token(env: Database, settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from handoff.models import ApiToken
    from tailcall.app import create_app

    run = CliRunner().invoke
    pw = {"TAILCALL_NEW_PASSWORD": "first password"}
    assert run(users_app, ["add", "ops", "--role", "supervisor"], env=pw).exit_code == 0
    assert run(users_app, ["add", "ann"], env=pw).exit_code == 0
    r = run(users_app, ["token", "ops", "--name", "nightly-import"])
    assert r.exit_code == 0, r.output
    token = r.stdout.strip()  # the token alone on stdout
    assert token.startswith("tcat_") and "\n" not in token
    assert "shown once" in r.stderr
    with env.read() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.name == "nightly-import" and row.last_used_at is None
        assert token not in row.token_hash and len(row.token_hash) == 64  # only its SHA-256

    client = TestClient(create_app(settings, env))
    bearer = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/console/me", headers=bearer).json()
    assert me["username"] == "ops" and me["role"] == "supervisor"
    # no CSRF token needed: a bearer token is not sent by the browser on its own
    r = client.post("/api/suppressions/dnc", json=[{"phone": "13800138000"}], headers=bearer)
    assert r.status_code == 200, r.text
    with env.read() as s:
        assert s.scalars(select(ApiToken)).one().last_used_at is not None
    listed = run(users_app, ["tokens"])
    assert listed.exit_code == 0 and "ops\tsupervisor\tnightly-import" in listed.stdout
    assert token not in listed.stdout

    # the role is the user's, now: a demoted user's token loses the operator APIs
    with env.session() as s:
        s.query(User).filter_by(username="ops").update({"role": "agent"})
    assert client.get("/api/lists", headers=bearer).status_code == 403
    with env.session() as s:
        s.query(User).filter_by(username="ops").update({"role": "supervisor"})

    assert run(users_app, ["revoke-token", "999"]).exit_code == 1
    assert run(users_app, ["revoke-token"]).exit_code == 2
    assert run(users_app, ["revoke-token", "1"]).stdout.strip() == "revoked 1 token(s)"
    assert client.get("/api/lists", headers=bearer).status_code == 401
    assert "revoked" not in run(users_app, ["tokens"]).stdout
    assert "\trevoked" in run(users_app, ["tokens", "--revoked"]).stdout

    # two more, revoked by user; a disabled user's token is refused and none is issued
    t2 = run(users_app, ["token", "ops"]).stdout.strip()
    t3 = run(users_app, ["token", "ann"]).stdout.strip()
    assert run(users_app, ["revoke-token", "--user", "ops"]).stdout.strip() == "revoked 1 token(s)"
    assert client.get("/api/lists", headers={"Authorization": f"Bearer {t2}"}).status_code == 401
    ann = {"Authorization": f"Bearer {t3}"}
    assert client.get("/api/console/me", headers=ann).status_code == 200
    assert run(users_app, ["disable", "ann"]).exit_code == 0
    assert client.get("/api/console/me", headers=ann).status_code == 401
    assert run(users_app, ["token", "ann"]).exit_code == 1
    assert run(users_app, ["token", "nobody"]).exit_code == 1
    assert run(users_app, ["revoke-token", "--user", "nobody"]).exit_code == 1
