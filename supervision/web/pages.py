"""The supervisor's pages: ``/console/calls`` (history and search), ``/console/calls/{id}``
(the call), ``/console/reviews`` (the queue), ``/console/reports`` (the daily report) and
``/console/audit`` (admins). Browser sessions only (``handoff.web.session.page_user``);
writes carry the session's CSRF token (htmx's header). Opening a call, saving a review,
revealing a number and downloading a report are audited, as through the API.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import ChoiceLoader, FileSystemLoader

from handoff.audit import entries, verify_log
from handoff.console import PAGE_HEADERS
from handoff.web.nav import ADMINS, OPERATORS
from handoff.web.render import ENV, Ui
from handoff.web.session import page_user
from kernel.audit import append
from kernel.bounds import Day, RowId
from kernel.bounds import day as _opt_day
from kernel.bounds import row_id as _opt_int
from kernel.db import Database, utcnow
from kernel.errors import TailcallError
from kernel.vocab import GRADES, HANDOFF_RESULTS
from supervision.flag_text import flag_text
from supervision.history import HistoryFilter, history
from supervision.report import build
from supervision.report_files import latest, write_csv, write_xlsx
from supervision.review_form import CHECKLIST
from supervision.scheduler import report_dir
from supervision.service import (
    agent_names,
    call_detail,
    campaign_names,
    queue,
    reveal_number,
    save_review,
)
from supervision.settings import SupervisionSettings
from supervision.web.views import (
    REVIEW_STATES,
    flag_choices,
    latency_chart,
    report_charts,
    score_chart,
)

router = APIRouter(prefix="/console", tags=["supervision pages"], include_in_schema=False)
HERE = Path(__file__).parent
STATIC = HERE / "static"
ASSETS = {p.name: p for p in STATIC.iterdir() if p.suffix in (".js", ".css")}
_TYPES = {".js": "text/javascript", ".css": "text/css"}
PAGE_ENV = ENV.overlay(loader=ChoiceLoader([FileSystemLoader(HERE / "templates"), ENV.loader]))  # type: ignore[list-item]


def _local(value: datetime | None, tz: str) -> str:
    """A stored UTC time in the center's zone."""
    return "–" if value is None else value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M:%S")


PAGE_ENV.filters = {**PAGE_ENV.filters, "local": _local}
PAGE_ENV.globals = {**PAGE_ENV.globals, "flag_text": flag_text}


def render(
    name: str, ui: Ui, context: dict[str, Any], status_code: int = 200, tz: str = "Asia/Shanghai"
) -> HTMLResponse:
    body = PAGE_ENV.get_template(name).render(ui=ui, t=ui.t, tz=tz, **context)
    resp = HTMLResponse(body, status_code=status_code, headers=PAGE_HEADERS)
    if not Path(name).name.startswith("_"):
        resp.set_cookie("tc_lang", ui.lang, samesite="strict")
    return resp


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _tz(request: Request) -> str:
    return str(request.app.state.settings.default_timezone)


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


@router.get("/supervision/assets/{name}")
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(status_code=404)
    return FileResponse(path, media_type=_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})


@router.get("/calls", response_model=None)
def calls_page(request: Request) -> Response:
    ui = page_user(request, OPERATORS, "calls")
    qp = request.query_params
    form = {k: qp.get(k, "")[:200] for k in (
        "campaign_id", "day_from", "day_to", "grade", "disposition", "handoff_result", "flag", "agent_id",
        "variant", "review_state", "q", "before", "before_line")}  # fmt: skip
    f = HistoryFilter(
        campaign_id=_opt_int(form["campaign_id"]), day_from=_opt_day(form["day_from"]),
        day_to=_opt_day(form["day_to"]), grade=form["grade"] or None,
        disposition=form["disposition"] or None, handoff_result=form["handoff_result"] or None,
        agent_id=_opt_int(form["agent_id"]),
        flag=form["flag"] or None, variant=form["variant"] or None,
        review_state=form["review_state"] or None, q=form["q"] or None,
        before=_opt_int(form["before"]), before_line=_opt_int(form["before_line"]),
        timezone=_tz(request),
    )  # fmt: skip
    error = ""
    with _db(request).read() as s:
        names = campaign_names(s)
        agents = agent_names(s)
        try:
            page = history(s, f)
        except TailcallError as exc:
            page, error = None, exc.message
    older = None
    if page is not None and (page.next_before or page.next_before_line) is not None:
        params = {k: v for k, v in form.items() if v and k not in ("before", "before_line")}
        if page.next_before_line is not None:
            params["before_line"] = str(page.next_before_line)
        else:
            params["before"] = str(page.next_before)
        older = "/console/calls?" + "&".join(f"{k}={_q(v)}" for k, v in params.items())
    return render("calls.html", ui, {
        "form": form, "page": page, "names": names, "error": error, "older": older,
        "grades": GRADES, "handoff_results": HANDOFF_RESULTS, "flags": flag_choices(),
        "review_states": REVIEW_STATES, "agents": agents,
    }, tz=_tz(request))  # fmt: skip


def _q(v: str) -> str:
    return quote(v, safe="")


def _call_context(request: Request, ui: Ui, attempt_id: int) -> dict[str, Any]:
    with _db(request).read() as s:
        d = call_detail(s, attempt_id)
    return {
        "d": d,
        "c": d.as_dict()["call"],
        "score_opts": score_chart(d.score_points, ui.t) if d.score_points else None,
        "latency_opts": latency_chart(d.turns, ui.t) if d.turns else None,
        "checklist": CHECKLIST,
        "last_review": d.reviews[-1] if d.reviews else None,
        "saved": None,
        "revealed": None,
        "review_error": "",
        "reveal_error": "",
    }


