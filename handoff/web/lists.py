"""Call-list pages: upload a CSV/XLSX list (the importer's per-row report on the page,
filtered by outcome, downloadable), the lists, and a list's customers with masked
numbers. Imports run through ``dialer.lists.importer`` exactly as the CLI and API do."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import select

from dialer.lists.importer import ImportSummary, import_call_list, reports_root_for, summary_of
from dialer.lists.models import CallList
from dialer.lists.queries import count_members, list_members
from dialer.lists.report import CSV_NAME, OUTCOMES, read_rows
from handoff import activity
from handoff.state import get_console
from handoff.web.nav import OPERATORS
from handoff.web.render import render
from handoff.web.session import page_user
from handoff.web.text_import import row_message
from kernel.bounds import Count, RowId
from kernel.errors import InvalidInput, NotFound

router = APIRouter(prefix="/console/lists", tags=["workspace"], include_in_schema=False)
PAGE = 50
MAX_REPORT_ROWS = 10_000_000  # every row of any list the importer takes


def _summary(request: Request, list_id: int) -> ImportSummary:
    with get_console(request.app).db.read() as s:
        cl = s.get(CallList, list_id)
        if cl is None:
            raise NotFound("no such call list", where=f"list {list_id}")
        return summary_of(cl)


@router.get("", response_model=None)
def lists_page(request: Request) -> Response:
    ui = page_user(request, OPERATORS, "lists")
    with get_console(request.app).db.read() as s:
        rows = [summary_of(cl) for cl in s.scalars(select(CallList).order_by(CallList.id.desc()))]
    return render("lists/index.html", ui, {"lists": rows})


@router.post("", response_model=None)
def upload(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Import the file; the answer is the result card (htmx swaps it under the form)."""
    ui = page_user(request, OPERATORS, "lists", csrf_token)
    console = get_console(request.app)
    settings = console.app_settings
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    ctx: dict[str, Any] = {"summary": None, "error": None}
    suffix = Path(file.filename or "list.csv").suffix[:10].lower() if file else ""
    if file is None or suffix not in (".csv", ".xlsx", ".txt"):
        ctx["error"] = ui.t["upload_bad_type"]
        return render("lists/_upload_result.html", ui, ctx, status_code=422)
    with tempfile.NamedTemporaryFile(dir=uploads, suffix=suffix, delete=False) as out:
        shutil.copyfileobj(file.file, out, 1 << 20)
        path = Path(out.name)
    try:
        summary = import_call_list(
            console.db,
            path,
            name=name.strip() or None,
            region=settings.default_region,
            reports_root=reports_root_for(settings.data_dir),
            original_filename=file.filename or path.name,
        )
    except InvalidInput as exc:
        ctx["error"] = f"{exc.message}" + (f" ({exc.where})" if exc.where else "")
        return render("lists/_upload_result.html", ui, ctx, status_code=422)
    finally:
        path.unlink(missing_ok=True)
    with console.db.session() as s:
        activity.record(
            s, console.clock.now(), ui.actor, "list_uploaded", f"list:{summary.list_id}",
            f"{summary.filename}: {summary.total} rows, {summary.accepted} accepted",
        )  # fmt: skip
    ctx["summary"] = summary
    ctx.update(_report_ctx(ui.t, summary, "", 0))
    resp = render("lists/_upload_result.html", ui, ctx)
    resp.headers["HX-Trigger"] = "list-imported"  # the page's table of lists reloads
    return resp


@router.get("/{list_id}", response_model=None)
def list_page(
    request: Request,
    list_id: RowId,
    outcome: str = "",
    offset: Annotated[Count, Query()] = 0,
    tab: str = "report",
) -> Response:
    ui = page_user(request, OPERATORS, "lists")
    summary = _summary(request, list_id)
    ctx: dict[str, Any] = {
        "summary": summary,
        "tab": "customers" if tab == "customers" else "report",
    }
    ctx.update(_report_ctx(ui.t, summary, outcome, offset))
    if ctx["tab"] == "customers":
        with get_console(request.app).db.read() as s:
            ctx["members"] = list_members(s, list_id, offset, PAGE)
            ctx["member_count"] = count_members(s, list_id)
        ctx["offset"] = offset
    return render("lists/page.html", ui, ctx)


def _report_ctx(
    t: Mapping[str, str], summary: ImportSummary, outcome: str, offset: int
) -> dict[str, Any]:
    chosen = outcome if outcome in OUTCOMES else ""
    rows = list(read_rows(Path(summary.report_dir), chosen or None, offset, PAGE + 1))
    for r in rows:  # the reason in the page's language
        r["message"] = row_message(t, r["code"], r["params"], r["reason"])
    return {
        "rows": rows[:PAGE],
        "more": len(rows) > PAGE,
        "outcome": chosen,
        "offset": offset,
        "page_size": PAGE,
    }


@router.get("/{list_id}/report", response_model=None)
def report_partial(
    request: Request, list_id: RowId, outcome: str = "", offset: Annotated[Count, Query()] = 0
) -> Response:
    """The per-row report table alone, filtered and paged (htmx)."""
    ui = page_user(request, OPERATORS, "lists")
    summary = _summary(request, list_id)
    ctx = {"summary": summary, **_report_ctx(ui.t, summary, outcome, offset)}
    return render("lists/_report.html", ui, ctx)


@router.get("/{list_id}/report.csv", response_model=None)
def report_csv(request: Request, list_id: RowId) -> Response:
    """The whole per-row report (numbers masked) in the page's language: each row's
    outcome, reason code and reason, streamed from the importer's report."""
    ui = page_user(request, OPERATORS, "lists")
    summary = _summary(request, list_id)
    path = Path(summary.report_dir) / CSV_NAME
    if not path.is_file():
        raise NotFound("the report of this list is gone", where=f"list {list_id}")
    name = f"list-{list_id}-report-{ui.html_lang}.csv"
    return StreamingResponse(
        _translated_csv(ui.t, path),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _translated_csv(t: Mapping[str, str], path: Path) -> Iterator[str]:
    out = io.StringIO()
    w = csv.writer(out)
    heads = ("line", "outcome", "reason_code", "reason", "phone", "customer_no")
    w.writerow([t[h] for h in heads])
    yield "\ufeff" + out.getvalue()  # the BOM: spreadsheet programs then read UTF-8
    for chunk in _chunks(read_rows(path.parent, limit=MAX_REPORT_ROWS), 2000):
        out.seek(0)
        out.truncate()
        for r in chunk:
            message = row_message(t, r["code"], r["params"], r["reason"])
            outcome = t[f"o_{r['outcome']}"]
            w.writerow([r["line"], outcome, r["code"], message, r["phone"], r["customer_id"] or ""])
        yield out.getvalue()


def _chunks(rows: Iterable[dict[str, Any]], n: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for r in rows:
        chunk.append(r)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
