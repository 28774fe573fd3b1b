"""The console process's link to media workers in other processes (PostgreSQL only).

``start_bridge`` runs ``handoff.remote_console.ConsoleBridge`` for the app's console when
the database is PostgreSQL: it LISTENs for media workers' handoff requests and steers
their calls. On SQLite (one process) there is nothing to listen to. One bridge per
database is active (an advisory lock): a second ``serve`` on the same database stands
by and takes over when the first one's connection ends, so no request is routed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from loguru import logger

from handoff.remote_console import ConsoleBridge
from handoff.state import Console
from handoff.wire import CONSOLE_CHANNEL
from kernel.notify import Listener, Notifier, is_postgres_url
from kernel.settings import Settings


@dataclass
class RunningBridge:
    bridge: ConsoleBridge
    listener: Listener
    notifier: Notifier

    async def stop(self) -> None:
        await self.listener.stop()
        await self.bridge.close()
        await self.notifier.close()


BRIDGE_LOCK_KEY = 7_270_002  # pg advisory lock: the one console process serving workers


async def start_bridge(
    settings: Settings, console: Console, ready_timeout_s: float = 10.0
) -> RunningBridge | None:
    url = settings.resolved_database_url
    if not is_postgres_url(url):
        return None
    notifier = Notifier(url)
    bridge = ConsoleBridge(
        console.service, console.registry, notifier, settings.secret_key.get_secret_value()
    )
    listener = Listener(url, [CONSOLE_CHANNEL], bridge.on_message, lock_key=BRIDGE_LOCK_KEY)
    listener.start()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(listener.ready.wait(), ready_timeout_s)
    if not listener.ready.is_set():
        logger.warning("another console process serves the media workers; standing by")
    return RunningBridge(bridge, listener, notifier)
