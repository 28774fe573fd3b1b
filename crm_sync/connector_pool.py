"""The relay's connectors, one per endpoint, rebuilt when the endpoint's settings change.

Every endpoint is checked against the endpoint policy again when its connector is built
(``crm_sync.endpoint_policy``: webhook hosts on the allow-list, file exports inside the
data directory), not only when it was added: an endpoint added before the allow-list was
narrowed, or before there was one, sends nothing. Its deliveries fail with the reason and
are retried, so they go out once the admin allows the host, or end as dead letters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from crm_sync.backoff import Result
from crm_sync.connectors import Connector, EndpointInfo, OutboundEvent
from crm_sync.file_export import FileExportConnector
from crm_sync.settings import CrmSettings
from crm_sync.webhook import WebhookConnector
from kernel.clock import Clock
from kernel.errors import InvalidInput

ConnectorFactory = Callable[[EndpointInfo], Connector]


class RefusedConnector:
    """An endpoint the policy does not allow: every event fails with ``reason``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    async def deliver(self, events: Sequence[OutboundEvent]) -> list[Result]:
        return [Result(None, self.reason) for _ in events]

    async def aclose(self) -> None:
        return None


def refusal(ep: EndpointInfo, settings: CrmSettings, data_dir: Path) -> str | None:
    """Why the endpoint policy refuses this endpoint now, or None."""
    policy = settings.endpoint_policy(data_dir)
    try:
        if ep.kind == "file":
            policy.file_directory(ep.config.get("directory"))
        else:
            policy.webhook_url(ep.url)
    except InvalidInput as exc:
        return f"endpoint not allowed: {exc}"
    return None


def default_connector(
    ep: EndpointInfo, clock: Clock, settings: CrmSettings, data_dir: Path
) -> Connector:
    """A file export for ``file`` endpoints, a signed webhook for the others; a refusing
    connector for an endpoint the policy does not allow."""
    refused = refusal(ep, settings, data_dir)
    if refused is not None:
        return RefusedConnector(refused)
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
