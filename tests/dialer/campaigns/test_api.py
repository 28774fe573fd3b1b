"""The campaigns REST API and the carrier status callback, through the real app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from dialer.campaigns.api import twilio_signature
from dialer.campaigns.config import DEV_CARRIER_TOKEN, DialerSettings
from dialer.campaigns.models import Attempt
from handoff.audit import verify_log
from kernel.audit import about
from kernel.db import Database
from tailcall.app import create_app
from tests.conftest import api_user
from tests.dialer.conftest import ALWAYS, add_customers, add_list


def test_campaign_crud_lifecycle_and_callbacks(
    db: Database, operator_headers: dict[str, str]
) -> None:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 2))
        list_id = cl.id
    app = create_app(db.settings, db)
    client = TestClient(app, headers=operator_headers)
    carrier = TestClient(app)  # the carrier is no user: its callback needs no login
    body = {
        "name": "wealth-may",
        "script_id": "points_reminder",
        "text_only": True,  # no Mandarin speech model here
        "caller_id": "+861095555",
        "audience": {"list_ids": [list_id]},
        "window": ALWAYS.model_dump(mode="json"),
        "variants": [{"name": "A", "weight": 1}, {"name": "B", "weight": 1}],
    }
    r = client.post("/api/campaigns", json=body)
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert client.post("/api/campaigns", json=body).status_code == 409
    bad = dict(body, name="x", audience={"list_ids": [999]})
    r = client.post("/api/campaigns", json=bad)
    assert r.status_code == 422 and r.json()["where"] == "audience.list_ids[0]"
    assert client.post(f"/api/campaigns/{cid}/pause").status_code == 409
    r = client.post(f"/api/campaigns/{cid}/start")
    assert r.json() == {"status": "running", "members": 2, "queued": 2, "skipped": {}}
    assert client.post(f"/api/campaigns/{cid}/pause").json()["status"] == "paused"
    assert client.post(f"/api/campaigns/{cid}/resume").json()["status"] == "running"
    assert client.get("/api/campaigns").json()[0]["spec"]["name"] == "wealth-may"

    # The carrier reports progress for a dialed attempt.
    with db.session() as s:
        a = s.scalars(select(Attempt).order_by(Attempt.id)).first()
        assert a is not None
        a.status, a.dialed_at, attempt_id = "dialing", a.queued_at, a.id
    for form in (
        {"CallSid": "CA9", "CallStatus": "ringing"},
        {"CallSid": "CA9", "CallStatus": "in-progress", "AnsweredBy": "human"},
        {"CallSid": "CA9", "CallStatus": "completed", "CallDuration": "61"},
    ):
        r = carrier.post(f"/carrier/status?attempt_id={attempt_id}", data=form)
        assert r.status_code == 204, r.text
    st = client.get(f"/api/campaigns/{cid}/status").json()
    assert st["outcomes"] == {"answered": 1}
    assert st["attempts"] == {"ended": 1, "queued": 1}

    items = client.get(f"/api/campaigns/{cid}/attempts?status=ended").json()
    assert len(items) == 1 and items[0]["outcome"] == "answered"
    assert items[0]["duration_s"] == 61 and items[0]["answered_by"] == "human"
    assert "0000" not in items[0]["phone"][4:-4] and "*" in items[0]["phone"]
    r = client.post(f"/api/campaigns/attempts/{attempt_id}/resolve", json={"outcome": "busy"})
    assert r.status_code == 409  # not in review

    r = client.post(f"/api/campaigns/{cid}/cancel", json={"reason": "budget"})
    assert r.json() == {"status": "cancelled", "attempts_cancelled": 1}
    assert client.get(f"/api/campaigns/{cid}/skips").json() == {"counts": {}, "items": []}
    assert client.get("/api/campaigns/999").status_code == 404


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_signature_is_checked_in_dev_and_prod(db: Database, env: str) -> None:
    token = DEV_CARRIER_TOKEN if env == "dev" else "c" * 32
    db.settings.env = env  # type: ignore[assignment]
    db.settings.secret_key = SecretStr("k" * 32)
    ds = DialerSettings(carrier_auth_token=SecretStr(token), carrier_account_sid="AC" + "7" * 32)
    client = TestClient(create_app(db.settings, db, dialer_settings=ds))
    form = {"CallSid": "CA1", "CallStatus": "ringing"}
    assert client.post("/carrier/status", data=form).status_code == 403
    forged = twilio_signature(DEV_CARRIER_TOKEN, "http://127.0.0.1:8080/carrier/status", form)
    r = client.post("/carrier/status", data=form, headers={"X-Twilio-Signature": forged})
    assert r.status_code == (204 if env == "dev" else 403)  # the simulator's public token
    r = client.post(
        "/carrier/status", data=form, headers={"X-Twilio-Signature": "é".encode("latin-1")}
    )
    assert r.status_code == 403
    sig = twilio_signature(token, "http://127.0.0.1:8080/carrier/status", form)
    r = client.post("/carrier/status", data=form, headers={"X-Twilio-Signature": sig})
    assert r.status_code == 204


def test_every_api_action_is_recorded_with_its_user_and_token(db: Database) -> None:
    """The API door: create, update, start, pause, resume, stop a variant and cancel are
    in the audit log as the token's user, from ``api token:<name>``."""
    with db.session() as s:
        list_id = add_list(s, add_customers(s, 4)).id
    client = TestClient(create_app(db.settings, db), headers=api_user(db, "supervisor", "ann"))
    body = {
        "name": "recorded", "script_id": "points_reminder", "text_only": True,
        "caller_id": "+861095555", "audience": {"list_ids": [list_id]},
        "window": ALWAYS.model_dump(mode="json"),
        "variants": [{"name": "A", "weight": 1}, {"name": "B", "weight": 1}],
    }  # fmt: skip
    cid = client.post("/api/campaigns", json=body).json()["id"]
    assert client.put(f"/api/campaigns/{cid}", json=body).status_code == 200
    for action in ("start", "pause", "resume"):
        assert client.post(f"/api/campaigns/{cid}/{action}").status_code == 200, action
    r = client.post(f"/api/campaigns/{cid}/variants/B/stop")
    assert r.status_code == 200 and r.json()["stopped"] is True
    assert client.post(f"/api/campaigns/{cid}/cancel", json={"reason": "done"}).status_code == 200
    with db.read() as s:
        log = list(reversed(about(s, f"campaign:{cid}")))
    assert [e.event for e in log] == [
        "campaign_created", "campaign_updated", "campaign_start", "campaign_pause",
        "campaign_resume", "variant_stopped", "campaign_cancel",
    ]  # fmt: skip
    assert {(e.username, e.address) for e in log} == {("ann", "api token:tests")}
    assert log[-1].detail.endswith("queued calls cancelled: done")
    assert verify_log(db).ok


def test_an_unknown_rule_pack_is_refused_at_create_and_update_naming_it(
    db: Database, operator_headers: dict[str, str]
) -> None:
    with db.session() as s:
        list_id = add_list(s, add_customers(s, 1)).id
    client = TestClient(create_app(db.settings, db), headers=operator_headers)
    body = {
        "name": "packs",
        "script_id": "points_reminder",
        "text_only": True,
        "caller_id": "+861095555",
        "audience": {"list_ids": [list_id]},
        "window": ALWAYS.model_dump(mode="json"),
        "compliance": {"rule_packs": ["carrier-cn", "bank-marketng"]},
    }
    r = client.post("/api/campaigns", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["where"] == "compliance.rule_packs[1]"
    assert "'bank-marketng'" in r.json()["message"] and "bank-marketing" in r.json()["message"]
    assert client.get("/api/campaigns").json() == []  # nothing half-written
    good = dict(body, compliance={"rule_packs": ["carrier-cn"]})
    r = client.post("/api/campaigns", json=good)
    assert r.status_code == 201, r.text
    r = client.put(f"/api/campaigns/{r.json()['id']}", json=body)
    assert r.status_code == 422 and r.json()["where"] == "compliance.rule_packs[1]"
