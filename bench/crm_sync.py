"""Benchmark: leads/s delivered by the CRM relay to a local signed-webhook receiver.

For each backend (SQLite file, PostgreSQL), in a fresh database:

1. drain: ``--leads`` outcomes are recorded first, then the relay delivers them all
   (``run(exit_when_done=True)``): leads/s, the relay's RSS sampled every 0.25 s
   (start / middle / end / peak, to show memory stays flat), request latency p50/p95
   (one signed POST, from the attempts table), CPU seconds of the relay and the receiver;
2. live (``--live-seconds``): a producer process records ``--rate`` outcomes/s while the
   relay runs; delivery latency p50/p95 is outcome committed -> CRM acknowledged
   (outbox ``created_at`` to delivery ``delivered_at``).

The receiver (crm_sync.fake_crm: verifies signatures, dedupes; on aiohttp by default,
``--receiver uvicorn`` for the Starlette app) runs in its own process on 127.0.0.1, the
producer in another, so neither competes with the relay's GIL. CPU seconds per lead of
the relay and of the receiver are printed because wall-clock rates on a shared machine
swing with other load; the relay's CPU per lead bounds what one relay core can do.
PostgreSQL uses a database ``bench_crm_sync`` created and dropped on ``--pg-url``'s
server (default: TAILCALL_TEST_PG_URL or postgres@127.0.0.1:5432); it is skipped when the
server is not reachable.

Usage: python bench/crm_sync.py --leads 5000 [--live-seconds 5 --rate 300]
       [--backends sqlite,pg] [--concurrency 16 --batch 200 --depth 2]
       [--receiver aiohttp|uvicorn]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_PG = os.environ.get("TAILCALL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BENCH_DB = "bench_crm_sync"


def serve_receiver(port: int, secret: str, kind: str) -> None:
    """The fake CRM (signature check, dedupe) on aiohttp (default) or uvicorn + Starlette."""
    from crm_sync.fake_crm import FakeCrm, ServerThread

    crm = FakeCrm(secret=secret, keep_bodies=False)

    def counts() -> dict[str, int]:
        return {
            "processed": len(crm.processed),
            "duplicates": crm.duplicates,
            "rejected": crm.rejected,
        }

    if kind == "uvicorn":
        from starlette.requests import Request
        from starlette.responses import JSONResponse

        async def stats(_request: Request) -> JSONResponse:
            return JSONResponse(counts())

        crm.app.add_route("/stats", stats)
        server = ServerThread(crm.app, port=port).start()
        print("ready", flush=True)
        sys.stdin.read()  # run until the parent closes our stdin
        server.stop()
        return

    from aiohttp import web

    app = crm.aiohttp_app()

    async def astats(_request: web.Request) -> web.Response:
        return web.json_response(counts())

    app.router.add_get("/stats", astats)

    async def serve() -> None:
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()

    asyncio.run(serve())


def _outcome(call_id: int, ended: datetime) -> Any:
    from crm_sync.outcomes import CallOutcome

    return CallOutcome(
        call_id=call_id,
        customer_id=call_id,
        phone_e164="+8613812345678",
        disposition="completed",
        grade="A",
        score=0.9,
        reasons=("rates",),
        branch="Gangnam",
        ended_at=ended,
    )


def _database(url: str, data_dir: Path) -> Any:
    import crm_sync.models  # noqa: F401
    import tailcall.schema  # noqa: F401  (every subsystem's tables)
    from kernel.db import Database
    from kernel.settings import Settings

    return Database(Settings(env="test", data_dir=data_dir, database_url=url))


def produce(url: str, data_dir: str, rate: float, seconds: float, first_id: int) -> None:
    """Record ``rate`` outcomes per second for ``seconds``, committing every 50 ms; each
    outcome's outbox ``created_at`` is the moment it was recorded."""
    from crm_sync.service import record_outcome
    from kernel.db import utcnow

    db = _database(url, Path(data_dir))
    n, call_id = 0, first_id
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        due = int(elapsed * rate) + 1
        if due > n:
            with db.session() as s:
                for _ in range(due - n):
                    now = utcnow()
                    record_outcome(s, _outcome(call_id, now), now=now)
                    call_id += 1
            n = due
        time.sleep(0.05)
    db.dispose()
    print(n, flush=True)


@dataclass
class Figures:
    values: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, value: str) -> None:
        self.values[key] = value


