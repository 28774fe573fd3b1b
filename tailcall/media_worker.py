"""``tailcall worker --role media``: a process that runs answered calls' speech pipelines.

For scale-out on PostgreSQL: the carrier connects answered calls to the media workers
(``TAILCALL_DIALER_MEDIA_URL``), while ``tailcall serve`` runs the API and the console
and ``tailcall worker --role dialer`` the dial loop. Several media workers can share one
port (``SO_REUSEPORT``). Each also listens on a port of its own for the console process's
audio links to its calls (``handoff.remote_worker``), announced in its handoff requests
as ``ws://ADVERTISE_HOST:PORT``. Calls are recorded here as in ``serve``
(``tailcall.live_calls``); handoff requests go to the console process over PostgreSQL
notifications.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI

from dialer.campaigns.config import DialerSettings
from dialogue.speech.media import media_router
from dialogue.speech.media_server import listen_socket, reuseport_socket
from dialogue.speech.media_ws import MediaWebSocketProtocol
from dialogue.speech.pipeline import SpeechRuntime
from handoff.capacity import process_id
from handoff.live import LiveCallRegistry, attach
from handoff.remote_worker import WorkerLink, agent_link_router
from kernel.db import Database
from kernel.errors import InvalidInput
from kernel.logs import UVICORN_LOGGING
from kernel.notify import Listener, Notifier, is_postgres_url
from kernel.settings import Settings
from tailcall.live_calls import build_speech_runtime


def media_worker_app(
    settings: Settings,
    db: Database,
    *,
    link_base_url: str,
    dialer_settings: DialerSettings | None = None,
) -> FastAPI:
    """The media worker's app: ``/media/{call_sid}`` and ``/agent-link/{call_sid}``."""
    url = settings.resolved_database_url
    if not is_postgres_url(url):
        raise InvalidInput(
            "media workers need PostgreSQL (handoffs cross processes by LISTEN/NOTIFY)",
            where="TAILCALL_DATABASE_URL",
        )
    ds = dialer_settings or DialerSettings()
    registry = LiveCallRegistry()
    notifier = Notifier(url)
    link = WorkerLink(
        registry,
        notifier,
        worker_id=process_id("media"),
        link_base_url=link_base_url,
        secret=settings.secret_key.get_secret_value(),
    )
    runtime, _services = build_speech_runtime(
        settings,
        db,
        router=link,
        carrier_base_url=ds.carrier_base_url,
        carrier_account_sid=ds.carrier_account_sid,
        carrier_auth_token=ds.carrier_auth_token.get_secret_value(),
    )
    attach(registry, runtime)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        listener = Listener(url, [link.channel], link.on_message)
        listener.start()
        await runtime.warm_up(_languages_with_models(runtime))
        await asyncio.wait_for(listener.ready.wait(), 30)
        try:
            yield
        finally:
            await listener.stop()
            await link.close()
            await notifier.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(media_router(runtime))
    app.include_router(agent_link_router(lambda: link))
    app.state.speech_runtime = runtime
    app.state.worker_link = link
    return app


def _languages_with_models(runtime: SpeechRuntime) -> list[str]:
    reg = runtime.models
    return [lang for lang in reg.languages() if reg.status(lang).location is not None]


def run_media_worker(
    settings: Settings, *, host: str, port: int, advertise_host: str | None = None
) -> None:
    """Serve until SIGINT/SIGTERM: the shared media port and this worker's link port."""
    media_sock = reuseport_socket(host, port)
    link_sock = listen_socket(host, 0)
    link_port = link_sock.getsockname()[1]
    db = Database(settings)
    try:
        app = media_worker_app(
            settings, db, link_base_url=f"ws://{advertise_host or host}:{link_port}"
        )
        config = uvicorn.Config(
            app,
            ws=MediaWebSocketProtocol,
            ws_per_message_deflate=False,
            access_log=False,
            **UVICORN_LOGGING,
        )
        uvicorn.Server(config).run(sockets=[media_sock, link_sock])
    finally:
        db.dispose()
