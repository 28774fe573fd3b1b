"""Campaign pages: the list, a campaign's live page (funnel, charts, pacing, skips), its
script race, its lifecycle (start, pause, resume, cancel with a confirmation) and its spec
as YAML; the JSON API of the same numbers (``api_router``, for operators).

Live parts poll: the funnel, pacing and skips every half second (``_live.html``), the charts
and the race every five (``_charts.html``, ``_race.html``).
"""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from dialer.campaigns import reports, service
from dialer.campaigns.api import launch_checks
from dialer.campaigns.calendar_watch import live_notices
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.stored import spec_of
from dialer.campaigns.variants import stop_variant
from handoff import activity
from handoff.console import PAGE_HEADERS
from handoff.state import Console, get_console
from handoff.web.campaign_view import (
    CampaignCharts,
    CampaignLive,
    CampaignRace,
    chart_options,
    charts_view,
    live_view,
    race_view,
)
from handoff.web.dry_runs import campaign_dry_runs
from handoff.web.nav import OPERATORS
from handoff.web.render import Ui, render
from handoff.web.session import page_user
from kernel.bounds import RowId
from kernel.errors import Conflict, InvalidInput, TailcallError

router = APIRouter(prefix="/console/campaigns", tags=["workspace"], include_in_schema=False)
api_router = APIRouter(prefix="/api/workspace/campaigns", tags=["workspace"])
ACTIONS = ("start", "pause", "resume", "cancel")


def _dialer_settings(request: Request) -> DialerSettings:
    ds: DialerSettings | None = getattr(request.app.state, "dialer_settings", None)
    return ds or DialerSettings()


@contextmanager
def _read(request: Request) -> Iterator[tuple[Console, Session, datetime]]:
    console = get_console(request.app)
    with console.db.read() as s:
        yield console, s, console.clock.now()


class LiveCache:
    """A campaign's live numbers, computed at most once per ``ttl_s`` however many pages
    poll them (each poll of 100,000 attempts is a scan): the page, its partial and the API
    within that time give the same numbers. One per app (``app.state``)."""

    def __init__(self, ttl_s: float = 0.4) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[float, CampaignLive]] = {}

    def get(self, campaign_id: int, compute: Callable[[], CampaignLive]) -> CampaignLive:
        with self._lock:
            hit = self._entries.get(campaign_id)
            if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
                return hit[1]
            value = compute()  # under the lock: concurrent pollers wait for one scan
            self._entries[campaign_id] = (time.monotonic(), value)
            return value

    def forget(self, campaign_id: int) -> None:
        with self._lock:
            self._entries.pop(campaign_id, None)


def _cache(request: Request) -> LiveCache:
    cache: LiveCache | None = getattr(request.app.state, "workspace_live", None)
    if cache is None:
        cache = request.app.state.workspace_live = LiveCache()
    return cache


def _live(request: Request, campaign_id: int) -> CampaignLive:
    def compute() -> CampaignLive:
        with _read(request) as (console, s, now):
            skill = service.get_campaign(s, campaign_id).handoff_skill
            return live_view(
                s, campaign_id, now, _dialer_settings(request), console.desk.free_agents(skill)
            )

    return _cache(request).get(campaign_id, compute)


def _race(request: Request, campaign_id: int) -> CampaignRace:
    live = _live(request, campaign_id)  # the same funnel by variant as the live page's
    with _read(request) as (_, s, _now):
        return race_view(s, campaign_id, live)


def _charts(request: Request, campaign_id: int) -> CampaignCharts:
    with _read(request) as (_, s, now):
        return charts_view(s, campaign_id, now)


# ------------------------------------------------------------------ JSON API


@api_router.get("/{campaign_id}/live")
def api_live(request: Request, campaign_id: RowId) -> CampaignLive:
    """The campaign's funnel (in total and by variant), skips and pacing state now."""
    return _live(request, campaign_id)


@api_router.get("/{campaign_id}/race")
def api_race(request: Request, campaign_id: RowId) -> CampaignRace:
    """The script race: each variant's rates with Wilson intervals, and the verdicts."""
    return _race(request, campaign_id)


@api_router.get("/{campaign_id}/charts")
def api_charts(request: Request, campaign_id: RowId) -> CampaignCharts:
    """The campaign over time: connect rate, grade mix, handoff wait, turn latency."""
    return _charts(request, campaign_id)


# ------------------------------------------------------------------ pages


@router.get("", response_model=None)
def campaigns_page(request: Request) -> Response:
    ui = page_user(request, OPERATORS, "campaigns")
    with _read(request) as (_, s, now):
        rows = []
        for c in reversed(service.list_campaigns(s)):
            rows.append({"c": c, "variants": [v["name"] for v in c.variants]})
        warn_days = _dialer_settings(request).calendar_warn_days
        notices = live_notices(s, now.date(), warn_days)
        return render("campaigns/list.html", ui, {"rows": rows, "calendar_notices": notices})


