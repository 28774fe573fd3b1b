"""The authorisation matrix over every console endpoint and websocket, per role; login,
CSRF, sessions, disabled users."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from handoff.audit import entries
from handoff.auth import origin_allowed
from tests.handoff.conftest import PASSWORD, ConsoleApp, add_user, login

ROLES = ("anon", "agent", "supervisor", "admin")
ALL = {"agent", "supervisor", "admin"}
SUP = {"supervisor", "admin"}
AGENT = {"agent"}
PUBLIC = {"anon", *ALL}

# (method, path template) -> roles allowed; every console route must be listed here
HTTP: dict[tuple[str, str], set[str]] = {
    ("GET", "/api/console/me"): ALL,
    ("POST", "/api/console/presence"): AGENT,
    ("GET", "/api/console/offers"): AGENT,
    ("POST", "/api/console/offers/{request_id}/accept"): AGENT,
    ("POST", "/api/console/offers/{request_id}/decline"): AGENT,
    ("POST", "/api/console/calls/{call_sid}/hand-back"): AGENT,
    ("POST", "/api/console/calls/{call_sid}/end"): AGENT,
    ("GET", "/api/console/follow-ups"): ALL,
    ("POST", "/api/console/follow-ups/{task_id}/claim"): AGENT,
    ("POST", "/api/console/follow-ups/{task_id}/complete"): AGENT,
    ("POST", "/api/console/follow-ups/{task_id}/call-back"): AGENT,
    ("GET", "/api/console/board"): SUP,
    ("GET", "/console"): AGENT,
    ("GET", "/console/board"): SUP,
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("POST", "/console/logout"): ALL,
    ("GET", "/console/static/{name}"): PUBLIC,
}
WS: dict[str, set[str]] = {
    "/console/ws": ALL,
    "/console/audio": AGENT,
    "/console/listen/{call_sid}": SUP,
    "/console/whisper/{agent_id}": SUP,
    "/console/barge/{call_sid}": SUP,
}
FILL = {"request_id": "1", "call_sid": "CA1", "task_id": "1", "name": "console.js", "agent_id": "1"}
BODIES = {
    "/api/console/presence": {"status": "away"},
    "/api/console/calls/CA1/end": {"disposition": "sale"},
    "/api/console/follow-ups/1/complete": {"outcome": "done"},
    "/api/console/calls/CA1/hand-back": {},
}


def _fill(path: str) -> str:
    for k, v in FILL.items():
        path = path.replace("{" + k + "}", v)
    return path


@pytest.fixture
def clients(console_app: ConsoleApp) -> dict[str, tuple[TestClient, str]]:
    out: dict[str, tuple[TestClient, str]] = {"anon": (TestClient(console_app.app), "")}
    for role in ("agent", "supervisor", "admin"):
        add_user(console_app.db, role, role=role, status="available")
        c = TestClient(console_app.app)
        out[role] = (c, login(c, role))
    return out


def test_every_console_route_is_in_the_matrix() -> None:
    from handoff.api import router as api_router
    from handoff.console import router as console_router

    http, ws = set(), set()
    for r in [*api_router.routes, *console_router.routes]:
        path = getattr(r, "path", "")
        if isinstance(r, APIWebSocketRoute):
            ws.add(path)
        elif isinstance(r, APIRoute):
            http |= {(m, path) for m in r.methods}
    assert http == set(HTTP)
    assert ws == set(WS)


@pytest.mark.parametrize("route", sorted(HTTP), ids=lambda r: f"{r[0]} {r[1]}")
def test_http_matrix(route: tuple[str, str], clients: dict[str, tuple[TestClient, str]]) -> None:
    method, template = route
    path = _fill(template)
    for role in ROLES:
        client, csrf = clients[role]
        headers = {"X-CSRF-Token": csrf} if csrf else {}
        if path == "/console/logout":
            r = client.post(path, data={"csrf_token": csrf}, follow_redirects=False)
            if role != "anon":
                login(client, role)  # log back in for the next routes
                clients[role] = (client, client.get("/api/console/me").json()["csrf_token"])
        elif path == "/console/login" and method == "POST":
            r = client.post(path, data={"username": "x", "password": "y"}, follow_redirects=False)
        else:
            r = client.request(
                method, path, headers=headers, json=BODIES.get(path), follow_redirects=False
            )
        allowed = role in HTTP[route]
        if path == "/console/login" and method == "POST":
            assert r.status_code == 403  # no login CSRF token: refused for everyone
        elif allowed:
            assert r.status_code not in (401, 403), (role, route, r.status_code, r.text)
            if path.startswith("/console") and method == "GET":
                assert r.status_code == 200, (role, route)
        elif role == "anon":
            assert r.status_code in (401, 303), (role, route, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"] == "/console/login"
        else:
            assert r.status_code == 403, (role, route, r.status_code)


@pytest.mark.parametrize(
    "route", sorted(k for k, v in HTTP.items() if k[0] == "POST" and "anon" not in v)
)
def test_writes_without_csrf_are_refused(
    route: tuple[str, str], clients: dict[str, tuple[TestClient, str]]
) -> None:
    path = _fill(route[1])
    for role in HTTP[route]:
        client, _ = clients[role]
        if path == "/console/logout":
            r = client.post(path, data={"csrf_token": "wrong"}, follow_redirects=False)
        else:
            r = client.post(path, json=BODIES.get(path), headers={"X-CSRF-Token": "wrong"})
        assert r.status_code == 403, (role, route)


@pytest.mark.parametrize("template", sorted(WS))
def test_websocket_matrix(template: str, clients: dict[str, tuple[TestClient, str]]) -> None:
    path = _fill(template)
    for role in ROLES:
        client, _ = clients[role]
        for origin in ("http://testserver", "http://evil.example"):
            allowed = role in WS[template] and origin == "http://testserver"
            with client.websocket_connect(path, headers={"origin": origin}) as ws:
                if allowed:
                    if template == "/console/ws":
                        assert ws.receive_json()["kind"] == "hello"
                    ws.close()
                else:
                    with pytest.raises(WebSocketDisconnect) as exc:
                        ws.receive_bytes()
                    assert exc.value.code == 1008, (role, template, origin)


def test_listening_whispering_and_barging_in_are_audited(
    console_app: ConsoleApp, clients: dict[str, tuple[TestClient, str]]
) -> None:
    client, _ = clients["supervisor"]
    for path in ("/console/listen/CA7", "/console/whisper/1", "/console/barge/CA7"):
        with client.websocket_connect(path, headers={"origin": "http://testserver"}) as ws:
            ws.close()
    with console_app.db.read() as s:
        seen = {(e.event, e.subject) for e in entries(s, username="supervisor")}
    assert {("live_listened", "sid:CA7"), ("live_whispered", "agent:1"),
            ("live_barged", "sid:CA7")} <= seen  # fmt: skip


def test_websocket_without_origin_is_refused(clients: dict[str, tuple[TestClient, str]]) -> None:
    client, _ = clients["agent"]
    with client.websocket_connect("/console/ws") as ws, pytest.raises(WebSocketDisconnect) as exc:
        ws.receive_text()
    assert exc.value.code == 1008


def test_origin_rules() -> None:
    assert origin_allowed("https://console.bank", "console.bank", [])
    assert not origin_allowed("https://console.bank.evil", "console.bank", [])
    assert not origin_allowed("null", "console.bank", [])
    assert origin_allowed("https://ops.bank", "console.bank", ["https://ops.bank"])


def test_login_wrong_password_disabled_user_and_cookie_flags(console_app: ConsoleApp) -> None:
    import re

    add_user(console_app.db, "ann")
    c = TestClient(console_app.app)
    page = c.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = c.post(
        "/console/login",
        data={"username": "ann", "password": "nope-nope", "csrf_token": token},
        follow_redirects=False,
    )
    assert bad.headers["location"] == "/console/login?error=1"
    ok = c.post(
        "/console/login",
        data={"username": "ann", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = ok.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert c.get("/api/console/me").status_code == 200
    # disabling the user ends the session at once
    from handoff.models import User

    with console_app.db.session() as s:
        s.query(User).filter_by(username="ann").update({"disabled": True})
    assert c.get("/api/console/me").status_code == 401


def test_secure_cookie_in_prod_by_default(console_app: ConsoleApp) -> None:
    from handoff.settings import HandoffSettings
    from handoff.state import build_console
    from kernel.settings import Settings

    prod = Settings(env="prod", secret_key="x" * 32, data_dir=console_app.db.settings.data_dir)
    assert build_console(prod, console_app.db, settings=HandoffSettings()).cookie_secure is True
    dev = Settings(env="dev", data_dir=console_app.db.settings.data_dir)
    assert build_console(dev, console_app.db, settings=HandoffSettings()).cookie_secure is False
    forced = HandoffSettings(cookie_secure=True)
    assert build_console(dev, console_app.db, settings=forced).cookie_secure is True


def test_session_expires(console_app: ConsoleApp) -> None:
    from datetime import timedelta

    from handoff.auth import create_session, lookup

    uid = add_user(console_app.db, "ann")
    now = console_app.console.clock.now()
    token = create_session(console_app.db, uid, now, 60)
    assert lookup(console_app.db, token, now + timedelta(seconds=59)) is not None
    assert lookup(console_app.db, token, now + timedelta(seconds=60)) is None
    assert lookup(console_app.db, "forged", now) is None
