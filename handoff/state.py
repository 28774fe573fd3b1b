"""The console's objects in one process, built by the app factory and passed to the routes.

``build_console`` makes them; the app factory stores the result on ``app.state.handoff``,
where the console's routes find it (``get_console``). Nothing here is module-level state:
two apps in one process (tests) have two consoles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handoff.agents import AgentDesk
from handoff.audio import AudioHub
from handoff.events import EventBus
from handoff.followups import CallbackRequester, FollowUps
from handoff.live import LiveCallRegistry
from handoff.service import HandoffService
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
    def desk(self) -> AgentDesk:
        return self.service.desk

    @property
    def followups(self) -> FollowUps:
        return self.service.followups

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
    reg = registry or LiveCallRegistry(clk)
    hub = AudioHub(hs.audio_latency_cap_ms)
    reg.audio_tap = hub.to_listeners
    service = HandoffService(db, hs, clk, bus, reg, hub, callbacks, holding_line=hs.holding_line)
    return Console(hs, app_settings, db, clk, bus, reg, hub, service)


def get_console(app: Any) -> Console:
    """The app's console (``app.state.handoff``, set by the app factory)."""
    console: Console | None = getattr(app.state, "handoff", None)
    if console is None:
        raise RuntimeError("this app serves no console (the app factory builds it)")
    return console