def _page_context(request: Request, campaign_id: int, tab: str) -> dict[str, object]:
    live = _live(request, campaign_id)
    with _read(request) as (_, s, now):
        c = service.get_campaign(s, campaign_id)
        spec = spec_of(c)
        log = activity.entries(s, f"campaign:{campaign_id}")
        notices = reports.calendar_notices(s, c, now, _dialer_settings(request).calendar_warn_days)
    ctx: dict[str, object] = {
        "live": live,
        "spec": spec,
        "log": log,
        "tab": tab,
        "calendar_notices": notices,
    }
    if tab == "race":
        ctx["race"] = _race(request, campaign_id)
    if tab == "dry":
        ctx.update(campaign_dry_runs(request, campaign_id))
    return ctx


@router.get("/{campaign_id}", response_model=None)
def campaign_page(request: Request, campaign_id: RowId, tab: str = "live") -> Response:
    ui = page_user(request, OPERATORS, "campaigns")
    tab = tab if tab in ("live", "race", "spec", "dry") else "live"
    return render("campaigns/page.html", ui, _page_context(request, campaign_id, tab))


@router.get("/{campaign_id}/live", response_model=None)
def live_partial(request: Request, campaign_id: RowId) -> Response:
    ui = page_user(request, OPERATORS, "campaigns")
    return render("campaigns/_live.html", ui, {"live": _live(request, campaign_id)})


@router.get("/{campaign_id}/charts", response_model=None)
def charts_partial(request: Request, campaign_id: RowId) -> Response:
    ui = page_user(request, OPERATORS, "campaigns")
    charts = _charts(request, campaign_id)
    ctx = {"charts": charts, "options": chart_options(charts, ui.t), "campaign_id": campaign_id}
    return render("campaigns/_charts.html", ui, ctx)


@router.get("/{campaign_id}/race", response_model=None)
def race_partial(request: Request, campaign_id: RowId) -> Response:
    ui = page_user(request, OPERATORS, "campaigns")
    race = _race(request, campaign_id)
    return render("campaigns/_race.html", ui, {"race": race, "campaign_id": campaign_id})


@router.get("/{campaign_id}/spec.yaml", response_model=None)
def export_spec(request: Request, campaign_id: RowId) -> Response:
    """The campaign as the CLI and the API take it (``tailcall campaigns create FILE``)."""
    page_user(request, OPERATORS, "campaigns")
    with _read(request) as (_, s, _now):
        spec = spec_of(service.get_campaign(s, campaign_id))
    text = yaml.safe_dump(
        spec.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False
    )
    return Response(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.yaml"'},
    )


def _refused(request: Request, campaign_id: int, exc: TailcallError) -> Response:
    """A refused action: the page's alert (htmx) or the page with the message."""
    message = html.escape(exc.message)
    if request.headers.get("HX-Request"):
        body = f'<div class="alert alert-error" role="alert">{message}</div>'
        headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        return HTMLResponse(body, headers={**PAGE_HEADERS, **headers})
    return RedirectResponse(
        f"/console/campaigns/{campaign_id}?error={quote(exc.message)}", status_code=303
    )


def _back(request: Request, campaign_id: int) -> Response:
    _cache(request).forget(campaign_id)  # the page shows the change at once
    target = f"/console/campaigns/{campaign_id}"
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Refresh": "true"})  # the same tab
    return RedirectResponse(target, status_code=303)


@router.post("/{campaign_id}/variants/{name}/stop", response_model=None)
def stop_variant_action(
    request: Request,
    campaign_id: RowId,
    name: str,
    csrf_token: str = Form(default=""),
) -> Response:
    ui = page_user(request, OPERATORS, "campaigns", csrf_token)
    console = get_console(request.app)
    now = console.clock.now()
    try:
        with console.db.session() as s:
            stop_variant(s, campaign_id, name[:50], now, by=ui.actor)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, campaign_id, exc)
    return _back(request, campaign_id)


@router.post("/{campaign_id}/{action}", response_model=None)
def lifecycle(
    request: Request,
    campaign_id: RowId,
    action: str,
    csrf_token: str = Form(default=""),
    reason: str = Form(default="", max_length=200),
) -> Response:
    """Start, pause, resume or cancel (the page asks for a confirmation first)."""
    ui = page_user(request, OPERATORS, "campaigns", csrf_token)
    if action not in ACTIONS:
        raise InvalidInput(f"unknown action {action!r}", where="action")
    console = get_console(request.app)
    now = console.clock.now()
    try:
        _apply(request, console, ui, campaign_id, action, reason, now)
    except (Conflict, InvalidInput) as exc:
        return _refused(request, campaign_id, exc)
    return _back(request, campaign_id)


def _apply(
    request: Request, console: Console, ui: Ui, campaign_id: int, action: str, reason: str,
    now: datetime,
) -> None:  # fmt: skip
    by = ui.actor
    with console.db.session() as s:
        if action == "start":
            tz = console.app_settings.default_timezone
            service.start_campaign(
                s, campaign_id, now, _dialer_settings(request), tz, launch_checks(request), by=by
            )
        elif action == "pause":
            service.pause_campaign(s, campaign_id, now, by=by)
        elif action == "resume":
            service.resume_campaign(s, campaign_id, now, by=by)
        else:
            why = reason.strip() or "cancelled by operator"
            service.cancel_campaign(s, campaign_id, now, why, by=by)
