"""REST API for call lists and suppression lists.

The app mounts this router for supervisors and admins (``tailcall.app.route_policy``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from dialer.lists.columns import parse_overrides
from dialer.lists.importer import import_call_list, reports_root_for, summary_of
from dialer.lists.models import CallList
from dialer.lists.phones import PhoneNormalizer
from dialer.lists.report import read_rows
from dialer.lists.suppression import (
    SuppressionEntry,
    add_suppressions,
    check_kind,
    counts,
    import_suppression_file,
)
from kernel.bounds import Count, RowId
from kernel.db import Database
from kernel.errors import InvalidInput, NotFound
from kernel.settings import Settings

router = APIRouter(prefix="/api", tags=["lists"])

Outcome = Literal["accepted", "merged", "invalid", "excluded"]


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _save_upload(upload: UploadFile, settings: Settings) -> Path:
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.filename or "upload.csv").suffix[:10]
    with tempfile.NamedTemporaryFile(dir=uploads, suffix=suffix, delete=False) as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
        return Path(out.name)


@router.post("/lists", status_code=201)
def upload_list(
    request: Request,
    file: Annotated[UploadFile, File(description="CSV or XLSX call list")],
    name: Annotated[str | None, Form()] = None,
    encoding: Annotated[str | None, Form()] = None,
    column_map: Annotated[list[str] | None, Form(description="HEADER=FIELD overrides")] = None,
    region: Annotated[str | None, Form(min_length=2, max_length=2)] = None,
) -> dict[str, Any]:
    """Imports a call list; the answer is the summary and the rows that were not accepted."""
    settings = _settings(request)
    path = _save_upload(file, settings)
    try:
        summary = import_call_list(
            _db(request),
            path,
            name=name,
            encoding=encoding,
            overrides=parse_overrides(column_map or []),
            region=region or settings.default_region,
            reports_root=reports_root_for(settings.data_dir),
            original_filename=file.filename or path.name,
        )
    finally:
        path.unlink(missing_ok=True)
    return {"list": summary.to_dict(), "rows": _problems(Path(summary.report_dir), 100)}


def _problems(directory: Path, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for outcome in ("invalid", "excluded", "merged"):
        out.extend(read_rows(directory, outcome, 0, limit - len(out)))
    return out


@router.get("/lists")
def lists(request: Request) -> list[dict[str, Any]]:
    with _db(request).read() as s:
        return [
            summary_of(cl).to_dict() for cl in s.scalars(select(CallList).order_by(CallList.id))
        ]


@router.get("/lists/{list_id}")
def get_list(
    request: Request,
    list_id: RowId,
    outcome: Outcome | None = None,
    offset: Annotated[Count, Query()] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> dict[str, Any]:
    """A list's summary and its per-row report (filter by outcome, paged)."""
    with _db(request).read() as s:
        cl = s.get(CallList, list_id)
        if cl is None:
            raise NotFound("no such call list", where=f"list {list_id}")
        summary = summary_of(cl)
    rows = list(read_rows(Path(summary.report_dir), outcome, offset, limit))
    return {"list": summary.to_dict(), "rows": rows, "offset": offset, "limit": limit}


class SuppressionIn(BaseModel):
    phone: str | None = Field(default=None, max_length=40)
    customer_id: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)


@router.post("/suppressions/{kind}", tags=["suppressions"])
def add_entries(request: Request, kind: str, entries: list[SuppressionIn]) -> dict[str, int]:
    """Adds numbers or customer ids to a list; every entry is checked before any is stored."""
    check_kind(kind)
    normalizer = PhoneNormalizer(_settings(request).default_region)
    parsed: list[SuppressionEntry] = []
    for i, e in enumerate(entries):
        phone = None
        if e.phone:
            result = normalizer.normalize(e.phone)
            if result.e164 is None:
                raise InvalidInput(f"phone: {result.reason}", where=f"entries[{i}].phone")
            phone = result.e164
        if not phone and not e.customer_id:
            raise InvalidInput("give phone or customer_id", where=f"entries[{i}]")
        parsed.append(SuppressionEntry(phone, e.customer_id, e.reason))
    with _db(request).session() as s:
        added = add_suppressions(s, kind, parsed, "api")
    return {"received": len(parsed), "added": added}


@router.post("/suppressions/{kind}/import", tags=["suppressions"])
def import_entries(
    request: Request, kind: str, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    check_kind(kind)
    settings = _settings(request)
    path = _save_upload(file, settings)
    try:
        rep = import_suppression_file(
            _db(request),
            kind,
            path,
            source=f"upload:{file.filename}",
            region=settings.default_region,
        )
    finally:
        path.unlink(missing_ok=True)
    return {
        "kind": kind,
        "total": rep.total,
        "added": rep.added,
        "already": rep.already,
        "invalid": [{"line": line, "reason": why} for line, why in rep.invalid],
    }


@router.get("/suppressions", tags=["suppressions"])
def suppression_counts(request: Request) -> dict[str, int]:
    with _db(request).read() as s:
        return counts(s)
