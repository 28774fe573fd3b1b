"""Signed webhook connector: one POST per event, Standard Webhooks headers, httpx.

Headers: ``webhook-id`` (the event id, stable across retries, so receivers dedupe on it),
``webhook-timestamp`` (this attempt), ``webhook-signature`` (``v1,<HMAC-SHA256>``), and
``Idempotency-Key`` (the event id again, for CRMs that use that convention). The body
carries the per-lead ``version`` so receivers can drop stale updates. Redirects are not
followed (a 3xx is a permanent failure: the endpoint's URL must be fixed).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import httpx

from crm_sync import signing
from crm_sync.backoff import Result
from crm_sync.connectors import EndpointInfo, OutboundEvent, public_payload
from tailcall.clock import Clock

USER_AGENT = "tailcall-crm-sync/1"


class WebhookConnector:
    def __init__(
        self,
        endpoint: EndpointInfo,
        clock: Clock,
        *,
        connect_timeout_s: float = 5.0,
        request_timeout_s: float = 15.0,
        concurrency: int = 32,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if not endpoint.url or not endpoint.secret:
            raise ValueError(f"webhook endpoint {endpoint.id} lacks a URL or secret")
        self.endpoint = endpoint
        self.url: str = endpoint.url
        self.secret: str = endpoint.secret
        self.clock = clock
        self.include_phone = bool(endpoint.config.get("include_phone", False))
        self._sem = asyncio.Semaphore(concurrency)
        timeout = httpx.Timeout(request_timeout_s, connect=connect_timeout_s)
        self._own_client = client is None
        self.client = client or httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            headers={"user-agent": USER_AGENT},
        )

    def body(self, event: OutboundEvent) -> bytes:
        payload = public_payload(event.payload, self.include_phone)
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()

    async def deliver(self, events: Sequence[OutboundEvent]) -> list[Result]:
        return list(await asyncio.gather(*(self._one(e) for e in events)))

    async def _one(self, event: OutboundEvent) -> Result:
        async with self._sem:
            body = self.body(event)
            ts = int(self.clock.now().timestamp())
            hdrs = signing.headers(self.secret, event.event_id, ts, body)
            hdrs["content-type"] = "application/json"
            hdrs["idempotency-key"] = event.event_id
            start = self.clock.monotonic()
            try:
                resp = await self.client.post(self.url, content=body, headers=hdrs)
            except httpx.TimeoutException:
                return Result(None, "timeout", duration_ms=self._ms(start))
            except httpx.ConnectError:
                return Result(None, "connection failed", duration_ms=self._ms(start))
            except httpx.HTTPError as exc:  # protocol errors, dropped connections, garbage
                return Result(None, type(exc).__name__, duration_ms=self._ms(start))
            return Result(
                resp.status_code,
                None,
                retry_after=resp.headers.get("retry-after"),
                duration_ms=self._ms(start),
            )

    def _ms(self, start: float) -> int:
        return int((self.clock.monotonic() - start) * 1000)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()
