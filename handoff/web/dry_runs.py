"""Dry runs from the workspace: the campaign form's current spec (unsaved is fine) or a
saved campaign, simulated on virtual time against a sample of its audience
(``dialer.campaigns.dry_run``; the composition root gives the app its ``DryRunner``).

The form's button posts the form: a bad spec answers with the form's own field errors
(out of band, as while typing); a good one starts the run and answers with its panel,
which polls its progress every half second until the expected funnel is there. The JSON
API (``api_router``, for operators) starts runs and reads them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dialer.campaigns import dry_runs, service
from dialer.campaigns.audience_count import count_audience
from dialer.campaigns.dry_run import (
    DEFAULT_AGENTS,
    DEFAULT_SAMPLE,
    FUNNEL_KEYS,
    MAX_SAMPLE,
    DryRunner,
    DryRunRequest,
    spec_digest,
)
from dialer.campaigns.dry_runs import DryRunView
from dialer.campaigns.spec import CampaignSpec
from dialer.campaigns.stored import spec_of
from handoff.auth import caller_of
from handoff.state import get_console
from handoff.web.campaign_form import FIELD_KEYS, FormFields, spec_from_form
from handoff.web.campaign_new import _form, _tz
from handoff.web.nav import OPERATORS
from handoff.web.render import Ui, render
from handoff.web.session import page_user
from kernel.bounds import RowId
from kernel.errors import Conflict, InvalidInput, TailcallError

router = APIRouter(prefix="/console/campaigns", tags=["workspace"], include_in_schema=False)
api_router = APIRouter(prefix="/api/workspace/dry-runs", tags=["workspace"])


class Unavailable(Conflict):
    """This process has no dry runner (a process without the simulator's assembly)."""


def _runner(request: Request) -> DryRunner:
    runner: DryRunner | None = getattr(request.app.state, "dry_runner", None)
    if runner is None:
        raise Unavailable("dry runs are not available in this process", where="dry_run")
    return runner


def _has_runner(request: Request) -> bool:
    return getattr(request.app.state, "dry_runner", None) is not None


def _check_audience(request: Request, spec: CampaignSpec) -> None:
    with get_console(request.app).db.read() as s:
        if count_audience(s, spec.audience).would_call == 0:
            raise InvalidInput("the audience has nobody to call", where="audience")


def _bounded(form: FormFields, key: str, default: int, top: int) -> int:
    raw = form.get(key, "")
    text = raw if isinstance(raw, str) else (raw[0] if raw else "")
    try:
        return max(1 if key == "dry_sample" else 0, min(int(text), top))
    except ValueError:
        return default


def _panel(ui: Ui, view: DryRunView | None, **extra: Any) -> Response:
    ctx = {"run": view, "keys": FUNNEL_KEYS, **extra}
    return render("campaigns/_dry_run.html", ui, ctx)


def _start_from_page(
    request: Request, ui: Ui, spec: CampaignSpec, form: FormFields, campaign_id: int | None
) -> Response:
    runner = _runner(request)
    _check_audience(request, spec)
    req = DryRunRequest(
        spec=spec,
        sample=_bounded(form, "dry_sample", DEFAULT_SAMPLE, MAX_SAMPLE),
        agents=_bounded(form, "dry_agents", DEFAULT_AGENTS, 500),
    )
    run_id = runner.start(req, who=ui.who.username, campaign_id=campaign_id)
    with get_console(request.app).db.read() as s:
        return _panel(ui, dry_runs.get(s, run_id))


@router.post("/new/dry-run", response_model=None)
async def dry_run_form(request: Request) -> Response:
    """The form's spec as it stands: its field errors, or the run started."""
    form = await _form(request)
    ui = page_user(request, OPERATORS, "campaigns", str(form.get("csrf_token", "")))
    spec, _data, errors = spec_from_form(form, _tz(request))
    if spec is not None:
        try:
            return _start_from_page(request, ui, spec, form, None)
        except TailcallError as exc:
            errors["audience" if exc.where == "audience" else "form"] = exc.message
    ctx = {"run": None, "keys": FUNNEL_KEYS, "errors": errors, "field_keys": FIELD_KEYS}
    return render("campaigns/_dry_errors.html", ui, ctx)


@router.post("/{campaign_id}/dry-run", response_model=None)
async def dry_run_campaign(request: Request, campaign_id: RowId) -> Response:
    """A saved campaign's spec (any status: its own attempts are not touched)."""
    form = await _form(request)
    ui = page_user(request, OPERATORS, "campaigns", str(form.get("csrf_token", "")))
    with get_console(request.app).db.read() as s:
        spec = spec_of(service.get_campaign(s, campaign_id))
    try:
        return _start_from_page(request, ui, spec, form, campaign_id)
    except TailcallError as exc:
        return _panel(ui, None, failure=exc.message)


@router.get("/dry-runs/{run_id}", response_model=None)
def dry_run_panel(request: Request, run_id: RowId) -> Response:
    """A run's panel: progress while it runs (polled), the expected funnel when done."""
    ui = page_user(request, OPERATORS, "campaigns")
    with get_console(request.app).db.read() as s:
        return _panel(ui, dry_runs.get(s, run_id))


def campaign_dry_runs(request: Request, campaign_id: int) -> dict[str, Any]:
    """The campaign page's dry-run tab: its recent runs (and those of its spec before it
    was saved), the newest shown whole."""
    with get_console(request.app).db.read() as s:
        spec = spec_of(service.get_campaign(s, campaign_id))
        runs = dry_runs.recent(s, campaign_id=campaign_id, digest=spec_digest(spec))
    return {
        "runs": runs,
        "run": runs[0] if runs else None,
        "keys": FUNNEL_KEYS,
        "can_dry_run": _has_runner(request),
        "default_sample": DEFAULT_SAMPLE,
        "default_agents": DEFAULT_AGENTS,
    }


# ------------------------------------------------------------------ JSON API


class DryRunStart(BaseModel):
    spec: CampaignSpec
    sample: int = Field(DEFAULT_SAMPLE, ge=1, le=MAX_SAMPLE)
    agents: int = Field(DEFAULT_AGENTS, ge=0, le=500)
    seed: int = Field(1, ge=0, le=2**31)
    campaign_id: RowId | None = None


@api_router.post("", status_code=202)
def api_start(request: Request, body: DryRunStart) -> DryRunView:
    """Start a dry run of a spec (queued; read it back by id)."""
    if body.campaign_id is not None:
        with get_console(request.app).db.read() as s:
            service.get_campaign(s, body.campaign_id)
    _check_audience(request, body.spec)
    runner = _runner(request)
    req = DryRunRequest(spec=body.spec, sample=body.sample, agents=body.agents, seed=body.seed)
    who = caller_of(request)  # the route policy's dependency let them in
    run_id = runner.start(req, who=who.username if who else "api", campaign_id=body.campaign_id)
    with get_console(request.app).db.read() as s:
        return dry_runs.get(s, run_id)


@api_router.get("/{run_id}")
def api_get(request: Request, run_id: RowId) -> DryRunView:
    """A dry run: its progress, and its result when done."""
    with get_console(request.app).db.read() as s:
        return dry_runs.get(s, run_id)


@api_router.get("")
def api_list(request: Request, campaign_id: RowId | None = None) -> list[DryRunView]:
    """The last dry runs (of a campaign and of its spec, with ``campaign_id``)."""
    with get_console(request.app).db.read() as s:
        if campaign_id is None:
            return dry_runs.recent(s)
        spec = spec_of(service.get_campaign(s, campaign_id))
        return dry_runs.recent(s, campaign_id=campaign_id, digest=spec_digest(spec))
