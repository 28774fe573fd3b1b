"""``/api/supervision``: call history and search, a call, its recording, reviews, the review
queue, an admin's reveal, the daily report and the audit log. Mounted for supervisors and
admins (``tailcall.routes``); the reveal and the audit log are for admins only.

Looking at a call, playing its recording, exporting a report and revealing a number each
write an audit entry (``handoff.audit``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from handoff.audit import entries, verify_log
from handoff.auth import Principal, require
from kernel.audit import append
from kernel.bounds import Day, RowId
from kernel.db import Database, utcnow
from supervision.history import HistoryFilter, history
from supervision.report import build
from supervision.report_files import alerts, latest, sections
from supervision.review_form import CHECKLIST
from supervision.scheduler import report_dir
from supervision.service import (
    call_detail,
    campaign_names,
    queue,
    record_dict,
    recording_file,
    reveal_number,
    save_review,
)
from supervision.settings import SupervisionSettings

router = APIRouter(prefix="/api/supervision", tags=["supervision"])
SUPERVISORS = require("supervisor", "admin")
RELISTEN = timedelta(minutes=1)
ADMIN = require("admin")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _tz(request: Request) -> str:
    return str(request.app.state.settings.default_timezone)


@router.get("/calls")
def calls(
    request: Request,
    campaign_id: RowId | None = None,
    day_from: Day | None = None,
    day_to: Day | None = None,
    grade: str | None = Query(None, max_length=1),
    disposition: str | None = Query(None, max_length=64),
    agent_id: RowId | None = None,
    handoff_result: str | None = Query(None, max_length=16),
    flag: str | None = Query(None, max_length=32),
    variant: str | None = Query(None, max_length=50),
    review_state: str | None = Query(None, max_length=12),
    q: str | None = Query(None, max_length=200),
    limit: int = Query(50, ge=1, le=200),
    before: RowId | None = None,
    before_line: RowId | None = None,
    who: Principal = Depends(SUPERVISORS),
) -> dict[str, Any]:
    f = HistoryFilter(
        campaign_id=campaign_id, day_from=day_from, day_to=day_to, grade=grade,
        disposition=disposition, agent_id=agent_id, handoff_result=handoff_result, flag=flag,
        variant=variant, review_state=review_state, q=q, limit=limit, before=before,
        before_line=before_line,
        timezone=_tz(request),
    )  # fmt: skip
    with _db(request).read() as s:
        page = history(s, f)
        names = campaign_names(s)
        rows = [
            {**record_dict(r.record, names.get(r.record.campaign_id)), "snippet": r.snippet,
             "snippet_at_s": r.snippet_at_s}
            for r in page.rows
        ]  # fmt: skip
    return {
        "calls": rows,
        "next_before": page.next_before,
        "next_before_line": page.next_before_line,
    }


@router.get("/calls/{attempt_id}")
def call(
    request: Request, attempt_id: RowId, who: Principal = Depends(SUPERVISORS)
) -> dict[str, Any]:
    db = _db(request)
    with db.read() as s:
        detail = call_detail(s, attempt_id).as_dict()
    with db.session() as s:
        append(s, "call_viewed", utcnow(), username=who.username, address=_address(request),
               subject=f"call:{attempt_id}")  # fmt: skip
    detail["checklist"] = [
        {"key": i.key, "points": i.points, "zh": i.label_zh, "en": i.label_en} for i in CHECKLIST
    ]
    return detail


@router.get("/calls/{attempt_id}/recording")
def recording(
    request: Request, attempt_id: RowId, who: Principal = Depends(SUPERVISORS)
) -> Response:
    db = _db(request)
    with db.read() as s:
        path = recording_file(s, attempt_id, db.settings.data_dir)
    # one entry per listen: the player's range requests while seeking, and the page's
    # waveform, within a minute of the last entry add none
    with db.session() as s:
        recent = entries(s, subject=f"call:{attempt_id}", username=who.username,
                         event="recording_played", limit=1)  # fmt: skip
        if not recent or utcnow() - recent[0].at > RELISTEN:
            append(s, "recording_played", utcnow(), username=who.username,
                   address=_address(request), subject=f"call:{attempt_id}")  # fmt: skip
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-store"})


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    checklist: dict[str, bool | str] = Field(default_factory=dict)
    notes: str = Field(default="", max_length=2000)


@router.post("/calls/{attempt_id}/review")
def review(
    request: Request, attempt_id: RowId, body: ReviewIn, who: Principal = Depends(SUPERVISORS)
) -> dict[str, Any]:
    with _db(request).session() as s:
        v = save_review(s, attempt_id, who.username, body.checklist, body.notes, utcnow())
        return {"score": v.score, "checklist": v.checklist}


class RevealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=200)


@router.post("/calls/{attempt_id}/reveal")
def reveal(
    request: Request, attempt_id: RowId, body: RevealIn, who: Principal = Depends(ADMIN)
) -> dict[str, str]:
    with _db(request).session() as s:
        phone = reveal_number(s, attempt_id, who.username, who.role, body.reason, utcnow(),
                              _address(request))  # fmt: skip
    return {"phone": phone}


@router.get("/queue")
def review_queue(
    request: Request,
    limit: int = Query(100, ge=1, le=500),
    before: RowId | None = None,
    who: Principal = Depends(SUPERVISORS),
) -> dict[str, Any]:
    with _db(request).read() as s:
        names = campaign_names(s)
        recs = queue(s, limit=limit, before=before)
        return {"calls": [record_dict(r, names.get(r.campaign_id)) for r in recs]}


@router.get("/reports/daily/{day}")
def daily_report(
    request: Request, day: Day, fmt: str = Query("json", pattern="^(json|csv)$"),
    who: Principal = Depends(SUPERVISORS),
) -> Any:  # fmt: skip
    db = _db(request)
    with db.read() as s:
        rep = build(s, day, _tz(request), utcnow())
    if fmt == "json":
        return rep.as_dict()
    with db.session() as s:
        append(s, "exported", utcnow(), username=who.username, address=_address(request),
               subject=f"report:{day.isoformat()}", detail="csv")  # fmt: skip
    lines = []
    for name, header, rows in sections(rep):
        lines += [f"# {name}", ",".join(header)]
        lines += [",".join("" if v is None else str(v).replace(",", " ") for v in r) for r in rows]
        lines.append("")
    return Response("\ufeff" + "\n".join(lines), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="daily-{day}.csv"'})  # fmt: skip


@router.get("/reports/latest/anomalies")
def latest_anomalies(request: Request, who: Principal = Depends(SUPERVISORS)) -> dict[str, Any]:
    """The anomalies of the newest report ``serve`` wrote, for the live floor's alerts."""
    return alerts(latest(report_dir(_db(request), SupervisionSettings())))


@router.get("/audit")
def audit_log(
    request: Request,
    subject: str | None = Query(None, max_length=100),
    username: str | None = Query(None, max_length=64),
    event: str | None = Query(None, max_length=32),
    before: RowId | None = None,
    limit: int = Query(100, ge=1, le=500),
    who: Principal = Depends(ADMIN),
) -> dict[str, Any]:
    with _db(request).read() as s:
        rows = entries(
            s, subject=subject, username=username, event=event, before=before, limit=limit
        )
        return {
            "entries": [
                {"id": e.id, "at": e.at.isoformat(), "event": e.event, "username": e.username,
                 "address": e.address, "subject": e.subject, "detail": e.detail, "hash": e.hash}
                for e in rows
            ]
        }  # fmt: skip


@router.get("/audit/verify")
def audit_verify(request: Request, who: Principal = Depends(ADMIN)) -> dict[str, Any]:
    check = verify_log(_db(request))
    return {
        "ok": check.ok,
        "checked": check.checked,
        "bad_id": check.bad_id,
        "reason": check.reason,
    }
