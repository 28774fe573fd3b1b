"""Suppression-list pages: counts by kind, the entries (masked), add one, import a file,
and remove one with a reason; every change is in the activity log with who made it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from dialer.lists.models import SUPPRESSION_KINDS
from dialer.lists.phones import PhoneNormalizer
from dialer.lists.queries import list_suppressions
from dialer.lists.suppression import (
    SuppressionEntry,
    add_suppressions,
    counts,
    import_suppression_file,
    remove_suppression,
)
from handoff import activity
from handoff.state import get_console
from handoff.web.nav import OPERATORS
from handoff.web.render import Ui, render
from handoff.web.session import page_user
from kernel.bounds import Count
from kernel.errors import InvalidInput
from kernel.privacy import mask_phone

router = APIRouter(prefix="/console/suppressions", tags=["workspace"], include_in_schema=False)
PAGE = 50


def _context(request: Request, kind: str, offset: int) -> dict[str, Any]:
    with get_console(request.app).db.read() as s:
        chosen = kind if kind in SUPPRESSION_KINDS else ""
        n, rows = list_suppressions(s, chosen or None, offset, PAGE)
        return {
            "counts": counts(s),
            "kinds": SUPPRESSION_KINDS,
            "kind": chosen,
            "rows": rows,
            "matching": n,
            "offset": offset,
            "log": activity.entries(s, "suppressions", 20),
            "message": None,
            "error": None,
        }


@router.get("", response_model=None)
def suppressions_page(
    request: Request, kind: str = "", offset: Annotated[Count, Query()] = 0
) -> Response:
    ui = page_user(request, OPERATORS, "suppressions")
    return render("suppressions.html", ui, _context(request, kind, offset))


def _answer(request: Request, ui: Ui, message: str | None, error: str | None) -> Response:
    ctx = _context(request, "", 0)
    ctx.update(message=message, error=error)
    return render("suppressions.html", ui, ctx, status_code=422 if error else 200)


def _phone(request: Request, raw: str) -> str | None:
    if not raw.strip():
        return None
    result = PhoneNormalizer(get_console(request.app).app_settings.default_region).normalize(raw)
    if result.e164 is None:
        raise InvalidInput(f"phone: {result.reason}", where="phone")
    return result.e164


@router.post("/add", response_model=None)
def add_entry(
    request: Request,
    kind: Annotated[str, Form(max_length=16)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    customer_id: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    ui = page_user(request, OPERATORS, "suppressions", csrf_token)
    console = get_console(request.app)
    try:
        if kind not in SUPPRESSION_KINDS:
            raise InvalidInput("unknown list", where="kind")
        e164 = _phone(request, phone)
        ext = customer_id.strip() or None
        if not e164 and not ext:
            raise InvalidInput(ui.t["give_phone_or_id"], where="phone")
        with console.db.session() as s:
            added = add_suppressions(
                s, kind, [SuppressionEntry(e164, ext, reason.strip() or None)],
                f"console:{ui.who.username}",
            )  # fmt: skip
            who = mask_phone(e164) if e164 else f"id {ext}"
            activity.record(
                s, console.clock.now(), ui.actor, "suppression_added", "suppressions",
                f"{kind} {who}" + (f": {reason.strip()}" if reason.strip() else ""),
            )  # fmt: skip
    except InvalidInput as exc:
        return _answer(request, ui, None, exc.message)
    return _answer(request, ui, ui.t["added_n"].format(n=added), None)


@router.post("/remove", response_model=None)
def remove_entry(
    request: Request,
    kind: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    customer_id: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Remove an entry; a reason is required and recorded with who removed it."""
    ui = page_user(request, OPERATORS, "suppressions", csrf_token)
    console = get_console(request.app)
    try:
        if not reason.strip():
            raise InvalidInput(ui.t["reason_required"], where="reason")
        e164 = _phone(request, phone)
        ext = customer_id.strip() or None
        with console.db.session() as s:
            n = remove_suppression(s, kind, phone_e164=e164, external_id=ext)
            if n:
                who = mask_phone(e164) if e164 else f"id {ext}"
                activity.record(
                    s, console.clock.now(), ui.actor, "suppression_removed",
                    "suppressions", f"{kind} {who}: {reason.strip()}",
                )  # fmt: skip
    except InvalidInput as exc:
        return _answer(request, ui, None, exc.message)
    if not n:
        return _answer(request, ui, None, ui.t["not_on_list"])
    return _answer(request, ui, ui.t["removed_n"].format(n=n), None)


@router.post("/import", response_model=None)
def import_entries(
    request: Request,
    kind: Annotated[str, Form(max_length=16)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    reason: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    ui = page_user(request, OPERATORS, "suppressions", csrf_token)
    console = get_console(request.app)
    if file is None:
        return _answer(request, ui, None, ui.t["upload_bad_type"])
    uploads = console.app_settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    suffix = Path(file.filename or "list.csv").suffix[:10].lower()
    with tempfile.NamedTemporaryFile(dir=uploads, suffix=suffix, delete=False) as out:
        shutil.copyfileobj(file.file, out, 1 << 20)
        path = Path(out.name)
    try:
        rep = import_suppression_file(
            console.db,
            kind,
            path,
            source=f"console:{ui.who.username}",
            region=console.app_settings.default_region,
            reason=reason.strip() or None,
        )
    except InvalidInput as exc:
        return _answer(request, ui, None, exc.message)
    finally:
        path.unlink(missing_ok=True)
    with console.db.session() as s:
        activity.record(
            s, console.clock.now(), ui.actor, "suppression_imported", "suppressions",
            f"{kind} {file.filename}: {rep.added} added, {rep.already} already, "
            f"{len(rep.invalid)} invalid",
        )  # fmt: skip
    text = ui.t["imported_n"].format(added=rep.added, already=rep.already, invalid=len(rep.invalid))
    return _answer(request, ui, text, None)
