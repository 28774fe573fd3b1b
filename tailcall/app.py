"""The FastAPI application factory: one app per process, settings passed in.

Everything a process serves is built here and handed to whoever needs it: the console
(``handoff.state.Console``, on ``app.state.handoff``), the media endpoint with its
speech runtime, and in ``tailcall serve`` the dial loop and the CRM relay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy import text

from crm_sync.relay import Relay
from crm_sync.settings import CrmSettings
from dialer.campaigns.breaker import Trip
from dialer.campaigns.callbacks import DialerCallbacks
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.worker import DialerThread, build_dialer
from dialer.carriers.base import Carrier
from dialer.carriers.sip.carrier import SipCarrier
from dialer.carriers.sip.settings import SipSettings
from dialogue.intent.live import HandoffRouter, ResultHook
from dialogue.speech.media import media_router
from dialogue.speech.pipeline import PromptTap, SpeechRuntime
from handoff.auth import require
from handoff.capacity import DatabaseAgentCapacity, PresenceBeat
from handoff.floor_feed import SUPERVISORS
from handoff.live import attach
from handoff.state import Console, build_console
from kernel import __version__
from kernel.clock import Clock, SystemClock
from kernel.db import Database
from kernel.errors import TailcallError
from kernel.settings import Settings
from supervision.report import DailyReport
from supervision.report_files import alerts
from supervision.scheduler import SupervisionLoop, report_dir, sweep_settings
from supervision.settings import SupervisionSettings
from tailcall import deployment
from tailcall.api_docs import mount_api_docs
from tailcall.cluster import start_bridge
from tailcall.json_guard import JsonGuard
from tailcall.launch import launch_checks
from tailcall.live_calls import ConsoleRouter, build_speech_runtime
from tailcall.routes import route_policy
from tailcall.sip_trunk import build_sip_carrier, sip_dialer_settings

Companion = Callable[[FastAPI, asyncio.Event], Coroutine[Any, Any, None]]


def create_app(
    settings: Settings,
    db: Database | None = None,
    *,
    background: bool = False,
    media: bool | None = None,
    handoff_router: HandoffRouter | None = None,
    prompt_tap: PromptTap | None = None,
    clock: Clock | None = None,
    dialer_settings: DialerSettings | None = None,
    on_result: ResultHook | None = None,
    companions: Sequence[Companion] = (),
    dial: bool = True,
) -> FastAPI:
    """Build the app; subsystem routers are mounted here and nowhere else.

    ``background`` also runs the embedded default's loops in this process: the dialer and
    the CRM relay (``tailcall serve``); tests build the app without them.
    ``media`` (default: with ``background``) serves the carrier's media websocket
    (``/media/...``): each answered call runs the speech pipeline with live scoring, its
    handoff requests go to ``handoff_router`` (default: this process's console) and its
    outcome is recorded (``tailcall.live_calls``); hang-ups go to the dialer's carrier
    (``dialer_settings``, default from the environment). With ``TAILCALL_CARRIER=sip`` the
    dialer dials through the SIP trunk (``app.state.sip_carrier``, started by the lifespan)
    and answered SIP calls run the same pipeline (``tailcall.sip_trunk``). ``prompt_tap``
    and ``on_result`` are a simulation's hooks. ``companions`` run beside the app from
    start-up until it stops (each gets the app and an event set at shutdown): the live
    demo's simulated world (``tailcall.simulation.demo_app``). ``dial=False`` leaves the
    dial loop to a separate ``tailcall worker --role dialer`` (the dialer is still built,
    for the console's "call back now"). On PostgreSQL the console also serves calls held
    by media workers in other processes (``handoff.remote_console.ConsoleBridge``).
    """
    ds = dialer_settings or DialerSettings()
    deployment.check(settings, ds)
    trunk = SipSettings().trunk_config() if settings.carrier == "sip" else None
    if trunk is not None:
        ds = sip_dialer_settings(ds, trunk)
    settings.ensure_dirs()  # 0700, and what this process creates 0600
    database = db or Database(settings)
    with_media = background if media is None else media
    console = build_console(settings, database, clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime: SpeechRuntime | None = getattr(app.state, "speech_runtime", None)
        if runtime is not None:
            await runtime.warm_up(_languages_with_models(runtime))
        carrier: SipCarrier | None = app.state.sip_carrier
        if carrier is not None:
            await carrier.start()
        loops = (
            _BackgroundLoops(database, settings, ds, app.state.handoff, carrier, dial=dial)
            if background
            else None
        )
        if loops is not None:
            loops.start()
        served: Console = app.state.handoff
        beat = PresenceBeat(database, served.desk, clock, beat_s=served.settings.presence_beat_s)
        beat_stop = asyncio.Event()
        beat_task = asyncio.create_task(beat.run(beat_stop))
        bridge = await start_bridge(settings, served)
        stop = asyncio.Event()
        running: list[asyncio.Task[None]] = [asyncio.create_task(c(app, stop)) for c in companions]
        try:
            yield
        finally:
            stop.set()
            for task in running:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(task, timeout=15)
            if bridge is not None:
                await bridge.stop()
            beat_stop.set()
            await beat_task
            await asyncio.to_thread(beat.forget)
            if loops is not None:
                await loops.stop()
            if carrier is not None:
                await carrier.stop()
            await app.state.handoff.service.close()
            if db is None:
                database.dispose()

    app = FastAPI(
        title="tailcall",
        version=__version__,
        description="Intelligent outbound calling with live human handoff",
        lifespan=lifespan,
        docs_url=None,  # tailcall.api_docs: shipped assets, off in prod
        redoc_url=None,
    )
    if settings.env != "prod":
        mount_api_docs(app)
    app.add_middleware(JsonGuard)
    app.state.settings = settings
    app.state.db = database
    app.state.handoff = console
    app.state.dialer_settings = ds
    app.state.launch_checks = launch_checks(settings)  # campaigns API: create, update, start
    app.state.sip_carrier = None

    @app.exception_handler(TailcallError)
    async def _tailcall_error(_request: Request, exc: TailcallError) -> JSONResponse:
        headers: dict[str, str] | None = getattr(exc, "headers", None)
        return JSONResponse(status_code=exc.status_code, content=exc.to_dict(), headers=headers)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        """The console is the product's front door."""
        return RedirectResponse("/console", status_code=307)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        with database.read() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    for router, roles, _why in route_policy():
        checks = [] if roles is None else [Depends(require(*roles))]
        app.include_router(router, dependencies=checks)
    if with_media:
        runtime, services = build_speech_runtime(
            settings,
            database,
            router=handoff_router or ConsoleRouter(console.service),
            carrier_base_url=ds.carrier_base_url,
            carrier_account_sid=ds.carrier_account_sid,
            carrier_auth_token=ds.carrier_auth_token.get_secret_value(),
            clock=clock,
            prompt_tap=prompt_tap,
            on_result=on_result,
        )
        attach(console.registry, runtime)
        app.include_router(media_router(runtime))
        app.state.speech_runtime = runtime
        app.state.live_calls = services
    if trunk is not None:
        runtime_ = getattr(app.state, "speech_runtime", None)
        app.state.sip_carrier = build_sip_carrier(settings, database, ds, runtime_, config=trunk)
    return app


def _languages_with_models(runtime: SpeechRuntime) -> list[str]:
    reg = runtime.models
    return [lang for lang in reg.languages() if reg.status(lang).location is not None]


class _BackgroundLoops:
    """The dial loop (a thread: it does blocking database and carrier work) and the CRM
    relay (an asyncio task) of the embedded single-process deployment, with the supervisor's
    QA sweep, daily report and retention (``supervision.scheduler``). The dialer paces
    live-handoff campaigns by the free agents in the database (``handoff.capacity``: the
    same count a separate dialer process reads), and the console's "call back now" on a
    follow-up task goes through this dial loop."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        ds: DialerSettings,
        console: Console,
        carrier: Carrier | None = None,
        *,
        dial: bool = True,
    ) -> None:
        agents = DatabaseAgentCapacity(db, stale_s=console.settings.presence_stale_s)
        dialer = build_dialer(db, settings, ds, agents=agents, alert=self._alert, carrier=carrier)
        self._console = console
        self._loop: asyncio.AbstractEventLoop | None = None
        console.followups.callbacks = DialerCallbacks(dialer)
        self.dialer = DialerThread(dialer) if dial else None
        self.relay = Relay(db, CrmSettings(), SystemClock(), owner="serve")
        sup = SupervisionSettings()
        self.supervision = SupervisionLoop(
            db,
            sup,
            sweep_settings(sup, ds.max_attempts_per_day, settings.default_timezone),
            SystemClock(),
            report_dir(db, sup),
            on_report=self._report,
        )
        self._stop = asyncio.Event()
        self._relay_task: asyncio.Task[object] | None = None
        self._supervision_task: asyncio.Task[object] | None = None

    def _alert(self, campaign_id: int, trip: Trip) -> None:
        """The compliance breaker paused a campaign (on the dial loop's thread): tell the
        supervisors' consoles from the event loop."""
        payload = {"campaign_id": campaign_id, "reason": trip.reason, "detail": trip.detail}
        if self._loop is not None:
            self._loop.call_soon_threadsafe(
                lambda: self._console.bus.publish(
                    "campaign_paused", payload, roles=("supervisor", "admin")
                )
            )

    def _report(self, rep: DailyReport) -> None:
        """A daily report was written (on the supervision loop's thread): its anomalies
        go to the live floor as alerts."""
        payload = alerts(rep.as_dict())
        if self._loop is not None:
            self._loop.call_soon_threadsafe(
                lambda: self._console.bus.publish("daily_report", payload, roles=SUPERVISORS)
            )

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self.dialer is not None:
            self.dialer.start()
        self._relay_task = asyncio.create_task(self.relay.run(self._stop))
        self._supervision_task = asyncio.create_task(self.supervision.run(self._stop))

    async def stop(self) -> None:
        self._stop.set()
        if self._relay_task is not None:
            await asyncio.wait_for(self._relay_task, timeout=30)
        if self._supervision_task is not None:
            await asyncio.wait_for(self._supervision_task, timeout=30)
        if self.dialer is not None:
            await asyncio.to_thread(self.dialer.stop)
