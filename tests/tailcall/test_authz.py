"""The authorisation matrix over every route of the app: who may call what.

Every HTTP route and websocket of ``create_app`` must be listed here, so a new endpoint
without a decision fails. Callers: anonymous, an API token of each role, a supervisor's
browser session with and without its CSRF token, a revoked token, a disabled user's token,
a forged token and a non-bearer Authorization header.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.routing import WebSocketRoute

from crm_sync.settings import CrmSettings
from crm_sync.signing import new_secret
from handoff.models import ApiToken, User
from kernel.db import Database
from kernel.settings import Settings
from tailcall.app import create_app
from tests.conftest import api_user
from tests.handoff.conftest import login
from tests.handoff.test_auth import BODIES as CONSOLE_BODIES
from tests.handoff.test_auth import HTTP as CONSOLE_HTTP
from tests.handoff.test_auth import WS as CONSOLE_WS

OPS = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})
OPEN = "open"  # no login: public, or the route verifies its caller by its own mechanism
PAGE = "page"  # a console page: the browser session only; else a redirect to the login

Rule = frozenset[str] | str

# (method, path template) -> the roles allowed, OPEN or PAGE
POLICY: dict[tuple[str, str], Rule] = {
    ("GET", "/"): OPEN,  # a redirect to /console
    ("GET", "/healthz"): OPEN,
    ("GET", "/openapi.json"): OPEN,
    ("GET", "/docs"): OPEN,
    ("GET", "/docs/oauth2-redirect"): OPEN,
    ("GET", "/redoc"): OPEN,
    ("GET", "/docs/assets/{name}"): OPEN,
    # call lists and suppressions (dialer.lists.api)
    ("POST", "/api/lists"): OPS,
    ("GET", "/api/lists"): OPS,
    ("GET", "/api/lists/{list_id}"): OPS,
    ("POST", "/api/suppressions/{kind}"): OPS,
    ("POST", "/api/suppressions/{kind}/import"): OPS,
    ("GET", "/api/suppressions"): OPS,
    # campaigns (dialer.campaigns.api)
    ("POST", "/api/campaigns"): OPS,
    ("GET", "/api/campaigns"): OPS,
    ("GET", "/api/campaigns/{campaign_id}"): OPS,
    ("PUT", "/api/campaigns/{campaign_id}"): OPS,
    ("POST", "/api/campaigns/{campaign_id}/start"): OPS,
    ("POST", "/api/campaigns/{campaign_id}/pause"): OPS,
    ("POST", "/api/campaigns/{campaign_id}/resume"): OPS,
    ("POST", "/api/campaigns/{campaign_id}/cancel"): OPS,
    ("POST", "/api/campaigns/{campaign_id}/variants/{name}/stop"): OPS,
    ("GET", "/api/campaigns/{campaign_id}/status"): OPS,
    ("GET", "/api/campaigns/{campaign_id}/skips"): OPS,
    ("GET", "/api/campaigns/{campaign_id}/attempts"): OPS,
    ("POST", "/api/campaigns/attempts/{attempt_id}/resolve"): OPS,
    ("POST", "/carrier/status"): OPEN,  # Twilio signature (prod)
    # CRM sync (crm_sync.api)
    ("GET", "/api/crm/status"): ADMIN,
    ("GET", "/api/crm/endpoints"): ADMIN,
    ("POST", "/api/crm/endpoints"): ADMIN,
    ("POST", "/api/crm/endpoints/{ref}/disable"): ADMIN,
    ("POST", "/api/crm/endpoints/{ref}/enable"): ADMIN,
    ("GET", "/api/crm/dead-letters"): ADMIN,
    ("POST", "/api/crm/dead-letters/replay"): ADMIN,
    ("POST", "/api/crm/dead-letters/{dead_letter_id}/replay"): ADMIN,
    ("POST", "/api/crm/inbound"): OPEN,  # Standard Webhooks signature
    # script maker-checker (handoff.script_reviews); compliance, not among these identities,
    # may read, submit and review
    ("GET", "/api/scripts/versions"): OPS,
    ("POST", "/api/scripts/versions"): OPS,
    ("POST", "/api/scripts/versions/{version_id}/approve"): ADMIN,
    ("POST", "/api/scripts/versions/{version_id}/reject"): ADMIN,
    # the compliance record (supervision.compliance_api); compliance, not among these
    # identities, may read it too
    ("GET", "/api/compliance/export"): OPS,
    ("GET", "/api/compliance/verify"): OPS,
    # the supervisor's workspace (supervision.api)
    ("GET", "/api/supervision/calls"): OPS,
    ("GET", "/api/supervision/calls/{attempt_id}"): OPS,
    ("GET", "/api/supervision/calls/{attempt_id}/recording"): OPS,
    ("POST", "/api/supervision/calls/{attempt_id}/review"): OPS,
    ("POST", "/api/supervision/calls/{attempt_id}/reveal"): ADMIN,
    ("GET", "/api/supervision/queue"): OPS,
    ("GET", "/api/supervision/reports/daily/{day}"): OPS,
    ("GET", "/api/supervision/reports/latest/anomalies"): OPS,
    ("GET", "/api/supervision/audit"): ADMIN,
    ("GET", "/api/supervision/audit/verify"): ADMIN,
    # the console (handoff.api, handoff.console): roles as in its own matrix
    **{k: frozenset(v) for k, v in CONSOLE_HTTP.items() if k[1].startswith("/api/console")},
    ("GET", "/console"): PAGE,
    ("GET", "/console/board"): PAGE,
    ("POST", "/console/logout"): PAGE,
    ("GET", "/console/login"): OPEN,
    ("POST", "/console/login"): OPEN,  # login CSRF, then the password
    ("GET", "/console/static/{name}"): OPEN,
    # the workspace (handoff.web): pages check the session, a role per page
    ("GET", "/console/home"): PAGE,
    ("GET", "/console/assets/{name:path}"): OPEN,
    ("GET", "/console/campaigns"): PAGE,
    ("GET", "/console/campaigns/{campaign_id}"): PAGE,
    ("GET", "/console/campaigns/{campaign_id}/live"): PAGE,
    ("GET", "/console/campaigns/{campaign_id}/charts"): PAGE,
    ("GET", "/console/campaigns/{campaign_id}/race"): PAGE,
    ("GET", "/console/campaigns/{campaign_id}/spec.yaml"): PAGE,
    ("POST", "/console/campaigns/{campaign_id}/{action}"): PAGE,
    ("POST", "/console/campaigns/{campaign_id}/variants/{name}/stop"): PAGE,
    ("GET", "/console/campaigns/new"): PAGE,
    ("POST", "/console/campaigns/new"): PAGE,
    ("POST", "/console/campaigns/new/validate"): PAGE,
    ("POST", "/console/campaigns/new/import"): PAGE,
    ("POST", "/api/workspace/audience/preview"): OPS,
    ("POST", "/console/campaigns/new/dry-run"): PAGE,
    ("POST", "/console/campaigns/{campaign_id}/dry-run"): PAGE,
    ("GET", "/console/campaigns/dry-runs/{run_id}"): PAGE,
    ("POST", "/api/workspace/dry-runs"): OPS,
    ("GET", "/api/workspace/dry-runs"): OPS,
    ("GET", "/api/workspace/dry-runs/{run_id}"): OPS,
    ("GET", "/console/admin/users"): PAGE,
    ("POST", "/console/admin/users/{user_id}/{action}"): PAGE,
    ("POST", "/console/admin/tokens/{token_id}/revoke"): PAGE,
    ("GET", "/console/admin/crm"): PAGE,
    ("POST", "/console/admin/crm/endpoints/{endpoint_id}/{action}"): PAGE,
    ("POST", "/console/admin/crm/dead-letters/replay"): PAGE,
    ("GET", "/console/lists"): PAGE,
    ("POST", "/console/lists"): PAGE,
    ("GET", "/console/lists/{list_id}"): PAGE,
    ("GET", "/console/lists/{list_id}/report"): PAGE,
    ("GET", "/console/lists/{list_id}/report.csv"): PAGE,
    ("GET", "/console/calls"): PAGE,
    ("GET", "/console/calls/{attempt_id}"): PAGE,
    ("POST", "/console/calls/{attempt_id}/review"): PAGE,
    ("POST", "/console/calls/{attempt_id}/reveal"): PAGE,
    ("GET", "/console/reviews"): PAGE,
    ("GET", "/console/reports"): PAGE,
    ("GET", "/console/reports/{day}.{fmt}"): PAGE,
    ("GET", "/console/reports/latest"): PAGE,
    ("GET", "/console/audit"): PAGE,
    ("GET", "/console/supervision/assets/{name}"): OPEN,
    ("GET", "/console/suppressions"): PAGE,
    ("POST", "/console/suppressions/add"): PAGE,
    ("POST", "/console/suppressions/remove"): PAGE,
    ("POST", "/console/suppressions/import"): PAGE,
    ("GET", "/api/workspace/campaigns/{campaign_id}/live"): OPS,
    ("GET", "/api/workspace/campaigns/{campaign_id}/race"): OPS,
    ("GET", "/api/workspace/campaigns/{campaign_id}/charts"): OPS,
}
# websockets: the console's check the session and Origin (tests/handoff/test_auth.py);
# the carrier's media stream checks its optional stream token (tests/dialogue/test_media.py)
WEBSOCKETS = {*CONSOLE_WS, "/media/{call_sid}"}

FILL = {
    "list_id": "1",
    "kind": "dnc",
    "campaign_id": "1",
    "run_id": "1",
    "attempt_id": "1",
    "ref": "crm",
    "dead_letter_id": "1",
    "request_id": "1",
    "call_sid": "CA1",
    "task_id": "1",
    "name": "console.js",  # /docs/assets/console.js: 404 for everyone alike
    "agent_id": "1",
    "day": "2026-12-03",
    "fmt": "csv",
    "action": "pause",
    "user_id": "1",
    "token_id": "1",
    "endpoint_id": "1",
}
SESSION_PAGES = {
    "/console": 403,
    "/console/board": 200,
    "/console/home": 200,
    "/console/calls": 200,
    "/console/reviews": 200,
    "/console/reports": 200,
    "/console/reports/2026-12-03.csv": 200,
    "/console/audit": 403,
}  # for a supervisor's session


@dataclass
class Caller:
    client: TestClient
    role: str | None  # the role it is authenticated as; None: not logged in
    session: bool = False  # a browser session (cookie), else headers
    csrf: str = ""  # the session's CSRF token, sent on writes


def _fill(template: str) -> str:
    for k, v in FILL.items():
        template = template.replace("{" + k + "}", v)
    return template


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    app = create_app(settings, db, media=True)
    app.state.crm_settings = CrmSettings(_env_file=None, inbound_secret=new_secret())
    return app


@pytest.fixture
def callers(app: FastAPI, db: Database) -> dict[str, Caller]:
    def bearer(headers: dict[str, str], role: str | None) -> Caller:
        return Caller(TestClient(app, headers=headers), role)

    out = {
        "anonymous": bearer({}, None),
        "forged token": bearer({"Authorization": "Bearer tcat_forged"}, None),
        "basic auth": bearer({"Authorization": "Basic YWRtaW46YWRtaW4="}, None),
    }
    for role in ("agent", "supervisor", "admin"):
        out[f"{role} token"] = bearer(api_user(db, role), role)
    out["revoked token"] = bearer(api_user(db, "supervisor", "rex"), None)
    out["disabled user's token"] = bearer(api_user(db, "admin", "dora"), None)
    with db.session() as s:
        rex = s.query(User).filter_by(username="rex").one()
        s.execute(update(ApiToken).where(ApiToken.user_id == rex.id).values(revoked=True))
        s.query(User).filter_by(username="dora").update({"disabled": True})
    api_user(db, "supervisor", "sue")
    session = TestClient(app)
    out["supervisor session"] = Caller(session, "supervisor", True, login(session, "sue"))
    out["supervisor session, no CSRF"] = Caller(session, "supervisor", True)
    return out


def _routes(app: FastAPI) -> tuple[set[tuple[str, str]], set[str]]:
    http: set[tuple[str, str]] = set()
    ws: set[str] = set()
    for ctx in iter_route_contexts(app.routes):
        path = str(ctx.path)
        if isinstance(ctx.original_route, WebSocketRoute) or ctx.methods is None:
            ws.add(path)
        else:
            http |= {(m, path) for m in ctx.methods if m != "HEAD"}
    return http, ws


def test_every_route_of_the_app_has_a_policy(app: FastAPI) -> None:
    http, ws = _routes(app)
    assert http - set(POLICY) == set(), "routes without a decision: add them to POLICY"
    assert set(POLICY) - http == set(), "POLICY lists routes the app does not have"
    assert ws == WEBSOCKETS


def _request(caller: Caller, method: str, path: str) -> Any:
    headers = {"X-CSRF-Token": caller.csrf} if caller.csrf and method != "GET" else {}
    if path == "/console/logout":
        return caller.client.post(path, data={"csrf_token": ""}, follow_redirects=False)
    return caller.client.request(
        method, path, headers=headers, json=CONSOLE_BODIES.get(path), follow_redirects=False
    )


def _judge(rule: Rule, caller: Caller, method: str, path: str, status: int, body: Any) -> str:
    """What is wrong with this answer, or ''."""
    if rule == PAGE:
        if caller.session:
            want = SESSION_PAGES.get(path)
            return "" if want is None or status == want else f"want {want}"
        return "" if status == 303 else "want 303 to the login page"
    assert isinstance(rule, frozenset)
    if caller.role is None:
        ok = status == 401 and body.get("error") == "unauthorized"
        return "" if ok else "want 401 unauthorized"
    if caller.role not in rule:
        return "" if status == 403 and body.get("error") == "forbidden" else "want 403 forbidden"
    if caller.session and not caller.csrf and method not in ("GET", "HEAD"):
        return "" if status == 403 and body.get("where") == "X-CSRF-Token" else "want 403 CSRF"
    return "" if status not in (401, 403) and status < 500 else "want it allowed"


def test_authorisation_matrix(app: FastAPI, callers: dict[str, Caller]) -> None:
    wrong: list[str] = []
    for (method, template), rule in sorted(POLICY.items()):
        path = _fill(template)
        seen: dict[str, int] = {}
        for name, caller in callers.items():
            r = _request(caller, method, path)
            seen[name] = r.status_code
            if rule == OPEN:
                continue
            try:
                body = r.json() if r.headers.get("content-type", "").startswith("app") else {}
            except ValueError:
                body = {}
            why = _judge(rule, caller, method, path, r.status_code, body)
            if why:
                wrong.append(f"{method} {template} as {name}: {r.status_code} ({why})")
        if rule == OPEN and len(set(seen.values())) != 1:
            wrong.append(f"{method} {template}: open, yet answers differ by caller: {seen}")
    assert wrong == []


def test_refusals_are_json(app: FastAPI, callers: dict[str, Caller]) -> None:
    r = callers["anonymous"].client.get("/api/lists")
    assert r.status_code == 401
    assert r.json() == {
        "error": "unauthorized",
        "message": "not logged in",
        "where": "authorization",
    }
    assert r.headers["www-authenticate"] == 'Bearer realm="tailcall"'
    r = callers["agent token"].client.get("/api/campaigns")
    assert r.status_code == 403 and r.json()["where"] == "role"
