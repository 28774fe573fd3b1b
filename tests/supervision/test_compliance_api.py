"""The compliance record over REST: the same entries as ``tailcall compliance export``,
as JSON and as a CSV download, with the chain's verification; a compliance officer may
read it, an agent may not; every export is in the audit log."""

from __future__ import annotations

import csv
import io
import json

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from dialer.campaigns.ledger import canonical, entry_hash, export
from dialer.campaigns.models import ComplianceEntry
from dialer.lists.models import Customer
from kernel.audit import AuditEntry
from kernel.db import Database
from tailcall.app import create_app
from tests.conftest import api_user
from tests.dialer.campaigns.test_ledger import _dial_two


def test_export_per_customer_and_campaign_as_json_and_csv_with_verification(
    db: Database,
) -> None:
    cid, customers = _dial_two(db)
    client = TestClient(create_app(db.settings, db))
    officer = api_user(db, "compliance", "carol")
    with db.read() as s:
        external = s.scalar(select(Customer.external_id).where(Customer.id == customers[0]))
        want = export(s, customer_id=customers[0])
        want_campaign = export(s, campaign_id=cid)
    r = client.get("/api/compliance/export", params={"customer": external}, headers=officer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["entries"] == want and len(want) == 2
    assert body["verification"] == {"ok": True, "entries": 4, "broken_at": None, "problem": ""}
    assert body["scope"] == {"customer_id": customers[0], "campaign_id": None}
    by_id = client.get(
        "/api/compliance/export", params={"customer": str(customers[0])}, headers=officer
    )
    assert by_id.json()["entries"] == want  # the internal id works as in the CLI

    sup = api_user(db, "supervisor")
    r = client.get("/api/compliance/export", params={"campaign": cid, "format": "csv"}, headers=sup)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f"compliance-campaign-{cid}.csv" in r.headers["content-disposition"]
    assert r.headers["x-compliance-chain"] == "ok; 4 entries"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [int(x["seq"]) for x in rows] == [e["seq"] for e in want_campaign]
    for row, e in zip(rows, want_campaign, strict=True):  # each row's hash checks from the file
        assert row["record"] == canonical(e["record"]) and row["hash"] == e["hash"]
        with db.read() as s:
            stored = s.scalar(select(ComplianceEntry).where(ComplianceEntry.seq == e["seq"]))
            assert stored is not None
            assert entry_hash(
                row["prev_hash"], int(row["seq"]), stored.at, row["kind"], stored.attempt_id,
                stored.campaign_id, stored.customer_id, row["record"],
            ) == row["hash"]  # fmt: skip

    with db.read() as s:  # each export is audited: who, what scope, which format
        audit = s.scalars(select(AuditEntry).where(AuditEntry.event == "exported")).all()
    assert [(a.username, a.subject, a.detail.split(";")[0]) for a in audit] == [
        ("carol", f"compliance:customer:{customers[0]}", "json"),
        ("carol", f"compliance:customer:{customers[0]}", "json"),
        (audit[2].username, f"compliance:campaign:{cid}", "csv"),
    ]

    agent = api_user(db, "agent")
    assert (
        client.get("/api/compliance/export", params={"campaign": cid}, headers=agent).status_code
        == 403
    )
    r = client.get("/api/compliance/export", params={"customer": "nobody"}, headers=officer)
    assert r.status_code == 404 and r.json()["where"] == "customer"
    r = client.get("/api/compliance/export", headers=officer)
    assert r.status_code == 422

    with db.session() as s:  # a changed entry shows in the export's verification
        row = s.scalar(select(ComplianceEntry).where(ComplianceEntry.seq == 2))
        assert row is not None
        changed = json.loads(row.body)
        changed["decision"]["rule_packs"] = []
        s.execute(
            update(ComplianceEntry)
            .where(ComplianceEntry.seq == 2)
            .values(body=json.dumps(changed, ensure_ascii=False))
        )
    got = client.get("/api/compliance/export", params={"campaign": cid}, headers=officer).json()
    assert got["verification"]["ok"] is False and got["verification"]["broken_at"] == 2
    assert client.get("/api/compliance/verify", headers=officer).json()["broken_at"] == 2
    r = client.get(
        "/api/compliance/export", params={"campaign": cid, "format": "csv"}, headers=officer
    )
    assert r.headers["x-compliance-chain"].startswith("broken at entry 2")
