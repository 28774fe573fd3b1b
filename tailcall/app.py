"""The FastAPI application factory: one app per process, settings passed in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import tailcall
from tailcall.db import Database
from tailcall.errors import TailcallError
from tailcall.settings import Settings

if TYPE_CHECKING:
    from dialer.config import DialerSettings
    from dialogue.pipeline import SpeechRuntime
    from tailcall.clock import Clock
    from tailcall.live_calls import HandoffRouter


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
            from dialer.callbacks import DialerCallbacks

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
        return JSONResponse(status_code=exc.status_code, content=exc.to_dict())

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        from sqlalchemy import text

        with database.read() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "version": tailcall.__version__}

    from crm_sync.api import router as crm_router
    from dialer.api import router as dialer_router
    from dialer.campaign_api import carrier_router
    from dialer.campaign_api import router as campaigns_router
    from handoff.api import router as console_api_router
    from handoff.console import router as console_router
    from handoff.state import get_console

    app.include_router(dialer_router)
    app.include_router(campaigns_router)
    app.include_router(carrier_router)
    app.include_router(crm_router)
    app.include_router(console_api_router)
    app.include_router(console_router)
    console = get_console(app)  # the handoff service exists before any console connects
    if with_media:
        from dialer.config import DialerSettings
        from dialogue.media import media_router
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
        from dialer.worker import DialerThread, build_dialer
        from handoff.service import free_agents
        from tailcall.clock import SystemClock

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
