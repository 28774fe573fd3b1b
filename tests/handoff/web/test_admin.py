"""Admin pages: users, roles and tokens (audited, sessions ended on a role change); CRM
endpoints with status, dead letters and replay; closed to supervisors."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from crm_sync.models import DeadLetter, Delivery, Endpoint, OutboxEvent
from handoff.models import ApiToken, User
from kernel.audit import AuditEntry
from tests.handoff.conftest import ConsoleApp, add_user, login
from tests.handoff.web.conftest import Operator, metrics_of

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _admin(console_app: ConsoleApp) -> tuple[TestClient, str]:
    add_user(console_app.db, "ada", role="admin")
    client = TestClient(console_app.app)
    return client, login(client, "ada")


def test_users_roles_and_tokens(console_app: ConsoleApp, operator: Operator) -> None:
    client, csrf = _admin(console_app)
    assert operator.client.get("/console/admin/users").status_code == 403
    page = client.get("/console/admin/users").text
    assert 'data-user="sue"' in page and 'data-nav="users"' in page
    with console_app.db.read() as s:
        sue = s.scalar(select(User.id).where(User.username == "sue"))
    r = client.post(f"/console/admin/users/{sue}/role", data={"role": "agent", "csrf_token": csrf})
    assert r.status_code == 200 and "角色" in r.text
    assert operator.client.get("/console/home", follow_redirects=False).status_code == 303
    r = client.post(
        f"/console/admin/users/{sue}/token", data={"token_name": "nightly", "csrf_token": csrf}
    )
    assert 'id="new-token"' in r.text and "tcat_" in r.text
    with console_app.db.read() as s:
        token_id = s.scalar(select(ApiToken.id))
        assert s.scalar(select(User.role).where(User.id == sue)) == "agent"
    r = client.post(f"/console/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf})
    assert "已吊销" in r.text
    no_csrf = client.post(f"/console/admin/users/{sue}/disable")
    assert no_csrf.status_code == 403
    with console_app.db.read() as s:
        events = set(s.scalars(select(AuditEntry.event)))
    assert {"role_changed", "token_revoked"} <= events


def test_crm_status_dead_letters_and_replay(console_app: ConsoleApp) -> None:
    client, csrf = _admin(console_app)
    with console_app.db.session() as s:
        ep = Endpoint(name="crm", kind="webhook", url="http://127.0.0.1:9/hook", config={})
        s.add(ep)
        ev = OutboxEvent(event_id="evt_1", event_type="lead.created", payload={}, created_at=T0)
        s.add(ev)
        s.flush()
        d = Delivery(outbox_id=ev.id, endpoint_id=ep.id, state="dead", next_attempt_at=T0)
        s.add(d)
        s.flush()
        s.add(DeadLetter(delivery_id=d.id, endpoint_id=ep.id, reason="HTTP 400", last_status=400))
    page = client.get("/console/admin/crm").text
    assert metrics_of(page)["dead"] == 1 and "HTTP 400" in page
    api = client.get("/api/crm/status").json()
    assert api["connectors"][0]["dead"] == 1  # the page and the API agree
    # an id that is not a row id is refused by name and replays nothing
    r = client.post(
        "/console/admin/crm/dead-letters/replay", data={"csrf_token": csrf, "letter_id": "1x"}
    )
    assert r.status_code == 422 and "1x" in r.text and "is not a row id" in r.text
    assert metrics_of(r.text)["dead"] == 1 and metrics_of(r.text)["pending"] == 0
    r = client.post("/console/admin/crm/dead-letters/replay", data={"csrf_token": csrf})
    assert r.status_code == 200 and metrics_of(r.text)["pending"] == 1
    r = client.post("/console/admin/crm/endpoints/1/disable", data={"csrf_token": csrf})
    assert r.status_code == 200 and "已停用" in r.text
