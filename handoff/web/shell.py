"""The workspace's shell: its static files and the home page.

Static files are served from ``handoff/web/static`` by name (the set is fixed when the
module loads, so no path from the request reaches the file system).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel

from dialer.campaigns.service import list_campaigns
from dialer.lists.queries import count_customers, count_lists
from dialer.lists.suppression import counts
from handoff.auth import principal_of
from handoff.state import get_console
from handoff.web.nav import OPERATORS
from handoff.web.render import render
from handoff.web.session import LOGIN, page_user

router = APIRouter(prefix="/console", tags=["workspace"], include_in_schema=False)
STATIC = Path(__file__).with_name("static")
ASSETS = {
    p.relative_to(STATIC).as_posix(): p
    for p in STATIC.rglob("*")
    if p.is_file() and p.suffix in (".js", ".css", ".svg", ".txt", ".md")
}
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@router.get("/assets/{name:path}")
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(status_code=404)
    media = _TYPES.get(path.suffix, "text/plain; charset=utf-8")
    # vendored files never change under one name; ours may change with a release
    cache = "public, max-age=86400" if name.startswith("vendor/") else "no-cache"
    return FileResponse(path, media_type=media, headers={"Cache-Control": cache})


class CampaignRow(BaseModel):
    id: int
    name: str
    status: str
    created_at: datetime


class HomeView(BaseModel):
    running: int
    lists: int
    customers: int
    suppressed: int
    recent: list[CampaignRow]


def home_view(request: Request) -> HomeView:
    with get_console(request.app).db.read() as s:
        campaigns = list_campaigns(s)
        return HomeView(
            running=sum(1 for c in campaigns if c.status == "running"),
            lists=count_lists(s),
            customers=count_customers(s),
            suppressed=sum(counts(s).values()),
            recent=[
                CampaignRow(id=c.id, name=c.name, status=c.status, created_at=c.created_at)
                for c in sorted(campaigns, key=lambda c: c.id, reverse=True)[:8]
            ],
        )


@router.get("/home", response_model=None)
def home(request: Request) -> Response:
    """The landing page: operators see the day's overview; agents go to their console."""
    who = principal_of(request)
    if who is None:
        return RedirectResponse(LOGIN, status_code=303)
    if who.role == "agent":
        return RedirectResponse("/console", status_code=303)
    ui = page_user(request, OPERATORS, "home")
    return render("home.html", ui, {"view": home_view(request)})