def _q(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


class Receiver:
    def __init__(self, secret: str, kind: str) -> None:
        from crm_sync.fake_crm import free_port

        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-receiver", str(self.port), secret, kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"
        import psutil

        self.ps = psutil.Process(self.proc.pid)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def cpu_s(self) -> float:
        t = self.ps.cpu_times()
        return float(t.user + t.system)

    def stats(self) -> dict[str, int]:
        import httpx

        data: dict[str, int] = httpx.get(f"http://127.0.0.1:{self.port}/stats").json()
        return data

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


class RssSampler:
    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process(os.getpid())
        self.samples: list[int] = []
        self.blocks: list[int] = []  # Python heap blocks: a leak grows these, caches don't
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._done.is_set():
            self.samples.append(self.proc.memory_info().rss)
            self.blocks.append(sys.getallocatedblocks())
            self._done.wait(0.25)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()
        self.samples.append(self.proc.memory_info().rss)
        self.blocks.append(sys.getallocatedblocks())


def bench_backend(label: str, url: str, args: argparse.Namespace) -> Figures:
    from sqlalchemy import select

    from crm_sync.models import Delivery, DeliveryAttempt, OutboxEvent
    from crm_sync.relay import Relay
    from crm_sync.schemas import EndpointIn
    from crm_sync.service import add_endpoint, record_outcome, sync_status
    from crm_sync.settings import CrmSettings
    from crm_sync.signing import new_secret
    from kernel.clock import SystemClock
    from kernel.db import Base

    fig = Figures()
    tmp = Path(tempfile.mkdtemp(prefix="bench-crm-"))
    db = _database(url, tmp)
    Base.metadata.create_all(db.engine)
    secret = new_secret()
    receiver = Receiver(secret, args.receiver)
    crm_settings = CrmSettings(
        _env_file=None,
        batch_size=args.batch,
        concurrency=args.concurrency,
        pipeline_depth=args.depth,
        idle_poll_s=0.05,
        allowed_hosts="127.0.0.1",  # the receiver's
    )
    try:
        with db.session() as s:
            add_endpoint(s, EndpointIn(name="crm", kind="webhook", url=receiver.url, secret=secret))
        ended = datetime.now(UTC)
        t0 = time.perf_counter()
        for start in range(0, args.leads, 500):
            with db.session() as s:
                for i in range(start, min(args.leads, start + 500)):
                    record_outcome(s, _outcome(i + 1, ended), now=ended)
        fig.add(
            "record_outcome rate (outbox written)",
            f"{args.leads / (time.perf_counter() - t0):,.0f} /s",
        )

        # 1. drain the backlog
        relay = Relay(db, crm_settings, SystemClock(), owner="bench")
        cpu0, rcpu0 = time.process_time(), receiver.cpu_s()
        with RssSampler() as rss:
            t1 = time.perf_counter()
            totals = asyncio.run(relay.run(exit_when_done=True))
            relay_s = time.perf_counter() - t1
        cpu, rcpu = time.process_time() - cpu0, receiver.cpu_s() - rcpu0
        st = receiver.stats()
        with db.read() as s:
            c = sync_status(s).connectors[0]
            durations = [float(x) for x in s.scalars(select(DeliveryAttempt.duration_ms))]
        mb = [b / 2**20 for b in rss.samples]
        fig.add("drain: leads delivered", f"{totals.delivered} of {args.leads}")
        fig.add("drain: relay wall time", f"{relay_s:.2f} s")
        fig.add("drain: leads delivered per second", f"{totals.delivered / relay_s:,.0f} /s")
        fig.add(
            "drain: request latency p50 / p95",
            f"{_q(durations, 50):.0f} / {_q(durations, 95):.0f} ms",
        )
        fig.add(
            "drain: relay RSS start / middle / end",
            f"{mb[0]:.1f} / {mb[len(mb) // 2]:.1f} / {mb[-1]:.1f} MB",
        )
        fig.add("drain: relay RSS peak", f"{max(mb):.1f} MB ({len(mb)} samples)")
        kb = [b / 1000 for b in rss.blocks]
        fig.add(
            "drain: Python heap blocks start / middle / end",
            f"{kb[0]:.0f}k / {kb[len(kb) // 2]:.0f}k / {kb[-1]:.0f}k",
        )
        fig.add(
            "drain: CPU per lead, relay / receiver",
            f"{cpu / args.leads * 1000:.2f} / {rcpu / args.leads * 1000:.2f} ms",
        )
        fig.add(
            "receiver processed / dup / rejected",
            f"{st['processed']} / {st['duplicates']} / {st['rejected']}",
        )
        fig.add(
            "status delivered/pending/failed/dead", f"{c.delivered}/{c.pending}/{c.failed}/{c.dead}"
        )

        # 2. live: outcomes arrive while the relay runs
        if args.live_seconds > 0:
            with db.read() as s:
                last_outbox = (
                    s.scalar(select(OutboxEvent.id).order_by(OutboxEvent.id.desc()).limit(1)) or 0
                )
            relay = Relay(db, crm_settings, SystemClock(), owner="bench-live")

            async def live() -> int:
                stop = asyncio.Event()
                runner = asyncio.create_task(relay.run(stop))
                producer = await asyncio.create_subprocess_exec(
                    sys.executable,
                    __file__,
                    "--produce",
                    db.settings.resolved_database_url,
                    str(tmp),
                    str(args.rate),
                    str(args.live_seconds),
                    str(args.leads + 1),
                    stdout=asyncio.subprocess.PIPE,
                )
                out, _ = await producer.communicate()
                while await asyncio.to_thread(relay.remaining) > 0:
                    await asyncio.sleep(0.05)
                stop.set()
                await runner
                return int(out.decode().strip() or 0)

            produced = asyncio.run(live())
            with db.read() as s:
                rows = s.execute(
                    select(OutboxEvent.created_at, Delivery.delivered_at)
                    .join(Delivery, Delivery.outbox_id == OutboxEvent.id)
                    .where(OutboxEvent.id > last_outbox, Delivery.state == "delivered")
                ).all()
            lat = [(d - c).total_seconds() * 1000 for c, d in rows]
            fig.add("live: produced / delivered", f"{produced} / {len(rows)} at {args.rate:g}/s")
            fig.add("live: delivery latency p50 / p95", f"{_q(lat, 50):.0f} / {_q(lat, 95):.0f} ms")
    finally:
        receiver.close()
        db.dispose()
    return fig


def _pg_database(admin_url: str, create: bool) -> str | None:
    from sqlalchemy import create_engine, text

    eng = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    try:
        with eng.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
            if create:
                c.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    except Exception as exc:  # no server: skip the backend
        print(f"PostgreSQL skipped: {type(exc).__name__}", file=sys.stderr)
        return None
    finally:
        eng.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{BENCH_DB}"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--leads", type=int, default=5000, help="backlog size for the drain")
    ap.add_argument("--live-seconds", type=float, default=4.0, help="0 skips the live phase")
    ap.add_argument("--rate", type=float, default=100.0, help="outcomes/s in the live phase")
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--depth", type=int, default=2, help="pipelined batches in flight")
    ap.add_argument("--backends", default="sqlite,pg")
    ap.add_argument("--pg-url", default=DEFAULT_PG, help="server to create the bench database on")
    ap.add_argument("--receiver", choices=("aiohttp", "uvicorn"), default="aiohttp")
    ap.add_argument("--serve-receiver", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--produce", nargs=5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_receiver:
        port, secret, kind = args.serve_receiver
        serve_receiver(int(port), secret, kind)
        return
    if args.produce:
        url, data_dir, rate, seconds, first = args.produce
        produce(url, data_dir, float(rate), float(seconds), int(first))
        return

    from rich.console import Console
    from rich.table import Table

    results: dict[str, Figures] = {}
    for backend in args.backends.split(","):
        if backend == "sqlite":
            results["SQLite"] = bench_backend("SQLite", "", args)
        elif backend == "pg":
            url = _pg_database(args.pg_url, create=True)
            if url is not None:
                try:
                    results["PostgreSQL"] = bench_backend("PostgreSQL", url, args)
                finally:
                    _pg_database(args.pg_url, create=False)
        else:
            raise SystemExit(f"unknown backend {backend!r}")

    table = Table(
        title=(
            f"CRM relay -> signed webhook on 127.0.0.1: batch {args.batch}, "
            f"concurrency {args.concurrency}, pipeline depth {args.depth}, "
            f"{args.receiver} receiver"
        )
    )
    table.add_column("measure")
    for name in results:
        table.add_column(name, justify="right")
    keys = list(dict.fromkeys(k for f in results.values() for k in f.values))
    for k in keys:
        table.add_row(k, *(f.values.get(k, "") for f in results.values()))
    Console().print(table)


if __name__ == "__main__":
    main()
