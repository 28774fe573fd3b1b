"""Bad input from a careless user or an attacker gets a 4xx naming the field, never a 500.

The causes found by probing a running ``serve`` (schemathesis finds the first kind by
itself, ``test_fuzz``): integers beyond 64 bits, a ``\\r`` in a CSV header, an unknown
encoding name, a lone surrogate in a JSON body, a wrong type in a CRM endpoint, a
5000-deep JSON event, a CRM timestamp beyond 64 bits (before the signature is checked).
"""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm_sync.settings import CrmSettings
from crm_sync.signing import headers as signed_headers
from crm_sync.signing import new_secret
from kernel.db import Database
from kernel.settings import Settings
from tailcall.app import create_app
from tests.conftest import api_user
from tests.handoff.conftest import login

BIG = "9" * 30


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    app = create_app(settings, db)
    app.state.crm_settings = CrmSettings(_env_file=None, inbound_secret=SECRET)
    return app


SECRET = new_secret()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)  # a 500 is what a user would see


def _where(r: object) -> str:
    body = r.json()  # type: ignore[attr-defined]
    if "where" in body:
        return str(body["where"])
    return ".".join(str(p) for p in body["detail"][0]["loc"])


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", f"/api/lists/{BIG}", "list_id"),
        ("GET", f"/api/campaigns/{BIG}", "campaign_id"),
        ("POST", f"/api/campaigns/{BIG}/start", "campaign_id"),
        ("POST", f"/api/campaigns/attempts/{BIG}/resolve", "attempt_id"),
        ("POST", f"/api/crm/endpoints/{BIG}/disable", "ref"),
        ("POST", f"/api/crm/dead-letters/{BIG}/replay", "dead_letter_id"),
        ("POST", f"/api/console/offers/{BIG}/accept", "request_id"),
        ("POST", f"/api/console/follow-ups/{BIG}/claim", "task_id"),
        ("POST", f"/api/console/follow-ups/{BIG}/complete", "task_id"),
        ("POST", f"/api/console/follow-ups/{BIG}/call-back", "task_id"),
    ],
)
def test_integers_beyond_64_bits_are_a_4xx_naming_the_field(
    client: TestClient, db: Database, method: str, path: str, field: str
) -> None:
    role = "agent" if "/console/" in path else "admin"
    body = {"outcome": "busy"} if path.endswith(("resolve", "complete")) else None
    r = client.request(method, path, headers=api_user(db, role), json=body)
    assert r.status_code in (404, 409, 422), r.text
    if r.status_code == 422:
        assert field in _where(r)


def test_a_campaign_naming_a_list_beyond_64_bits(client: TestClient, db: Database) -> None:
    from tests.dialer.conftest import make_spec

    spec = make_spec([1]).model_dump(mode="json")
    spec["audience"]["list_ids"] = [int(BIG)]
    r = client.post("/api/campaigns", json=spec, headers=api_user(db, "supervisor"))
    assert r.status_code == 422 and "list_ids" in _where(r), r.text


def test_carrier_status_with_a_huge_attempt_id(client: TestClient) -> None:
    form = {"CallSid": "CA1", "CallStatus": "ringing"}
    r = client.post(f"/carrier/status?attempt_id={BIG}", data=form)
    assert r.status_code == 422 and "attempt_id" in r.json()["where"]


def test_crm_timestamp_beyond_64_bits_is_refused_before_the_signature(client: TestClient) -> None:
    h = {"webhook-id": "m1", "webhook-timestamp": BIG, "webhook-signature": "v1,x"}
    r = client.post("/api/crm/inbound", content=b"{}", headers=h)
    assert r.status_code in (400, 401) and r.json()["where"] == "webhook-timestamp"


def test_a_5000_deep_signed_event_is_a_4xx(client: TestClient) -> None:
    body = b"[" * 5000 + b"]" * 5000
    h = signed_headers(SECRET, "deep-1", int(time.time()), body)
    r = client.post("/api/crm/inbound", content=body, headers=h)
    assert r.status_code == 422 and r.json()["where"] == "body"


def test_a_deep_json_body_is_a_4xx(client: TestClient, db: Database) -> None:
    body = "[" * 5000 + "]" * 5000
    h = {**api_user(db, "supervisor"), "content-type": "application/json"}
    r = client.post("/api/suppressions/dnc", content=body, headers=h)
    assert 400 <= r.status_code < 500, r.text


