"""Media workers: factory specs, listeners on one port, output pacing."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from pathlib import Path

import pytest

from dialogue.speech.media import OUT_LEAD_S, LeadingOutputTransport
from dialogue.speech.media_server import listen_socket, resolve_factory, reuseport_socket
from kernel.errors import InvalidInput


def test_factory_spec_errors_name_the_spec() -> None:
    for spec in ("nocolon", "dialogue.nope:x", "dialogue.speech.media_server:nothing_here", ":x"):
        with pytest.raises(InvalidInput) as exc:
            resolve_factory(spec)
        assert exc.value.where == spec
    assert resolve_factory("bench.speech:grammar_runtime").__name__ == "grammar_runtime"


def test_workers_share_one_port() -> None:
    a = reuseport_socket("127.0.0.1", 0)
    port = a.getsockname()[1]
    b = reuseport_socket("127.0.0.1", port)  # a second worker binds the same port
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
        assert b.getsockname()[1] == port
    finally:
        a.close()
        b.close()


def test_workers_accept_from_one_shared_socket(tmp_path: Path) -> None:
    """Two processes on the parent's socket: each gets calls, the ready file appears."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    sock = listen_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    procs = [ctx.Process(target=_accept_one, args=(sock, tmp_path / f"w{i}")) for i in range(2)]
    for p in procs:
        p.start()
    try:
        deadline = time.monotonic() + 60
        served: set[str] = set()
        while len(served) < 2 and time.monotonic() < deadline:  # (the workers start slowly)
            with socket.create_connection(("127.0.0.1", port), timeout=60) as c:
                served.add(c.recv(16).decode())
        assert served == {"w0", "w1"}  # a worker busy with a call leaves the next to the other
    finally:
        for p in procs:
            p.kill()
            p.join(5)
        sock.close()


def _accept_one(sock: socket.socket, path: Path) -> None:
    while True:
        conn, _ = sock.accept()
        conn.sendall(path.name.encode())
        conn.close()
        time.sleep(0.5)  # busy: the other worker takes the next connection


async def test_leading_output_sends_ahead_of_real_time_by_the_lead() -> None:
    out = LeadingOutputTransport.__new__(LeadingOutputTransport)
    out._send_interval = 0.1  # 100 ms chunks
    t0 = time.monotonic()
    sent = []
    for _ in range(6):
        await out._write_audio_sleep()
        sent.append(time.monotonic() - t0)
    # 0.6 s of audio: the first chunks go at once (OUT_LEAD_S ahead), then one per 100 ms
    assert sent[1] < 0.05
    assert abs(sent[-1] - (0.6 - OUT_LEAD_S)) < 0.05


async def test_busier_worker_stops_accepting_until_the_others_catch_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dialogue.speech import media
    from dialogue.speech.media_server import balance_accepts

    accepted: list[int] = []
    sock = listen_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = await asyncio.get_running_loop().create_server(lambda: _Count(accepted), sock=sock)
    loads = [-1, 3]  # this worker (0) and another serving 3 calls
    monkeypatch.setattr(media, "_active_calls", 4)
    balancer = asyncio.create_task(balance_accepts(sock, loads, 0, period_s=0.01))
    try:
        await asyncio.sleep(0.05)
        assert loads[0] == 4
        _, w = await asyncio.open_connection("127.0.0.1", port)  # waits in the backlog
        await asyncio.sleep(0.1)
        assert accepted == []
        loads[1] = -1  # the other worker died: nothing to wait for
        await asyncio.sleep(0.1)
        assert accepted == [1]
        w.close()
    finally:
        balancer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await balancer
        server.close()
    assert loads[0] == -1  # no longer serving


class _Count(asyncio.Protocol):
    def __init__(self, accepted: list[int]) -> None:
        accepted.append(1)
