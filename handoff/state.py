"""The console's process-wide objects, created on first use from the app's settings and db."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handoff.audio import AudioHub
from handoff.events import EventBus
from handoff.live import LiveCallRegistry
from handoff.service import CallbackRequester, HandoffService, install
from handoff.settings import HandoffSettings
from kernel.clock import Clock, SystemClock
from kernel.db import Database
from kernel.settings import Settings


@dataclass
class Console:
    settings: HandoffSettings
    app_settings: Settings
    db: Database
    clock: Clock
    bus: EventBus
    registry: LiveCallRegistry
    hub: AudioHub
    service: HandoffService

    @property
    def cookie_secure(self) -> bool:
        if self.settings.cookie_secure is not None:
            return self.settings.cookie_secure
        return self.app_settings.env == "prod"

    @property
    def secret(self) -> str:
        return self.app_settings.secret_key.get_secret_value()


def build_console(
    app_settings: Settings,
    db: Database,
    *,
    settings: HandoffSettings | None = None,
    clock: Clock | None = None,
    registry: LiveCallRegistry | None = None,
    callbacks: CallbackRequester | None = None,
) -> Console:
    hs = settings or HandoffSettings()
    clk = clock or SystemClock()
    bus = EventBus(db, clk)
    reg = registry or LiveCallRegistry()
    hub = AudioHub(hs.audio_latency_cap_ms)
    reg.audio_tap = hub.to_listeners
    service = HandoffService(db, hs, clk, bus, reg, hub, callbacks, holding_line=hs.holding_line)
    install(service)
    return Console(hs, app_settings, db, clk, bus, reg, hub, service)


def get_console(app: Any) -> Console:
    """The app's console (``app.state.handoff``), built on first use."""
    console: Console | None = getattr(app.state, "handoff", None)
    if console is None:
        console = build_console(app.state.settings, app.state.db)
        app.state.handoff = console
    return console
