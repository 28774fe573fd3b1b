from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm_sync import signing
from crm_sync.connectors import EndpointInfo, OutboundEvent
from crm_sync.fake_crm import ServerThread, free_port
from crm_sync.webhook import MAX_RESPONSE_BYTES, WebhookConnector
from kernel.clock import SystemClock


def _event(i: int = 1) -> OutboundEvent:
    payload = {
        "id": f"evt_{i}",
        "type": "lead.created",
        "timestamp": "t",
        "data": {"lead_id": i, "version": 3, "phone_e164": "+8613812345678"},
    }
    return OutboundEvent(i, f"evt_{i}", "lead.created", i, 3, payload, 2)


async def test_requests_are_signed_with_idempotency_key_and_no_full_phone(secret: str) -> None:
    seen: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: Request) -> JSONResponse:
        seen.append((dict(request.headers), await request.body()))
        return JSONResponse({}, status_code=202)

    server = ServerThread(Starlette(routes=[Route("/hook", hook, methods=["POST"])])).start()
    ep = EndpointInfo(1, "crm", "webhook", server.url, secret, {})
    conn = WebhookConnector(ep, SystemClock())
    try:
        [res] = await conn.deliver([_event()])
    finally:
        await conn.aclose()
        server.stop()
    assert res.status == 202
    headers, body = seen[0]
    assert headers["webhook-id"] == headers["idempotency-key"] == "evt_1"
    assert signing.verify(secret, headers, body, now=SystemClock().now()) == "evt_1"
    data = json.loads(body)["data"]
    assert data["version"] == 3 and "phone_e164" not in data


async def test_refused_connections_are_transient_errors(secret: str) -> None:
    ep = EndpointInfo(1, "crm", "webhook", f"http://127.0.0.1:{free_port()}/hook", secret, {})
    conn = WebhookConnector(ep, SystemClock(), connect_timeout_s=0.5)
    try:
        [res] = await conn.deliver([_event()])
    finally:
        await conn.aclose()
    assert res.status is None and res.error == "connection failed"


async def test_a_batch_reuses_a_bounded_pool_of_keep_alive_connections(secret: str) -> None:
    ports: list[int] = []

    async def hook(request: Request) -> JSONResponse:
        assert request.client is not None
        ports.append(request.client.port)
        await request.body()
        return JSONResponse({})

    server = ServerThread(Starlette(routes=[Route("/hook", hook, methods=["POST"])])).start()
    ep = EndpointInfo(1, "crm", "webhook", server.url, secret, {})
    conn = WebhookConnector(ep, SystemClock(), concurrency=3)
    try:
        first = await conn.deliver([_event(i) for i in range(30)])
        second = await conn.deliver([_event(i) for i in range(30, 40)])
    finally:
        await conn.aclose()
        server.stop()
    assert {r.status for r in first + second} == {200} and len(ports) == 40
    assert len(set(ports)) <= 3  # at most `concurrency` connections, reused across batches


async def test_a_huge_answer_still_counts_and_the_next_request_goes_through(
    secret: str,
) -> None:
    # past MAX_RESPONSE_BYTES the connection is dropped, not read on; with one
    # connection allowed, the second event must get a fresh one
    async def hook(request: Request) -> Response:
        await request.body()
        return Response(b"x" * (MAX_RESPONSE_BYTES * 4), status_code=200)

    server = ServerThread(Starlette(routes=[Route("/hook", hook, methods=["POST"])])).start()
    ep = EndpointInfo(1, "crm", "webhook", server.url, secret, {})
    conn = WebhookConnector(ep, SystemClock(), concurrency=1)
    try:
        results = await conn.deliver([_event(1), _event(2)])
    finally:
        await conn.aclose()
        server.stop()
    assert [r.status for r in results] == [200, 200]