@router.get("/calls/{attempt_id}", response_model=None)
def call_page(request: Request, attempt_id: RowId) -> Response:
    ui = page_user(request, OPERATORS, "calls")
    ctx = _call_context(request, ui, attempt_id)
    with _db(request).session() as s:
        append(s, "call_viewed", utcnow(), username=ui.who.username, address=_address(request),
               subject=f"call:{attempt_id}")  # fmt: skip
    return render("call.html", ui, ctx, tz=_tz(request))


@router.post("/calls/{attempt_id}/review", response_model=None)
async def review_action(request: Request, attempt_id: RowId) -> Response:
    """Save a review; the call page again with the score (or the refusal)."""
    form = await request.form()
    ui = page_user(request, OPERATORS, "calls", str(form.get("csrf_token", "")))
    answers = {i.key: str(form.get(f"check_{i.key}", "")) for i in CHECKLIST}
    answers = {k: v for k, v in answers.items() if v}
    notes = str(form.get("notes", ""))[:5000]
    saved, error = None, ""
    try:
        with _db(request).session() as s:
            saved = save_review(s, attempt_id, ui.who.username, answers, notes, utcnow()).score
    except TailcallError as exc:
        error = exc.message
    ctx = _call_context(request, ui, attempt_id)
    ctx.update(saved=saved, review_error=error)
    return render("call.html", ui, ctx, status_code=422 if error else 200, tz=_tz(request))


@router.post("/calls/{attempt_id}/reveal", response_model=None)
def reveal_action(
    request: Request, attempt_id: RowId, reason: str = Form(default=""),
    csrf_token: str = Form(default=""),
) -> Response:  # fmt: skip
    """An admin's reveal of the call's number with a reason (audited): the call page with
    the number shown once (it is in no URL)."""
    ui = page_user(request, ADMINS, "calls", csrf_token)
    revealed, error = None, ""
    try:
        with _db(request).session() as s:
            revealed = reveal_number(s, attempt_id, ui.who.username, ui.who.role, reason[:200],
                                     utcnow(), _address(request))  # fmt: skip
    except TailcallError as exc:
        error = exc.message
    ctx = _call_context(request, ui, attempt_id)
    ctx.update(revealed=revealed, reveal_error=error)
    return render("call.html", ui, ctx, status_code=422 if error else 200, tz=_tz(request))


@router.get("/reviews", response_model=None)
def reviews_page(request: Request) -> Response:
    ui = page_user(request, OPERATORS, "reviews")
    with _db(request).read() as s:
        recs = queue(s, limit=200)
        names = campaign_names(s)
    return render("reviews.html", ui, {"recs": recs, "names": names}, tz=_tz(request))


def _report_day(request: Request) -> date:
    day = _opt_day(request.query_params.get("day"))
    if day is None:
        day = datetime.now(ZoneInfo(_tz(request))).date() - timedelta(days=1)
    return day


@router.get("/reports", response_model=None)
def reports_page(request: Request) -> Response:
    ui = page_user(request, OPERATORS, "reports")
    day = _report_day(request)
    with _db(request).read() as s:
        rep = build(s, day, _tz(request), utcnow())
    return render(
        "report.html",
        ui,
        {"rep": rep, "charts": report_charts(rep, ui.t), "day": day},
        tz=_tz(request),
    )


@router.get("/reports/latest", response_model=None)
def latest_report(request: Request) -> Response:
    """The newest report ``serve`` wrote, as the home page's card (loaded by htmx)."""
    ui = page_user(request, OPERATORS, "home")
    db = _db(request)
    folder = report_dir(db, SupervisionSettings())
    return render("_latest_report.html", ui, {"data": latest(folder)}, tz=_tz(request))


@router.get("/reports/{day}.{fmt}", response_model=None)
def report_download(request: Request, day: Day, fmt: str) -> Response:
    ui = page_user(request, OPERATORS, "reports")
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(status_code=404)
    db = _db(request)
    with db.read() as s:
        rep = build(s, day, _tz(request), utcnow())
    with db.session() as s:
        append(s, "exported", utcnow(), username=ui.who.username, address=_address(request),
               subject=f"report:{day.isoformat()}", detail=fmt)  # fmt: skip
    with tempfile.TemporaryDirectory(dir=db.settings.data_dir) as tmp:
        path = Path(tmp) / f"daily-{day}.{fmt}"
        (write_csv if fmt == "csv" else write_xlsx)(rep, path)
        data = path.read_bytes()
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="daily-{day}.{fmt}"', "Cache-Control": "no-store"})  # fmt: skip


@router.get("/audit", response_model=None)
def audit_page(request: Request) -> Response:
    ui = page_user(request, ADMINS, "audit")
    qp = request.query_params
    form = {k: qp.get(k, "")[:100] for k in ("subject", "username", "event")}
    db = _db(request)
    with db.read() as s:
        rows = entries(s, subject=form["subject"] or None, username=form["username"] or None,
                       event=form["event"] or None, before=_opt_int(qp.get("before")), limit=200)  # fmt: skip
    return render(
        "audit.html", ui, {"rows": rows, "form": form, "check": verify_log(db)}, tz=_tz(request)
    )
