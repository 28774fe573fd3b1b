"""Run the simulated carrier in process (tests, demo) on 127.0.0.1 and a free port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from types import TracebackType

import uvicorn
from fastapi import FastAPI

from kernel.logs import UVICORN_LOGGING
from simulator.carrier import SimCarrier
from simulator.carrier_api import carrier_app


class AppServer:
    """A uvicorn server for ``app`` inside the running event loop."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port: int = self._sock.getsockname()[1]
        # its errors through the process's masking sink (the demo serves it in the app's process)
        config = uvicorn.Config(app, lifespan="off", ws="websockets-sansio", **UVICORN_LOGGING)
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_base_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sock.close()

    async def __aenter__(self) -> AppServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()


class SimulatorServer(AppServer):
    """The simulated carrier served over HTTP; ``base_url`` is the carrier API base URL."""

    def __init__(self, carrier: SimCarrier, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(carrier_app(carrier), host, port)
        self.carrier = carrier

    async def stop(self) -> None:
        await self.carrier.aclose()
        await super().stop()
