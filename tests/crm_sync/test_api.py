from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from crm_sync import signing
from crm_sync.models import DeadLetter, Delivery, Label, Lead
from crm_sync.service import record_outcome
from dialer.lists.models import Suppression
from kernel.clock import VirtualClock
from kernel.db import Database
from kernel.settings import Settings
from tailcall.app import create_app
from tests.conftest import api_user
from tests.crm_sync.conftest import T0, fast_settings, outcome


@pytest.fixture
def client(settings: Settings, db: Database, secret: str) -> TestClient:
    app = create_app(settings, db)
    app.state.crm_settings = fast_settings(inbound_secret=secret, allowed_hosts="127.0.0.1")
    app.state.clock = VirtualClock(T0)
    return TestClient(app)


def _post_inbound(
    client: TestClient,
    secret: str,
    msg_id: str,
    body: dict[str, object],
    *,
    sent_at=T0,  # type: ignore[no-untyped-def]
):
    raw = json.dumps(body).encode()
    h = signing.headers(secret, msg_id, int(sent_at.timestamp()), raw)
    return client.post("/api/crm/inbound", content=raw, headers=h)


def test_admin_endpoints_need_the_admin_role(
    client: TestClient, db: Database, admin_headers: dict[str, str]
) -> None:
    r = client.get("/api/crm/status")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["www-authenticate"].startswith("Bearer")
    assert (
        client.get("/api/crm/status", headers={"authorization": "Bearer nope"}).status_code == 401
    )
    r = client.get("/api/crm/status", headers=api_user(db, "supervisor"))
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    r = client.get("/api/crm/status", headers=admin_headers)
    assert r.status_code == 200 and r.json() == {"undispatched": 0, "connectors": []}


def test_endpoints_status_and_dead_letter_replay(
    client: TestClient, db: Database, admin_headers: dict[str, str]
) -> None:
    admin = admin_headers
    r = client.post(
        "/api/crm/endpoints",
        headers=admin,
        json={"name": "crm", "kind": "webhook", "url": "http://127.0.0.1:9/hook"},
    )
    assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
    bad = client.post(
        "/api/crm/endpoints", headers=admin, json={"name": "x", "kind": "webhook", "url": "ftp://a"}
    )
    assert bad.status_code == 422 and bad.json()["where"] == "url"
    assert client.post("/api/crm/endpoints/crm/disable", headers=admin).json()["enabled"] is False
    assert client.post("/api/crm/endpoints/crm/enable", headers=admin).json()["enabled"] is True
    with db.session() as s:
        record_outcome(s, outcome(1), now=T0)
    from crm_sync.relay import Relay

    relay = Relay(db, fast_settings(), VirtualClock(T0), owner="t")
    relay.fan_out()
    with db.session() as s:
        d = s.scalars(select(Delivery)).one()
        d.state = "dead"
        s.add(
            DeadLetter(
                delivery_id=d.id, endpoint_id=d.endpoint_id, reason="HTTP 400", last_status=400
            )
        )
    st = client.get("/api/crm/status", headers=admin).json()
    assert st["connectors"][0]["dead"] == 1
    [dl] = client.get("/api/crm/dead-letters", headers=admin).json()
    assert dl["event_type"] == "lead.created" and dl["last_status"] == 400
    assert client.post("/api/crm/dead-letters/999/replay", headers=admin).status_code == 404
    r = client.post(f"/api/crm/dead-letters/{dl['id']}/replay", headers=admin)
    assert r.json() == {"replayed": 1}
    assert client.get("/api/crm/dead-letters", headers=admin).json() == []
    assert client.get("/api/crm/status", headers=admin).json()["connectors"][0]["pending"] == 1


def test_inbound_dnc_is_verified_deduped_and_suppressed(
    client: TestClient, db: Database, secret: str
) -> None:
    body = {
        "type": "dnc.added",
        "data": {
            "entries": [
                {"phone_e164": "+8613800000001", "reason": "asked"},
                {"external_id": "C-77"},
            ]
        },
    }
    r = _post_inbound(client, secret, "msg_1", body)
    assert r.status_code == 200 and r.json() == {"duplicate": False, "added": 2}
    r = _post_inbound(client, secret, "msg_1", body)
    assert r.json() == {"duplicate": True, "added": 2}
    with db.read() as s:
        rows = s.scalars(select(Suppression)).all()
    assert {(x.kind, x.phone_e164, x.external_id, x.source) for x in rows} == {
        ("dnc", "+8613800000001", None, "crm-webhook"),
        ("dnc", None, "C-77", "crm-webhook"),
    }


def test_inbound_rejects_tampered_replayed_and_unsigned_requests(
    client: TestClient, secret: str
) -> None:
    body = {"type": "dnc.added", "data": {"entries": [{"phone_e164": "+8613800000001"}]}}
    raw = json.dumps(body).encode()
    h = signing.headers(secret, "msg_2", int(T0.timestamp()), raw)
    tampered = raw.replace(b"0001", b"0002")
    r = client.post("/api/crm/inbound", content=tampered, headers=h)
    assert r.status_code == 401 and r.json()["where"] == "webhook-signature"
    old = _post_inbound(client, secret, "msg_3", body, sent_at=T0 - timedelta(minutes=10))
    assert old.status_code == 401 and old.json()["where"] == "webhook-timestamp"
    assert client.post("/api/crm/inbound", content=raw).status_code == 401
    other = _post_inbound(client, signing.new_secret(), "msg_4", body)
    assert other.status_code == 401


def test_inbound_bad_bodies_name_the_field_without_echoing_values(
    client: TestClient, secret: str
) -> None:
    body = {"type": "dnc.added", "data": {"entries": [{"phone_e164": "13800000001"}]}}
    r = _post_inbound(client, secret, "msg_5", body)
    assert r.status_code == 422
    assert r.json()["where"] == "data.entries.0.phone_e164"
    assert "13800000001" not in r.text
    r = _post_inbound(client, secret, "msg_6", {"type": "nope", "data": {}})
    assert r.status_code == 422 and r.json()["where"] == "type"


def test_inbound_won_lost_become_labels(client: TestClient, db: Database, secret: str) -> None:
    with db.session() as s:
        [lead] = record_outcome(s, outcome(1), now=T0)
    r = _post_inbound(
        client,
        secret,
        "msg_7",
        {"type": "lead.status", "data": {"lead_id": lead.id, "status": "won"}},
    )
    assert r.json() == {"duplicate": False, "changed": True}
    r = _post_inbound(
        client,
        secret,
        "msg_8",
        {"type": "lead.status", "data": {"lead_id": lead.id, "status": "lost"}},
    )
    assert r.json() == {"duplicate": False, "changed": False}
    with db.read() as s:
        assert s.get(Lead, lead.id).status == "won"  # type: ignore[union-attr]
        [label] = s.scalars(select(Label)).all()
    assert (label.label, label.call_id, label.score) == ("won", 1, 0.91)
    r = _post_inbound(
        client, secret, "msg_9", {"type": "lead.status", "data": {"lead_id": 404, "status": "won"}}
    )
    assert r.status_code == 404
