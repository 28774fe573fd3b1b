"""Admin pages: users, roles and API tokens; CRM endpoints with their delivery status,
dead letters and replay. Changes are audited with the admin who made them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from crm_sync import service as crm
from handoff import accounts
from handoff.auth import create_api_token
from handoff.logins import unlock
from handoff.models import ROLES
from handoff.state import get_console
from handoff.web.nav import ADMINS
from handoff.web.render import Ui, render
from handoff.web.session import page_user
from kernel.bounds import RowId, row_id
from kernel.errors import InvalidInput, NotFound

router = APIRouter(prefix="/console/admin", tags=["workspace"], include_in_schema=False)


def _users_page(request: Request, ui: Ui, extra: dict[str, Any] | None = None) -> Response:
    with get_console(request.app).db.read() as s:
        ctx: dict[str, Any] = {
            "users": accounts.users(s),
            "tokens": accounts.tokens(s),
            "roles": ROLES,
            "new_token": None,
            "error": None,
        }
    ctx.update(extra or {})
    return render("admin/users.html", ui, ctx, status_code=422 if ctx["error"] else 200)


@router.get("/users", response_model=None)
def users_page(request: Request) -> Response:
    return _users_page(request, page_user(request, ADMINS, "users"))


@router.post("/users/{user_id}/{action}", response_model=None)
def user_action(
    request: Request,
    user_id: RowId,
    action: str,
    role: Annotated[str, Form(max_length=16)] = "",
    token_name: Annotated[str, Form(max_length=100)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """role (set the role), disable, enable, unlock, token (a new API token, shown once)."""
    ui = page_user(request, ADMINS, "users", csrf_token)
    console = get_console(request.app)
    now = console.clock.now()
    by = ui.who.username
    try:
        if action == "token":
            with console.db.read() as s:
                row = next((u for u in accounts.users(s) if u.id == user_id), None)
            if row is None or row.disabled:
                raise InvalidInput("no such active user", where="user")
            token_id, secret = create_api_token(console.db, user_id, token_name.strip(), now)
            return _users_page(request, ui, {"new_token": {"id": token_id, "secret": secret,
                                                           "user": row.username}})  # fmt: skip
        with console.db.session() as s:
            if action == "role":
                accounts.set_role(s, user_id, role, now, by)
            elif action in ("disable", "enable"):
                accounts.set_disabled(s, user_id, action == "disable", now, by)
            elif action != "unlock":
                raise InvalidInput(f"unknown action {action!r}", where="action")
        if action == "unlock":
            with console.db.read() as s:
                name = next((u.username for u in accounts.users(s) if u.id == user_id), "")
            unlock(console.db, name, now, by)
    except (InvalidInput, NotFound) as exc:
        return _users_page(request, ui, {"error": exc.message})
    return RedirectResponse("/console/admin/users", status_code=303)


@router.post("/tokens/{token_id}/revoke", response_model=None)
def revoke(request: Request, token_id: RowId, csrf_token: Annotated[str, Form()] = "") -> Response:
    ui = page_user(request, ADMINS, "users", csrf_token)
    console = get_console(request.app)
    try:
        with console.db.session() as s:
            accounts.revoke_token(s, token_id, console.clock.now(), ui.who.username)
    except NotFound as exc:
        return _users_page(request, ui, {"error": exc.message})
    return RedirectResponse("/console/admin/users", status_code=303)


def _crm_page(
    request: Request, ui: Ui, error: str | None = None, note: str | None = None
) -> Response:
    with get_console(request.app).db.read() as s:
        ctx = {
            "status": crm.sync_status(s),
            "endpoints": crm.list_endpoints(s),
            "letters": crm.list_dead_letters(s, limit=200),
            "error": error,
            "note": note,
        }
    return render("admin/crm.html", ui, ctx, status_code=422 if error else 200)


@router.get("/crm", response_model=None)
def crm_page(request: Request) -> Response:
    return _crm_page(request, page_user(request, ADMINS, "crm"))


@router.post("/crm/endpoints/{endpoint_id}/{action}", response_model=None)
def endpoint_action(
    request: Request, endpoint_id: RowId, action: str, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    ui = page_user(request, ADMINS, "crm", csrf_token)
    console = get_console(request.app)
    if action not in ("enable", "disable"):
        return _crm_page(request, ui, error=f"unknown action {action!r}")
    try:
        with console.db.session() as s:
            crm.set_endpoint_enabled(
                s, endpoint_id, action == "enable", now=console.clock.now(),
                reason=f"disabled by {ui.who.username}",
            )  # fmt: skip
    except NotFound as exc:
        return _crm_page(request, ui, error=exc.message)
    return RedirectResponse("/console/admin/crm", status_code=303)


@router.post("/crm/dead-letters/replay", response_model=None)
def replay(
    request: Request,
    letter_id: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Replay one dead letter (``letter_id``) or all open ones."""
    ui = page_user(request, ADMINS, "crm", csrf_token)
    console = get_console(request.app)
    ids = [n] if (n := row_id(letter_id.strip())) is not None else None
    if letter_id.strip() and ids is None:  # a bad id must never widen to "replay all"
        return _crm_page(request, ui, error=f"dead letter {letter_id[:40]!r} is not a row id")
    try:
        with console.db.session() as s:
            n = crm.replay_dead_letters(s, ids, now=console.clock.now())
    except NotFound as exc:
        return _crm_page(request, ui, error=exc.message)
    return _crm_page(request, ui, note=ui.t["replayed_n"].format(n=n))
