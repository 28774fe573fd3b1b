from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from handoff.models import ConsoleEvent
from kernel.db import Database
from kernel.settings import Settings
from simulator.population import write_csv
from tailcall.app import create_app


def test_health_and_openapi(db: Database, settings: Settings) -> None:
    client = TestClient(create_app(settings, db))
    assert client.get("/healthz").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/lists" in paths and "/api/lists/{list_id}" in paths


def test_upload_list_and_read_its_report(
    db: Database, settings: Settings, tmp_path: Path, operator_headers: dict[str, str]
) -> None:
    client = TestClient(create_app(settings, db), headers=operator_headers)
    path = tmp_path / "list.csv"
    write_csv(path, 50, seed=2, messy=0.5)
    with path.open("rb") as fh:
        r = client.post(
            "/api/lists", files={"file": ("客户.csv", fh, "text/csv")}, data={"name": "wave 1"}
        )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["list"]["name"] == "wave 1" and body["list"]["accepted"] == 50
    list_id = body["list"]["list_id"]
    got = client.get(f"/api/lists/{list_id}", params={"outcome": "accepted", "limit": 5}).json()
    assert len(got["rows"]) == 5 and all(r["outcome"] == "accepted" for r in got["rows"])
    assert client.get("/api/lists").json()[0]["list_id"] == list_id


def test_bad_requests_name_the_field(
    db: Database, settings: Settings, operator_headers: dict[str, str]
) -> None:
    client = TestClient(create_app(settings, db), headers=operator_headers)
    r = client.post("/api/lists", files={"file": ("x.csv", b"name,addr\nA,B\n", "text/csv")})
    assert r.status_code == 422 and r.json()["where"] == "header row"
    r = client.post(
        "/api/lists",
        files={"file": ("x.csv", b"phone\n1\n", "text/csv")},
        data={"column_map": "oops"},
    )
    assert r.status_code == 422 and r.json()["where"] == "--map"
    assert client.get("/api/lists/999").status_code == 404
    r = client.post("/api/suppressions/dnc", json=[{"phone": "13800138000"}, {"phone": "12"}])
    assert r.status_code == 422 and r.json()["where"] == "entries[1].phone"
    assert client.get("/api/suppressions").json()["dnc"] == 0  # nothing half-written
    r = client.post("/api/suppressions/vip", json=[])
    assert r.status_code == 422 and r.json()["where"] == "kind"


def test_suppression_api(
    db: Database, settings: Settings, operator_headers: dict[str, str]
) -> None:
    client = TestClient(create_app(settings, db), headers=operator_headers)
    r = client.post(
        "/api/suppressions/opt_out", json=[{"phone": "138 0013 8000", "reason": "asked"}]
    )
    assert r.json() == {"received": 1, "added": 1}
    r = client.post("/api/suppressions/opt_out", json=[{"phone": "+8613800138000"}])
    assert r.json() == {"received": 1, "added": 0}
    csv_body = "手机号,原因\n13900139000,投诉\n123,x\n".encode("gbk")
    r = client.post(
        "/api/suppressions/dnc/import", files={"file": ("dnc.csv", csv_body, "text/csv")}
    )
    assert r.json()["added"] == 1 and r.json()["invalid"][0]["line"] == 3
    assert client.get("/api/suppressions").json() == {
        "dnc": 1,
        "opt_out": 1,
        "blacklist": 0,
        "staff": 0,
    }


def test_the_root_leads_to_the_console(settings: Settings, db: Database) -> None:
    r = TestClient(create_app(settings, db)).get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/console"


def test_serve_sends_a_written_reports_anomalies_to_the_floor(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve's supervision loop writes the day before's report at once (due at 00:00) and
    its anomalies reach the supervisors' consoles as a stored ``daily_report`` event."""
    monkeypatch.setenv("TAILCALL_SUPERVISION_REPORT_AT", "00:00")
    app = create_app(settings, db, background=True, media=False, dial=False)
    with TestClient(app):
        deadline = time.monotonic() + 30
        while True:
            with db.read() as s:
                sent = s.scalars(select(ConsoleEvent).where(ConsoleEvent.kind == "daily_report"))
                found = list(sent)
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert len(found) == 1, "no daily_report event"
    assert set(found[0].roles.split(",")) == {"supervisor", "admin", "compliance"}
    assert found[0].payload["anomalies"] == [] and found[0].payload["day"]
    assert (settings.data_dir / "reports" / f"daily-{found[0].payload['day']}.json").exists()
