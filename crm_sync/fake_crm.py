"""A fake CRM webhook receiver with injected faults, for tests, demos and the benchmark.

It behaves like a careful real receiver: it verifies the Standard Webhooks signature on
the raw body, dedupes on ``webhook-id`` (a repeated id is acknowledged, not processed
again) and keeps the highest lead ``version`` it has seen. A :class:`FaultPlan` decides
per request whether to misbehave: 500s, 429 with Retry-After, 410, slow answers (past
the client's timeout or not), garbage bodies, or "processed, then answered 500".
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import uvicorn
from aiohttp import web
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_sync import signing

Fault = Literal[
    "ok",
    "error500",
    "processed_then_500",
    "slow_timeout",
    "slow_ok",
    "garbage",
    "html502",
    "retry_after",
    "gone",
]


@dataclass
class FaultPlan:
    """Per-request faults drawn with fixed odds from a seeded RNG (deterministic order)."""

    odds: dict[Fault, float] = field(default_factory=dict)
    seed: int = 7
    slow_s: float = 2.0
    retry_after: str = "1"

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def pick(self) -> Fault:
        with self._lock:
            x = self._rng.random()
        acc = 0.0
        for fault, p in self.odds.items():
            acc += p
            if x < acc:
                return fault
        return "ok"


@dataclass
class FakeCrm:
    """The receiver's state; ``app`` is the ASGI app."""

    secret: str
    plan: FaultPlan = field(default_factory=FaultPlan)
    tolerance_s: int = 300
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    processed: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    rejected: int = 0
    requests: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    lead_versions: dict[int, int] = field(default_factory=dict)
    stale: int = 0
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)
    keep_bodies: bool = True

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    def _process(self, msg_id: str, payload: dict[str, Any]) -> bool:
        """Process once per webhook-id; returns False for a duplicate."""
        with self._lock:
            if msg_id in self.processed:
                self.duplicates += 1
                return False
            self.processed[msg_id] += 1
            if self.keep_bodies:
                self.bodies[msg_id] = payload
            data = payload.get("data") or {}
            lead_id, version = data.get("lead_id"), data.get("version")
            if isinstance(lead_id, int) and isinstance(version, int):
                if version < self.lead_versions.get(lead_id, 0):
                    self.stale += 1  # an older version arrived late: keep the newer one
                else:
                    self.lead_versions[lead_id] = version
            return True

    async def hook(self, request: Request) -> Response:
        """The Starlette endpoint (``app``)."""
        status, body, media_type, headers = await self.handle(request.headers, await request.body())
        return Response(body, status_code=status, media_type=media_type, headers=headers)

    async def handle(
        self, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes, str | None, dict[str, str]]:
        """One webhook request, independent of the web framework.

        ``headers`` must look names up case-insensitively. Returns (status, body,
        media type, extra headers).
        """
        with self._lock:
            self.requests += 1
        try:
            msg_id = signing.verify(
                self.secret, headers, body, now=self.now(), tolerance_s=self.tolerance_s
            )
        except signing.SignatureError:
            with self._lock:
                self.rejected += 1
            return 401, b'{"error":"bad signature"}', _JSON, {}
        fault = self.plan.pick()
        with self._lock:
            self.faults[fault] += 1
        if fault == "error500":
            return 500, b"boom", None, {}
        if fault == "html502":
            return 502, b"<html>bad gateway", "text/html", {}
        if fault == "retry_after":
            return 429, b"", None, {"retry-after": self.plan.retry_after}
        if fault == "gone":
            return 410, b"", None, {}
        payload = json.loads(body)
        if fault == "slow_ok":
            await asyncio.sleep(self.plan.slow_s / 10)
        self._process(msg_id, payload)
        if fault == "slow_timeout":
            await asyncio.sleep(self.plan.slow_s)
        if fault == "processed_then_500":
            return 500, b"late failure", None, {}
        if fault == "garbage":
            return 200, b"\x00\xff{not json", _JSON, {}
        return 200, b'{"ok":true}', _JSON, {}

    def aiohttp_app(self) -> web.Application:
        """The same receiver as an aiohttp application (C HTTP parser: about half the CPU
        per request of uvicorn with h11), for the benchmark's receiver process."""

        async def hook(request: web.Request) -> web.Response:
            status, body, media_type, headers = await self.handle(
                request.headers, await request.read()
            )
            resp = web.Response(status=status, body=body, headers=headers)
            if media_type:
                resp.content_type = media_type
            return resp

        app = web.Application()
        app.router.add_post("/hook", hook)
        return app


_JSON = "application/json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerThread:
    """Run an ASGI app with uvicorn on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,  # through the process's masking sink
            log_level="error",
            lifespan="off",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self, timeout_s: float = 10.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("receiver did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
