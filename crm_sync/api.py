"""REST API under /api/crm: status, endpoints, dead letters (``admin_router``) and the
inbound webhook (``router``).

``admin_router`` checks no caller itself: the app mounts it for the admin role
(``tailcall.app``; a session or an admin's API token). The inbound webhook is
authenticated by its Standard Webhooks signature (``TAILCALL_CRM_INBOUND_SECRET``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from crm_sync import inbound, service, signing
from crm_sync.schemas import (
    DeadLetterView,
    EndpointCreated,
    EndpointIn,
    EndpointView,
    ReplayResult,
    SyncStatus,
)
from crm_sync.settings import CrmSettings
from kernel.bounds import RowId
from kernel.clock import Clock, SystemClock
from kernel.db import Database
from kernel.errors import TailcallError


class NotConfigured(TailcallError):
    status_code = 503
    code = "not_configured"


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_crm_settings(request: Request) -> CrmSettings:
    """The app's CRM settings (``app.state.crm_settings``), read from the env once."""
    cfg: CrmSettings | None = getattr(request.app.state, "crm_settings", None)
    if cfg is None:
        cfg = CrmSettings()
        request.app.state.crm_settings = cfg
    return cfg


def get_clock(request: Request) -> Clock:
    clock: Clock | None = getattr(request.app.state, "clock", None)
    return clock or SystemClock()


router = APIRouter(prefix="/api/crm", tags=["crm"])
admin_router = APIRouter(prefix="/api/crm", tags=["crm"])

DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Clock, Depends(get_clock)]


@admin_router.get("/status", response_model=SyncStatus)
def get_status(db: DbDep) -> SyncStatus:
    """Per connector: pending / failed (retrying) / delivered / dead deliveries."""
    with db.read() as s:
        return service.sync_status(s)


@admin_router.get("/endpoints", response_model=list[EndpointView])
def list_endpoints(db: DbDep) -> list[EndpointView]:
    with db.read() as s:
        return service.list_endpoints(s)


@admin_router.post(
    "/endpoints", response_model=EndpointCreated, status_code=status.HTTP_201_CREATED
)
def add_endpoint(
    spec: EndpointIn,
    db: DbDep,
    request: Request,
    settings: Annotated[CrmSettings, Depends(get_crm_settings)],
) -> EndpointCreated:
    """Add a webhook (to a host on TAILCALL_CRM_ALLOWED_HOSTS) or a file endpoint (a folder
    inside the data directory); a webhook's secret is shown once, here."""
    policy = settings.endpoint_policy(request.app.state.settings.data_dir)
    with db.session() as s:
        return service.add_endpoint(s, spec, policy)


@admin_router.post("/endpoints/{ref}/disable", response_model=EndpointView)
def disable_endpoint(ref: str, db: DbDep, clock: ClockDep) -> EndpointView:
    with db.session() as s:
        return service.set_endpoint_enabled(s, ref, False, reason=None, now=clock.now())


@admin_router.post("/endpoints/{ref}/enable", response_model=EndpointView)
def enable_endpoint(ref: str, db: DbDep, clock: ClockDep) -> EndpointView:
    with db.session() as s:
        return service.set_endpoint_enabled(s, ref, True, reason=None, now=clock.now())


@admin_router.get("/dead-letters", response_model=list[DeadLetterView])
def list_dead_letters(
    db: DbDep,
    include_replayed: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeadLetterView]:
    with db.read() as s:
        return service.list_dead_letters(s, include_replayed=include_replayed, limit=limit)


@admin_router.post("/dead-letters/replay", response_model=ReplayResult)
def replay_all(db: DbDep, clock: ClockDep) -> ReplayResult:
    """Replay every open dead letter."""
    with db.session() as s:
        return ReplayResult(replayed=service.replay_dead_letters(s, None, now=clock.now()))


@admin_router.post("/dead-letters/{dead_letter_id}/replay", response_model=ReplayResult)
def replay_one(dead_letter_id: RowId, db: DbDep, clock: ClockDep) -> ReplayResult:
    with db.session() as s:
        n = service.replay_dead_letters(s, [dead_letter_id], now=clock.now())
        return ReplayResult(replayed=n)


@router.post("/inbound", tags=["crm"])
async def inbound_webhook(
    request: Request,
    db: DbDep,
    clock: ClockDep,
    settings: Annotated[CrmSettings, Depends(get_crm_settings)],
) -> dict[str, Any]:
    """Events from the CRM, verified on the raw body and processed once per webhook-id."""
    if settings.inbound_secret is None:
        raise NotConfigured("TAILCALL_CRM_INBOUND_SECRET is not set", where="settings")
    body = await request.body()
    now = clock.now()
    msg_id = signing.verify(
        settings.inbound_secret.get_secret_value(),
        request.headers,
        body,
        now=now,
        tolerance_s=settings.inbound_tolerance_s,
    )

    def apply() -> dict[str, Any]:
        try:
            with db.session() as s:
                return inbound.handle(s, msg_id, body, now=now)
        except IntegrityError:
            # The same webhook-id committed concurrently by another request.
            with db.read() as s:
                return inbound.handle(s, msg_id, body, now=now)

    return await run_in_threadpool(apply)
