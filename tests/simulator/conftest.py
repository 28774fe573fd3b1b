from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from kernel.clock import VirtualClock
from simulator.server import AppServer
from tests.simulator.fakebot import FakeBot


class CallbackSink:
    """The dialer's side of status callbacks: records each form it receives."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self.headers: list[dict[str, str]] = []
        self.app = FastAPI()

        @self.app.post("/status")
        async def status(request: Request) -> dict[str, str]:
            form = await request.form()
            self.received.append({k: str(v) for k, v in form.items()})
            self.headers.append(dict(request.headers))
            return {}

    def statuses(self, sid: str | None = None) -> list[str]:
        return [r["CallStatus"] for r in self.received if sid is None or r["CallSid"] == sid]

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://sink"
        )


async def run_virtual(
    clock: VirtualClock, until: Callable[[], Any], *, step: float = 0.1, limit_s: float = 600.0
) -> None:
    """Advance virtual time in steps, letting tasks run, until ``until()`` is true."""
    elapsed = 0.0
    while not until():
        if elapsed >= limit_s:
            raise TimeoutError(f"condition not met after {limit_s} virtual seconds")
        clock.advance(step)
        elapsed += step
        for _ in range(5):
            await asyncio.sleep(0)
        await asyncio.sleep(0.001)


@pytest.fixture
def sink() -> CallbackSink:
    return CallbackSink()


@pytest.fixture
async def bot() -> AsyncIterator[tuple[FakeBot, str]]:
    """A fake bot media endpoint on 127.0.0.1; yields (bot, ws url)."""
    fake = FakeBot()
    server = AppServer(fake.app)
    await server.start()
    try:
        yield fake, f"{server.ws_base_url}/media"
    finally:
        await server.stop()
