"""The console process's link to media workers in other processes (PostgreSQL only).

``start_bridge`` runs ``handoff.remote_console.ConsoleBridge`` for the app's console when
the database is PostgreSQL: it LISTENs for media workers' handoff requests and steers
their calls. On SQLite (one process) there is nothing to listen to.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

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


async def start_bridge(settings: Settings, console: Console) -> RunningBridge | None:
    url = settings.resolved_database_url
    if not is_postgres_url(url):
        return None
    notifier = Notifier(url)
    bridge = ConsoleBridge(
        console.service, console.registry, notifier, settings.secret_key.get_secret_value()
    )
    listener = Listener(url, [CONSOLE_CHANNEL], bridge.on_message)
    listener.start()
    await asyncio.wait_for(listener.ready.wait(), 30)
    return RunningBridge(bridge, listener, notifier)
