"""Creating a campaign from the page: the form, its validation as the operator types
(htmx posts the form; the answer swaps each field's error and the audience count in
place, out of band, so the inputs keep their focus), the submit with errors on the
fields, and a YAML spec imported into the form."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.api import launch_checks
from dialer.campaigns.audience_count import PRIORITY, count_audience
from dialer.campaigns.dry_run import DEFAULT_AGENTS, DEFAULT_SAMPLE
from dialer.campaigns.models import Campaign
from dialer.campaigns.spec import AudienceSpec, CampaignSpec
from dialer.lists.importer import summary_of
from dialer.lists.models import CallList
from handoff.state import get_console
from handoff.web.campaign_form import (
    FIELD_KEYS,
    VARIANT_ROWS,
    FormFields,
    default_form,
    error_key,
    form_from_spec,
    spec_from_form,
)
from handoff.web.i18n import page_lang, texts
from handoff.web.nav import OPERATORS
from handoff.web.render import Ui, render
from handoff.web.session import page_user
from kernel.errors import Conflict, InvalidInput, NotFound
from scripts.loader import shipped_scripts

router = APIRouter(prefix="/console/campaigns", tags=["workspace"], include_in_schema=False)
api_router = APIRouter(prefix="/api/workspace", tags=["workspace"])


class AudiencePreview(BaseModel):
    members: int
    would_call: int
    excluded: dict[str, int]


def _scripts() -> list[dict[str, str]]:
    out = []
    for p in shipped_scripts():
        meta = (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("metadata", {})
        out.append(
            {
                "value": f"{meta.get('id')}|{meta.get('language')}",
                "label": f"{meta.get('title', meta.get('id'))} · {meta.get('id')} "
                f"v{meta.get('version')} ({meta.get('language')})",
            }
        )
    return out


def _preview(request: Request, audience: dict[str, Any] | None) -> AudiencePreview | None:
    try:
        spec = AudienceSpec.model_validate(audience or {})
    except ValidationError:
        return None
    with get_console(request.app).db.read() as s:
        n = count_audience(s, spec)
    return AudiencePreview(
        members=n.members,
        would_call=n.would_call,
        excluded={k: n.excluded[k] for k in PRIORITY if n.excluded.get(k)},
    )


def _context(
    request: Request, form: FormFields, errors: dict[str, str], data: dict[str, Any] | None
) -> dict[str, Any]:
    with get_console(request.app).db.read() as s:
        lists = [summary_of(cl) for cl in s.scalars(select(CallList).order_by(CallList.id.desc()))]
    return {
        "f": form,
        "errors": errors,
        "keys": FIELD_KEYS,
        "rows": range(VARIANT_ROWS),
        "scripts": _scripts(),
        "lists": lists,
        "preview": _preview(request, (data or {}).get("audience")),
        "can_dry_run": getattr(request.app.state, "dry_runner", None) is not None,
        "default_sample": DEFAULT_SAMPLE,
        "default_agents": DEFAULT_AGENTS,
    }


async def _form(request: Request) -> dict[str, str | list[str]]:
    raw = await request.form()
    out: dict[str, str | list[str]] = {}
    for key in raw:
        values = [v for v in raw.getlist(key) if isinstance(v, str)]
        out[key] = values if key in ("list_ids", "weekdays") else (values[0] if values else "")
    return out


def _name_taken(request: Request, name: str) -> bool:
    with get_console(request.app).db.read() as s:
        return s.scalar(select(Campaign.id).where(Campaign.name == name)) is not None


@router.get("/new", response_model=None)
def new_page(request: Request, list: int | None = None) -> Response:
    ui = page_user(request, OPERATORS, "campaigns")
    form = default_form()
    if list is not None:
        form["list_ids"] = [str(list)]
    _, data, _ = spec_from_form(form, _tz(request))
    return render("campaigns/new.html", ui, _context(request, form, {}, data))


def _tz(request: Request) -> str:
    return get_console(request.app).app_settings.default_timezone


@router.post("/new/validate", response_model=None)
async def validate(request: Request) -> Response:
    """Errors by field and the audience count, as out-of-band swaps (htmx)."""
    form = await _form(request)
    ui = page_user(request, OPERATORS, "campaigns", str(form.get("csrf_token", "")))
    _, data, errors = spec_from_form(form, _tz(request))
    if data["name"] and _name_taken(request, data["name"]):
        errors.setdefault("name", ui.t["name_taken"])
    # while typing, a field left empty is not an error yet (the submit says so)
    errors = {k: v for k, v in errors.items() if not (k in form and form[k] in ("", []))}
    return render("campaigns/_feedback.html", ui, _context(request, form, errors, data))


@router.post("/new", response_model=None)
async def create(request: Request) -> Response:
    form = await _form(request)
    ui = page_user(request, OPERATORS, "campaigns", str(form.get("csrf_token", "")))
    spec, data, errors = spec_from_form(form, _tz(request))
    if spec is not None:
        try:
            return _create(request, ui, spec)
        except (Conflict, InvalidInput, NotFound) as exc:
            where = exc.where or "form"
            key = (
                "name"
                if where == "name"
                else error_key(where.replace("]", "").replace("[", ".").split("."))
            )
            message = exc.message
            if where == "language":  # the launch check found no speech model: in words
                words = texts(page_lang(request))["no_speech_model"]  # of the page's language
                message = words.format(language=spec.language)
            errors[key if key in FIELD_KEYS else "form"] = message
    ctx = _context(request, form, errors, data)
    return render("campaigns/new.html", ui, ctx, status_code=422)


def _create(request: Request, ui: Ui, spec: CampaignSpec) -> Response:
    console = get_console(request.app)
    now = console.clock.now()
    with console.db.session() as s:
        cid = service.create_campaign(s, spec, now, launch_checks(request), by=ui.actor).id
    return RedirectResponse(f"/console/campaigns/{cid}", status_code=303)


@router.post("/new/import", response_model=None)
def import_yaml(
    request: Request,
    file: Annotated[UploadFile | None, File()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """A spec file (as the CLI and the API take it) into the form, to review and create."""
    ui = page_user(request, OPERATORS, "campaigns", csrf_token)
    errors: dict[str, str] = {}
    form: FormFields = default_form()
    data: dict[str, Any] | None = None
    try:
        raw = yaml.safe_load((file.file.read(1 << 20) if file else b"").decode("utf-8"))
        spec = CampaignSpec.model_validate(raw)
        form = form_from_spec(spec, _tz(request))
        _, data, errors = spec_from_form(form, _tz(request))
    except (yaml.YAMLError, UnicodeDecodeError, ValidationError) as exc:
        errors["form"] = f"{ui.t['import_failed']}: {str(exc)[:300]}"
    return render("campaigns/new.html", ui, _context(request, form, errors, data))


@api_router.post("/audience/preview")
def api_preview(request: Request, audience: AudienceSpec) -> AudiencePreview:
    """Who an audience would call now and how many are excluded, by reason."""
    preview = _preview(request, audience.model_dump())
    assert preview is not None
    return preview
