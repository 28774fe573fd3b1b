"""The FastAPI application factory: one app per process, settings passed in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import tailcall
from tailcall.db import Database
from tailcall.errors import TailcallError
from tailcall.settings import Settings


def create_app(
    settings: Settings, db: Database | None = None, *, background: bool = False
) -> FastAPI:
    """Build the app; subsystem routers are mounted here and nowhere else.

    ``background`` also runs the embedded default's loops in this process: the dialer and
    the CRM relay (``tailcall serve``); tests build the app without them.
    """
    database = db or Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loops = _BackgroundLoops(database, settings) if background else None
        if loops is not None:
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
    get_console(app)  # the handoff service exists before any console connects
    return app


class _BackgroundLoops:
    """The dial loop (a thread: it does blocking database and carrier work) and the CRM
    relay (an asyncio task) of the embedded single-process deployment."""

    def __init__(self, db: Database, settings: Settings) -> None:
        from crm_sync.relay import Relay
        from crm_sync.settings import CrmSettings
        from dialer.worker import DialerThread, build_dialer
        from tailcall.clock import SystemClock

        self.dialer = DialerThread(build_dialer(db, settings))
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
