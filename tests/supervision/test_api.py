"""The supervisor's API: history and search, a call (audited), its recording through the
app only, a review, the queue, an admin's reveal with a reason, the report and the newest
report's anomalies, the audit log."""

from __future__ import annotations

import json
import wave
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from dialer.campaigns.models import Attempt
from dialogue.speech.models import CallSummaryRow
from kernel.db import Database
from kernel.settings import Settings
from supervision.qa_service import SweepSettings, sweep
from supervision.report import build
from supervision.report_files import write_all
from tailcall.app import create_app
from tests.conftest import api_user
from tests.supervision.conftest import campaign, finished_call

DAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_supervisor_api(settings: Settings, db: Database) -> None:
    cid = campaign(db)
    aid = finished_call(
        db, cid, dialed_at=DAY, grade="A", phone="+8613812345678",
        lines=[("bot", "您好，我是智能语音助手，通话会被录音。", 0, 4, "opening"),
               ("customer", "我想了解理财产品", 5, 7, "points_info"),
               ("bot", "这款产品保本", 8, 9, "points_info")],
    )  # fmt: skip
    wav = settings.data_dir / "recordings" / "CA1.wav"
    wav.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(bytes(8000 * 4))
    with db.session() as s:
        sid = s.get(Attempt, aid).carrier_sid  # type: ignore[union-attr]
        s.add(CallSummaryRow(call_sid=sid, attempt_id=aid, disposition="x", duration_s=1,
                             final_state="end", turns=1, recording_path=str(wav), ended_at=DAY))  # fmt: skip
    sweep(db, DAY + timedelta(days=1), SweepSettings(settle_s=0))
    app = create_app(settings, db)
    sup = TestClient(app, headers=api_user(db, "supervisor", "sup"))
    adm = TestClient(app, headers=api_user(db, "admin", "adm"))
    agent = TestClient(app, headers=api_user(db, "agent", "ag"))

    found = sup.get("/api/supervision/calls", params={"q": "理财产品"}).json()["calls"]
    assert [c["attempt_id"] for c in found] == [aid]
    assert found[0]["phone"] == "****5678" or "5678" in found[0]["phone"]
    assert "12345678" not in str(found)
    assert sup.get("/api/supervision/calls", params={"flag": "blocklisted_promise"}).json()["calls"]
    assert sup.get("/api/supervision/calls", params={"limit": 0}).status_code == 422

    detail = sup.get(f"/api/supervision/calls/{aid}").json()
    assert [ln["speaker"] for ln in detail["lines"]] == ["bot", "customer", "bot"]
    assert detail["states"] == ["opening", "points_info"]
    assert {f["code"] for f in detail["flags"]} == {"blocklisted_promise"}
    assert detail["recording"] is True and detail["checklist"]
    audio = sup.get(f"/api/supervision/calls/{aid}/recording")
    assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
    assert agent.get(f"/api/supervision/calls/{aid}/recording").status_code == 403

    assert [c["attempt_id"] for c in sup.get("/api/supervision/queue").json()["calls"]] == [aid]
    bad = sup.post(f"/api/supervision/calls/{aid}/review", json={"checklist": {"nope": "pass"}})
    assert bad.status_code == 422 and bad.json()["where"] == "checklist.nope"
    ok = sup.post(f"/api/supervision/calls/{aid}/review",
                  json={"checklist": {"no_promise": "fail", "disclosure": "pass"}, "notes": "保本"})  # fmt: skip
    assert ok.json()["score"] == 75
    assert sup.get("/api/supervision/queue").json()["calls"] == []

    assert (
        sup.post(f"/api/supervision/calls/{aid}/reveal", json={"reason": "complaint"}).status_code
        == 403
    )
    assert adm.post(f"/api/supervision/calls/{aid}/reveal", json={"reason": ""}).status_code == 422
    shown = adm.post(f"/api/supervision/calls/{aid}/reveal", json={"reason": "complaint #88"})
    assert shown.json() == {"phone": "+8613812345678"}

    rep = sup.get("/api/supervision/reports/daily/2026-12-03").json()
    assert rep["overall"]["grades"]["A"] == 1
    csv = sup.get("/api/supervision/reports/daily/2026-12-03", params={"fmt": "csv"})
    assert csv.status_code == 200 and "funnel" in csv.text
    # the live floor's alerts: none before serve wrote a report, then the newest report's
    latest = "/api/supervision/reports/latest/anomalies"
    assert sup.get(latest).json() == {"day": None, "anomalies": []}
    with db.read() as s:
        write_all(build(s, DAY.date(), "Asia/Shanghai", DAY), settings.data_dir / "reports")
    drop = {"code": "connect_rate_drop", "today": 0.3, "baseline": 0.6,
            "message_zh": "接通率下降", "message_en": "connect rate dropped"}  # fmt: skip
    (settings.data_dir / "reports" / "daily-2026-12-04.json").write_text(
        json.dumps({"day": "2026-12-04", "anomalies": [drop]}), encoding="utf-8"
    )
    assert sup.get(latest).json() == {"day": "2026-12-04", "anomalies": [drop]}
    assert agent.get(latest).status_code == 403

    log = adm.get("/api/supervision/audit").json()["entries"]
    events = [(e["event"], e["username"], e["subject"]) for e in reversed(log)]
    assert events == [
        ("call_viewed", "sup", f"call:{aid}"),
        ("recording_played", "sup", f"call:{aid}"),
        ("review_saved", "sup", f"call:{aid}"),
        ("number_revealed", "adm", f"call:{aid}"),
        ("exported", "sup", "report:2026-12-03"),
    ]
    assert log[1]["detail"] == "complaint #88"
    assert adm.get("/api/supervision/audit/verify").json()["ok"] is True
    assert sup.get("/api/supervision/audit").status_code == 403
