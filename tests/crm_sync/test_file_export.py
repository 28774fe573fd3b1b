from __future__ import annotations

import csv
import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from crm_sync.connectors import EndpointInfo, OutboundEvent
from crm_sync.file_export import FileExportConnector, atomic_write
from kernel.clock import VirtualClock
from tests.crm_sync.conftest import T0


def _events(start: int, n: int) -> list[OutboundEvent]:
    out = []
    for i in range(start, start + n):
        payload = {
            "id": f"evt_{i}",
            "type": "lead.created",
            "timestamp": T0.isoformat(),
            "data": {
                "lead_id": i,
                "version": 1,
                "phone_e164": "+8613812345678",
                "phone_masked": "+86138****5678",
                "reasons": ["rates", "=cmd()"],
                "next_action": "call back",
                "grade": "A",
                "score": 0.9,
            },
        }
        out.append(OutboundEvent(i, f"evt_{i}", "lead.created", i, 1, payload, 1))
    return out


def _connector(tmp_path: Path, clock: VirtualClock, **cfg: object) -> FileExportConnector:
    config = {"directory": str(tmp_path / "out"), **cfg}
    return FileExportConnector(EndpointInfo(1, "files", "file", None, None, config), clock)


async def test_batches_become_files_in_a_directory_per_day(tmp_path: Path) -> None:
    clock = VirtualClock(T0)
    conn = _connector(tmp_path, clock)
    assert {r.status for r in await conn.deliver(_events(0, 3))} == {200}
    clock.advance(86400)
    await conn.deliver(_events(3, 2))
    days = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert days == ["2026-01-05", "2026-01-06"]
    jsonl = next((tmp_path / "out" / "2026-01-05").glob("*.jsonl"))
    rows = [json.loads(line) for line in jsonl.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["evt_0", "evt_1", "evt_2"]
    assert "phone_e164" not in rows[0]["data"]  # masked unless the endpoint allows it
    with next((tmp_path / "out" / "2026-01-06").glob("*.csv")).open(encoding="utf-8-sig") as f:
        recs = list(csv.DictReader(f))
    assert [r["event_id"] for r in recs] == ["evt_3", "evt_4"]
    assert recs[0]["phone"] == "+86138****5678" and recs[0]["reasons"] == "rates|=cmd()"
    assert recs[0]["next_action"] == "call back"


def test_csv_neutralises_formulas_in_free_text(tmp_path: Path) -> None:
    from crm_sync.file_export import csv_row

    row = csv_row({"id": "e", "data": {"next_action": "=HYPERLINK(1)", "phone_masked": "+86"}})
    assert row["next_action"] == "'=HYPERLINK(1)" and row["phone"] == "+86"


async def test_the_same_batch_replaces_the_same_file(tmp_path: Path) -> None:
    clock = VirtualClock(T0)
    conn = _connector(tmp_path, clock, formats=["jsonl"], timezone="Asia/Seoul")
    await conn.deliver(_events(0, 3))
    clock.advance(30)
    await conn.deliver(_events(0, 3))
    files = list((tmp_path / "out").rglob("*"))
    assert [p.name for p in files if p.is_file()] == [files[-1].name]
    assert (tmp_path / "out" / "2026-01-05").exists()  # 18:00 in Seoul


def test_atomic_write_never_shows_a_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "d" / "events.jsonl"
    atomic_write(target, b"old\n")

    def crash(_fd: int) -> None:
        raise OSError(5, "disk went away")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError):
        atomic_write(target, b"new and longer\n")
    assert target.read_bytes() == b"old\n"  # readers still see the complete old file
    assert [p.name for p in target.parent.glob("*.jsonl")] == ["events.jsonl"]


async def test_io_errors_are_transient_results(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the directory should be")
    conn = _connector(tmp_path, VirtualClock(T0 + timedelta(hours=1)))
    [res] = await conn.deliver(_events(0, 1))
    assert res.status is None and "file export failed" in (res.error or "")


async def test_each_branch_gets_its_own_leads(tmp_path: Path) -> None:
    clock = VirtualClock(T0)
    conn = _connector(tmp_path, clock, formats=["csv"])
    events = _events(0, 4)
    for e, (route, branch) in zip(
        events,
        [("branch", "XA01"), ("remote_center", "XA01"), ("branch", "CQ01"), ("branch", "XA01")],
        strict=True,
    ):
        e.payload["data"].update(route=route, branch=branch)
    await conn.deliver(events)
    day = tmp_path / "out" / "2026-01-05"
    per_branch = {}
    for path in (day / "branches").glob("*/*.csv"):
        with path.open(encoding="utf-8-sig") as f:
            per_branch[path.parent.name] = [r["event_id"] for r in csv.DictReader(f)]
    assert per_branch == {"XA01": ["evt_0", "evt_3"], "CQ01": ["evt_2"]}
    assert len(list(day.glob("*.csv"))) == 1  # the whole batch, as before