@pytest.mark.parametrize(
    ("path", "role", "body"),
    [
        (
            "/api/suppressions/dnc",
            "supervisor",
            '[{"phone": "+8613800000000", "reason": "\\ud800"}]',
        ),
        (
            "/api/crm/endpoints",
            "admin",
            '{"name": "x\\udc00", "kind": "file", "config": {"directory": "out"}}',
        ),
        ("/api/campaigns", "supervisor", '{"name": "\\udfff"}'),
    ],
)
def test_a_lone_surrogate_in_a_json_body_is_a_4xx(
    client: TestClient, db: Database, path: str, role: str, body: str
) -> None:
    h = {**api_user(db, role), "content-type": "application/json"}
    r = client.post(path, content=body.encode(), headers=h)
    assert r.status_code == 422, r.text
    assert "surrogate" in r.text


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"directory": 5}, "config.directory"),
        ({"directory": "out", "formats": 7}, "config.formats"),
        ({"directory": "out", "formats": "csv"}, "config.formats"),
        ({"directory": ["a"]}, "config.directory"),
    ],
)
def test_a_wrong_type_in_a_crm_endpoint_names_the_field(
    client: TestClient, db: Database, config: dict[str, object], field: str
) -> None:
    body = {"name": "f", "kind": "file", "config": config}
    r = client.post("/api/crm/endpoints", json=body, headers=api_user(db, "admin"))
    assert r.status_code == 422, r.text
    assert r.json()["where"] == field


def test_a_carriage_return_in_a_csv_header(client: TestClient, db: Database) -> None:
    """An unquoted CR inside the header line: the csv module's error, as a 4xx."""
    csv = "姓名,手机\r号\n王芳,13800138000\n".encode()
    r = client.post(
        "/api/lists",
        files={"file": ("l.csv", csv, "text/csv")},
        headers=api_user(db, "supervisor"),
    )
    assert r.status_code == 422 and r.json()["where"] == "line 1", r.text


@pytest.mark.parametrize("name", ["klingon-8", "base64", "rot13", "utf-8\x00"])
def test_an_unknown_encoding_name(client: TestClient, db: Database, name: str) -> None:
    csv = "姓名,手机\n王芳,13800138000\n".encode()
    r = client.post(
        "/api/lists",
        files={"file": ("l.csv", csv, "text/csv")},
        data={"encoding": name},
        headers=api_user(db, "supervisor"),
    )
    assert r.status_code == 422 and r.json()["where"] == "encoding", r.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/supervision/reports/daily/9999-12-31", "day"),
        ("/api/supervision/reports/daily/0001-01-01", "day"),
        ("/api/supervision/calls?day_to=9999-12-31", "day_to"),
        ("/api/supervision/calls?day_from=0001-01-01", "day_from"),
    ],
)
def test_a_day_at_the_calendars_edge_names_the_field(
    client: TestClient, db: Database, path: str, field: str
) -> None:
    r = client.get(path, headers=api_user(db, "supervisor"))
    assert r.status_code == 422 and field in _where(r), r.text


def test_console_pages_ignore_what_they_cannot_read(client: TestClient, db: Database) -> None:
    """The pages' own query and form parsing: numbers beyond 64 bits or not ASCII digits,
    days at the calendar's edge."""
    api_user(db, "admin", "ada")
    csrf = login(client, "ada")
    for path in (
        f"/console/calls?campaign_id={BIG}&agent_id=²&before={BIG}&before_line=-1",
        "/console/calls?day_from=0001-01-01&day_to=9999-12-31",
        f"/console/audit?before={BIG}",
    ):
        assert client.get(path).status_code == 200, path
    assert client.get("/console/reports/9999-12-31.csv").status_code == 422
    form = {"csrf_token": csrf, "name": "x", "list_ids": ["²", BIG], "weekdays": "²"}
    r = client.post("/console/campaigns/new/validate", data=form)
    assert r.status_code == 200, r.text
    r = client.post(
        "/console/admin/crm/dead-letters/replay",
        data={"csrf_token": csrf, "letter_id": "²"},
        follow_redirects=False,
    )
    assert r.status_code < 500, r.text


def test_a_zip_that_is_not_a_workbook(client: TestClient, db: Database) -> None:
    r = client.post(
        "/api/lists",
        files={"file": ("l.csv", b"PK\x03\x04garbage", "text/csv")},
        headers=api_user(db, "supervisor"),
    )
    assert r.status_code == 422 and r.json()["where"] == "file", r.text


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"name": 1e999}', "body.name"),
        ('{"name": "x", "pacing": {"calls_per_second": NaN}}', "body.pacing.calls_per_second"),
        ("[-Infinity]", "body.0"),
    ],
)
def test_a_number_that_is_not_finite_is_a_4xx(
    client: TestClient, db: Database, body: str, where: str
) -> None:
    """Python's parser takes them; no JSON answer can echo them back (a 500 before)."""
    h = {**api_user(db, "supervisor"), "content-type": "application/json"}
    r = client.post("/api/campaigns", content=body.encode(), headers=h)
    assert r.status_code == 422 and r.json()["where"] == where, r.text
    r = client.post("/api/campaigns", content=b'{"name": "1e999 NaN"}', headers=h)
    assert r.status_code == 422 and r.json()["detail"], r.text  # strings are not numbers
