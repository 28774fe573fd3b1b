"""Media workers: N processes serving the carrier's media websocket on one port.

One Python event loop carries about 20 grammar-mode calls; past that, calls go to more
processes. ``serve_media(workers=N)`` opens one listening socket and starts N worker
processes that all accept from it. Each process loads its own ``vosk.Model`` once (about
0.5 GB), warms up, and only then starts accepting, so no call lands on a cold process
(until one is warm, connections wait in the backlog). The workers balance their calls:
each publishes how many it serves (a shared array), and one serving more than the least
loaded worker stops accepting until that evens out, so new calls go to the others.
(``SO_REUSEPORT`` listeners, one per process, spread calls by connection hash: 20 calls
over two processes came out as uneven as 0.56/0.34 cores; a plain shared socket is
worse when idle, as the same process wins every accept race.) A worker that dies takes
only its own calls with it; the parent restarts it on the same socket.

The application is built in each worker by a *runtime factory* named ``module:function``:
a function without arguments that returns the ``SpeechRuntime`` (brain factory, recorder,
settings) of that process.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import multiprocessing
import signal
import socket
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from dialogue.speech.media import active_calls, media_router
from dialogue.speech.media_ws import MediaWebSocketProtocol
from dialogue.speech.pipeline import SpeechRuntime
from kernel.errors import InvalidInput
from kernel.logs import UVICORN_LOGGING, configure_logging

RuntimeFactory = Callable[[], SpeechRuntime]


def resolve_factory(spec: str) -> RuntimeFactory:
    """``package.module:function`` -> the function."""
    module, sep, attr = spec.partition(":")
    if not sep or not module or not attr:
        raise InvalidInput("runtime factory must look like 'module:function'", where=spec)
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise InvalidInput("runtime factory not found", where=spec) from exc
    if not callable(fn):
        raise InvalidInput("runtime factory is not callable", where=spec)
    factory: RuntimeFactory = fn
    return factory


def media_app(
    runtime: SpeechRuntime,
    *,
    languages: Sequence[str] = ("ko-KR",),
    prompts: Sequence[str] = (),
    voice: str = "ko",
) -> FastAPI:
    """A FastAPI app serving ``/media/{call_sid}``, warmed up before it takes calls."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await runtime.warm_up(languages, prompts, voice)
        yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(media_router(runtime))
    app.state.speech_runtime = runtime
    return app


def listen_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """A listening TCP socket for the media workers (``reuse_port``: one per process)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def reuseport_socket(host: str, port: int) -> socket.socket:
    return listen_socket(host, port, reuse_port=True)


def run_worker(
    host: str,
    port: int,
    factory_spec: str,
    languages: Sequence[str],
    sock: socket.socket | None = None,
    ready: Any = None,
    loads: Any = None,
    index: int = 0,
) -> None:
    """One media worker process: build the runtime, warm up, then accept on ``sock``
    (the parent's shared socket; without one, its own ``SO_REUSEPORT`` listener).
    ``ready`` (a ``multiprocessing.Event``) is set once warm; ``loads`` (a shared int
    array, -1 for a worker not serving) balances calls between workers."""

    # pipecat logs at DEBUG for every frame it is unsure about: per call, that costs CPU.
    configure_logging("WARNING")
    runtime = resolve_factory(factory_spec)()
    # Warm up before accepting, so no call lands on a cold process.
    asyncio.run(runtime.warm_up(languages))
    if ready is not None:
        ready.set()
    app = FastAPI()
    app.include_router(media_router(runtime))
    app.state.speech_runtime = runtime
    config = uvicorn.Config(
        app,
        lifespan="off",
        ws_ping_interval=None,
        ws=MediaWebSocketProtocol,  # no read pause and resume per 20 ms message
        ws_per_message_deflate=False,  # compressing 20 ms of mu-law costs CPU, saves nothing
        access_log=False,
        **UVICORN_LOGGING,
    )
    listener = sock if sock is not None else reuseport_socket(host, port)
    server = BalancedServer(config, loads, index) if loads is not None else uvicorn.Server(config)
    server.run(sockets=[listener])


class BalancedServer(uvicorn.Server):
    """uvicorn's server, accepting only while this worker is among the least loaded."""

    def __init__(self, config: uvicorn.Config, loads: Any, index: int) -> None:
        super().__init__(config)
        self._loads, self._index = loads, index
        self._balancer: asyncio.Task[None] | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if sockets:
            self._balancer = asyncio.create_task(
                balance_accepts(sockets[0], self._loads, self._index)
            )


async def balance_accepts(
    sock: socket.socket, loads: Any, index: int, period_s: float = 0.02
) -> None:
    """Publish this worker's call count in ``loads[index]`` and stop accepting from the
    shared ``sock`` while it serves more calls than the least loaded serving worker.

    Accepting is paused by taking the socket's reader off the event loop (asyncio has no
    public pause for a server); on a loop without a selector it only publishes."""

    loop = asyncio.get_running_loop()
    fd = sock.fileno()
    selector = getattr(loop, "_selector", None)
    reader: tuple[Any, tuple[Any, ...]] | None = None  # the loop's accept call, while paused
    try:
        while True:
            mine = active_calls()
            loads[index] = mine
            serving = [n for n in loads[:] if n >= 0]
            over = mine > min(serving, default=mine)
            if selector is not None and over and reader is None:
                key = selector.get_map().get(fd)
                if key is not None and key.data[0] is not None:  # serving: pause it
                    handle = key.data[0]
                    reader = (handle._callback, handle._args)  # cancelled on removal
                    loop.remove_reader(fd)
            elif reader is not None and not over:
                loop.add_reader(fd, reader[0], *reader[1])
                reader = None
            await asyncio.sleep(period_s)
    finally:
        loads[index] = -1


def serve_media(
    *,
    host: str,
    port: int,
    workers: int,
    factory_spec: str,
    languages: Sequence[str] = ("ko-KR",),
    restart: bool = True,
    ready_file: Path | None = None,
) -> None:
    """Run ``workers`` media worker processes on ``host:port`` until SIGINT/SIGTERM;
    ``ready_file`` is created once every first worker is warm and accepting."""
    if workers < 1:
        raise InvalidInput("workers must be at least 1", where="workers")
    resolve_factory(factory_spec)  # fail early, in the parent, on a bad spec
    ctx = multiprocessing.get_context("spawn")
    sock = listen_socket(host, port)
    args = (host, port, factory_spec, tuple(languages), sock)
    events = [ctx.Event() for _ in range(workers)]
    loads = ctx.Array("i", [-1] * workers)
    procs: list[Any] = [
        ctx.Process(target=run_worker, args=(*args, e, loads, i), daemon=False)
        for i, e in enumerate(events)
    ]
    for p in procs:
        p.start()
    stopping = False

    def stop(_sig: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True

    old = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            for i, p in enumerate(procs):
                if not p.is_alive() and restart and not stopping:
                    loads[i] = -1  # not serving: not a reason for the others to pause
                    procs[i] = ctx.Process(
                        target=run_worker, args=(*args, events[i], loads, i), daemon=False
                    )
                    procs[i].start()
            if ready_file is not None and all(e.is_set() for e in events):
                ready_file.touch()
                ready_file = None
            time.sleep(0.5)
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        deadline = time.monotonic() + 5
        for p in procs:
            p.join(max(0.1, deadline - time.monotonic()))
            if p.is_alive():  # a call's decode thread can hold it: no more waiting
                p.kill()
                p.join(5)
        for s, h in old.items():
            signal.signal(s, h)
        sock.close()
