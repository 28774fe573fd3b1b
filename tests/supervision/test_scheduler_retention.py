"""serve's daily work: the report written once after the set time; retention deletes old
transcripts and recordings, each call with an audit entry, and keeps the call's record."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from dialogue.speech.models import CallSummaryRow, CallTranscriptRow
from dialogue.speech.search import search_transcripts
from handoff.audit import entries, verify_log
from kernel.clock import VirtualClock
from kernel.db import Database
from supervision.models import CallRecord
from supervision.qa_service import SweepSettings
from supervision.report import DailyReport
from supervision.retention import purge
from supervision.scheduler import SupervisionLoop, due_report
from supervision.settings import SupervisionSettings
from tests.supervision.conftest import campaign, finished_call

DAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_report_due_once_after_the_set_time(tmp_path: Path) -> None:
    cfg = SupervisionSettings(_env_file=None, report_at=time(6, 0))  # type: ignore[call-arg]
    tz = "Asia/Shanghai"
    assert due_report(datetime(2026, 12, 3, 21, 0, tzinfo=UTC), cfg, tz, tmp_path) is None  # 05:00
    day = due_report(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), cfg, tz, tmp_path)  # 07:00
    assert day is not None and day.isoformat() == "2026-12-03"
    (tmp_path / "daily-2026-12-03.html").write_text("x")
    assert due_report(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), cfg, tz, tmp_path) is None


def test_loop_step_and_retention(db: Database, tmp_path: Path) -> None:
    cid = campaign(db)
    old = finished_call(db, cid, dialed_at=DAY, lines=[("customer", "理财产品", 1, 2, "s")])
    new = finished_call(
        db, cid, dialed_at=DAY + timedelta(days=200), lines=[("customer", "理财", 1, 2, "s")]
    )
    rec = db.settings.data_dir / "recordings" / "old.wav"
    rec.parent.mkdir(parents=True, exist_ok=True)
    rec.write_bytes(b"RIFF")
    outside = tmp_path / "outside.wav"
    outside.write_bytes(b"RIFF")
    with db.session() as s:
        for aid, path, ended in ((old, rec, DAY), (new, outside, DAY + timedelta(days=200))):
            sid = s.get(CallRecord, aid).call_sid  # type: ignore[union-attr]
            s.add(CallSummaryRow(call_sid=sid, attempt_id=aid, disposition="x", duration_s=1,
                                 final_state="end", turns=1, recording_path=str(path), ended_at=ended))  # fmt: skip
    clock = VirtualClock(DAY + timedelta(days=1, hours=1))  # 2026-12-04 11:00 local
    cfg = SupervisionSettings(_env_file=None, retention_days=180)  # type: ignore[call-arg]
    written: list[DailyReport] = []  # serve sends each one's anomalies to the live floor
    loop = SupervisionLoop(
        db, cfg, SweepSettings(settle_s=0), clock, tmp_path / "reports", on_report=written.append
    )
    loop.step()
    assert (tmp_path / "reports" / "daily-2026-12-03.html").exists()
    assert [r.day.isoformat() for r in written] == ["2026-12-03"]
    loop.step()  # written once
    assert len(written) == 1
    with db.read() as s:
        checked = s.get(CallRecord, old)
        assert checked is not None and checked.qa_at is not None  # the QA sweep ran

    res = purge(db, DAY + timedelta(days=190), 180)
    assert (res.calls, res.transcript_rows, res.recordings) == (1, 1, 1)
    assert not rec.exists() and outside.exists()
    with db.read() as s:
        assert [h.attempt_id for h in search_transcripts(s, "理财")] == [new]
        assert s.scalar(select(func.count()).select_from(CallTranscriptRow)) == 1
        assert s.get(CallRecord, old) is not None  # the outcome stays
        logged = entries(s, event="retention_deleted")
    assert [e.subject for e in logged] == [f"call:{old}"]
    assert "recording" in logged[0].detail
    assert verify_log(db).ok
