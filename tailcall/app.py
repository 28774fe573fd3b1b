"""The FastAPI application factory: one app per process, settings passed in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse

import tailcall
from kernel.db import Database
from kernel.errors import TailcallError
from kernel.settings import Settings

if TYPE_CHECKING:
    from dialer.campaigns.config import DialerSettings
    from dialogue.speech.pipeline import SpeechRuntime
    from kernel.clock import Clock
    from tailcall.live_calls import HandoffRouter

OPERATORS = ("supervisor", "admin")
ADMINS = ("admin",)
OWN_CHECK = None
"""The router verifies its callers itself (the reason is in the policy table)."""

Policy = tuple[APIRouter, tuple[str, ...] | None, str]


def route_policy() -> list[Policy]:
    """Who may call what: every router of the app, the roles it is mounted for, and why.

    Roles are checked by ``handoff.auth.require`` (a console session with its CSRF token
    on writes, or ``Authorization: Bearer <API token>``): 401 when not logged in, 403 when
    the role is not allowed. ``OWN_CHECK`` routers are reachable without a role because
    their callers are not users; they verify the caller by their own mechanism. Also
    open: ``/healthz``, the OpenAPI description, and the carrier's ``/media/{call_sid}``
    websocket (its stream token, ``SpeechRuntime.media_token``, when one is set).
    """
    from crm_sync.api import admin_router as crm_admin_router
    from crm_sync.api import router as crm_inbound_router
    from dialer.campaigns.api import carrier_router
    from dialer.campaigns.api import router as campaigns_router
    from dialer.lists.api import router as lists_router
    from handoff.api import router as console_api_router
    from handoff.console import router as console_router

    return [
        (lists_router, OPERATORS, "call lists and suppression lists"),
        (campaigns_router, OPERATORS, "campaigns: CRUD, lifecycle, status, attempts"),
        (crm_admin_router, ADMINS, "CRM sync: status, endpoints, dead letters"),
        (carrier_router, OWN_CHECK, "carrier status callback: Twilio signature (prod)"),
        (crm_inbound_router, OWN_CHECK, "CRM inbound webhook: Standard Webhooks signature"),
        (console_api_router, OWN_CHECK, "console API: a role per endpoint (require)"),
        (
            console_router,
            OWN_CHECK,
            "console: pages and websockets check the session (and Origin); "
            "the login page and static files are open",
        ),
    ]


def create_app(
    settings: Settings,
    db: Database | None = None,
    *,
    background: bool = False,
    media: bool | None = None,
    handoff_router: HandoffRouter | None = None,
    sim_side_channel: bool = False,
    clock: Clock | None = None,
    dialer_settings: DialerSettings | None = None,
) -> FastAPI:
    """Build the app; subsystem routers are mounted here and nowhere else.

    ``background`` also runs the embedded default's loops in this process: the dialer and
    the CRM relay (``tailcall serve``); tests build the app without them.
    ``media`` (default: with ``background``) serves the carrier's media websocket
    (``/media/...``): each answered call runs the speech pipeline with live scoring, its
    handoff requests go to ``handoff_router`` (default: this process's console) and its
    outcome is recorded (``tailcall.live_calls``); hang-ups go to the dialer's carrier
    (``dialer_settings``, default from the environment). ``sim_side_channel`` is for the
    simulator only.
    """
    database = db or Database(settings)
    with_media = background if media is None else media

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime: SpeechRuntime | None = getattr(app.state, "speech_runtime", None)
        if runtime is not None:
            await runtime.warm_up(_languages_with_models(runtime))
        loops = _BackgroundLoops(database, settings) if background else None
        if loops is not None:
            from dialer.campaigns.callbacks import DialerCallbacks

            # agents' "call back now" on follow-up tasks goes through this dial loop
            get_console(app).service.callbacks = DialerCallbacks(loops.dialer.dialer)
            loops.start()
        try:
            yield
        finally:
            if loops is not None:
                await loops.stop()
            if db is None:
                database.dispose()

    app = FastAPI(
        title="tailcall",
        version=tailcall.__version__,
        description="Intelligent outbound calling with live human handoff",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    if dialer_settings is not None:
        app.state.dialer_settings = dialer_settings

    @app.exception_handler(TailcallError)
    async def _tailcall_error(_request: Request, exc: TailcallError) -> JSONResponse:
        headers: dict[str, str] | None = getattr(exc, "headers", None)
        return JSONResponse(status_code=exc.status_code, content=exc.to_dict(), headers=headers)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        from sqlalchemy import text

        with database.read() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "version": tailcall.__version__}

    from handoff.auth import require
    from handoff.state import get_console

    for router, roles, _why in route_policy():
        checks = [] if roles is None else [Depends(require(*roles))]
        app.include_router(router, dependencies=checks)
    console = get_console(app)  # the handoff service exists before any console connects
    if with_media:
        from dialer.campaigns.config import DialerSettings
        from dialogue.speech.media import media_router
        from handoff.live import attach
        from tailcall.live_calls import build_speech_runtime

        ds = dialer_settings or DialerSettings()
        runtime, services = build_speech_runtime(
            settings,
            database,
            carrier_base_url=ds.carrier_base_url,
            carrier_account_sid=ds.carrier_account_sid,
            carrier_auth_token=ds.carrier_auth_token.get_secret_value(),
            clock=clock,
            router=handoff_router,
            sim_side_channel=sim_side_channel,
        )
        attach(console.registry, runtime)
        app.include_router(media_router(runtime))
        app.state.speech_runtime = runtime
        app.state.live_calls = services
    return app


def _languages_with_models(runtime: SpeechRuntime) -> list[str]:
    reg = runtime.models
    return [lang for lang in reg.languages() if reg.status(lang).location is not None]


class _ConsoleAgents:
    """The console's free agents as the dialer's ``AgentCapacity`` (handoff-aware pacing)."""

    def __init__(self, free: Callable[[str | None], int]) -> None:
        self._free = free

    def free_agents(self, skill: str | None) -> int:
        return self._free(skill)


class _BackgroundLoops:
    """The dial loop (a thread: it does blocking database and carrier work) and the CRM
    relay (an asyncio task) of the embedded single-process deployment."""

    def __init__(self, db: Database, settings: Settings) -> None:
        from crm_sync.relay import Relay
        from crm_sync.settings import CrmSettings
        from dialer.campaigns.worker import DialerThread, build_dialer
        from handoff.service import free_agents
        from kernel.clock import SystemClock

        self.dialer = DialerThread(build_dialer(db, settings, agents=_ConsoleAgents(free_agents)))
        self.relay = Relay(db, CrmSettings(), SystemClock(), owner="serve")
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task[object] | None = None

    def start(self) -> None:
        self.dialer.start()
        self._relay_task = asyncio.create_task(self.relay.run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._relay_task is not None:
            await asyncio.wait_for(self._relay_task, timeout=30)
        await asyncio.to_thread(self.dialer.stop)
