"""The relay's connectors, one per endpoint, rebuilt when the endpoint's settings change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_sync.connectors import Connector, EndpointInfo
from crm_sync.file_export import FileExportConnector
from crm_sync.settings import CrmSettings
from crm_sync.webhook import WebhookConnector
from kernel.clock import Clock

ConnectorFactory = Callable[[EndpointInfo], Connector]


def default_connector(ep: EndpointInfo, clock: Clock, settings: CrmSettings) -> Connector:
    """A file export for ``file`` endpoints, a signed webhook for the others."""
    if ep.kind == "file":
        return FileExportConnector(ep, clock)
    return WebhookConnector(
        ep,
        clock,
        connect_timeout_s=settings.connect_timeout_s,
        request_timeout_s=settings.request_timeout_s,
        concurrency=settings.concurrency,
    )


class ConnectorPool:
    def __init__(self, factory: ConnectorFactory) -> None:
        self._factory = factory
        self._connectors: dict[int, tuple[tuple[Any, ...], Connector]] = {}
        self._retired: list[Connector] = []

    def get(self, ep: EndpointInfo) -> Connector:
        cached = self._connectors.get(ep.id)
        if cached is not None and cached[0] == ep.fingerprint:
            return cached[1]
        if cached is not None:
            # Another batch may still be sending through it: close it when the relay stops.
            self._retired.append(cached[1])
        conn = self._factory(ep)
        self._connectors[ep.id] = (ep.fingerprint, conn)
        return conn

    async def aclose(self) -> None:
        for conn in [*(c for _, c in self._connectors.values()), *self._retired]:
            await conn.aclose()
        self._connectors.clear()
        self._retired.clear()
