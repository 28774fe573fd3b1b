"""The per-call compliance record: a dial entry for every dial (lawful basis, decision
with the rule packs' versions, the script and its hash), an entry for how it ended; the
chain is append-only and a changed or removed row is detected; exports per customer and
per campaign."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from dialer.campaigns import service
from dialer.campaigns.ledger import export, verify
from dialer.campaigns.ledger_cli import compliance_app
from dialer.campaigns.models import Attempt, ComplianceEntry
from dialer.campaigns.outcomes import apply_carrier_status
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import InMemoryCarrier
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _dial_two(db: Database) -> tuple[int, list[int]]:
    clock = VirtualClock(T0)
    with db.session() as s:
        custs = add_customers(s, 2)
        cl = add_list(s, custs)
        cl.lawful_basis = "existing customer, marketing consent 2025-11"
        spec = make_spec(
            [cl.id],
            script_id="points_reminder",
            language="zh-CN",
            compliance=CompliancePolicy(rule_packs=["carrier-cn"]),
        )
        c = service.create_campaign(s, spec, T0, by=Actor.system("test"))
        service.start_campaign(
            s, c.id, T0, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        cid, customers = c.id, [x.id for x in custs]
    carrier = InMemoryCarrier(now=clock.now)
    assert Dialer(db, db.settings, fast_settings(), carrier, clock=clock).tick().dialed == 2
    with db.session() as s:
        for a in s.scalars(select(Attempt).where(Attempt.campaign_id == cid)).all():
            apply_carrier_status(
                s, now=T0 + timedelta(seconds=30), settings=fast_settings(),
                default_tz="Asia/Shanghai", sid=a.carrier_sid, status="busy",
            )  # fmt: skip
    return cid, customers


def test_every_dial_and_its_end_are_recorded(db: Database) -> None:
    cid, customers = _dial_two(db)
    with db.read() as s:
        rows = export(s, customer_id=customers[0])
        assert [r["kind"] for r in rows] == ["dial", "outcome"]
        dial = rows[0]["record"]
        assert dial["lists"][0]["lawful_basis"].startswith("existing customer")
        assert dial["decision"]["rule_packs"] == ["carrier-cn@2026.1"]
        assert dial["script"]["id"] == "points_reminder" and len(dial["script"]["sha256"]) == 64
        assert dial["phone"].count("*") >= 4  # masked
        assert rows[1]["record"]["outcome"] == "busy"
        assert len(export(s, campaign_id=cid)) == 4
        assert verify(s).ok


def test_a_tampered_row_is_detected(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILCALL_ENV", "test")
    monkeypatch.setenv("TAILCALL_DATA_DIR", str(db.settings.data_dir))
    monkeypatch.delenv("TAILCALL_DATABASE_URL", raising=False)
    cid, _customers = _dial_two(db)
    run = CliRunner().invoke
    assert run(compliance_app, ["verify"]).exit_code == 0
    out = tmp_path / "c.jsonl"
    r = run(compliance_app, ["export", "--campaign", str(cid), "--out", str(out)])
    assert r.exit_code == 0 and len(out.read_text().splitlines()) == 4
    with db.session() as s:  # someone edits what the record says about the second dial
        row = s.scalar(select(ComplianceEntry).where(ComplianceEntry.seq == 2))
        assert row is not None
        original = row.body
        body = json.loads(original)
        body["decision"]["rule_packs"] = []
        s.execute(
            update(ComplianceEntry)
            .where(ComplianceEntry.seq == 2)
            .values(body=json.dumps(body, ensure_ascii=False))
        )
    r = run(compliance_app, ["verify"])
    assert r.exit_code == 1 and "entry 2" in r.output
    with db.session() as s:  # a removed row is found too
        s.execute(update(ComplianceEntry).where(ComplianceEntry.seq == 2).values(body=original))
        s.execute(update(ComplianceEntry).where(ComplianceEntry.seq == 3).values(seq=99))
    with db.read() as s:
        v = verify(s)
        assert not v.ok and v.broken_at == 3 and "missing" in v.problem
