"""The FastAPI application factory: one app per process, settings passed in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import tailcall
from tailcall.db import Database
from tailcall.errors import TailcallError
from tailcall.settings import Settings


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """Build the app; subsystem routers are mounted here and nowhere else."""
    database = db or Database(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
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

    app.include_router(dialer_router)
    app.include_router(campaigns_router)
    app.include_router(carrier_router)
    app.include_router(crm_router)
    return app
