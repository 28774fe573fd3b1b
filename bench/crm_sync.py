"""Benchmark: leads/s delivered by the CRM relay to a local signed-webhook receiver.

The receiver (crm_sync.fake_crm: verifies signatures, dedupes) runs in its own process
on 127.0.0.1; the relay runs here, its RSS sampled every 0.25 s to show memory stays
flat. Usage: python bench/crm_sync.py --leads 5000 [--pg-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def serve_receiver(port: int, secret: str) -> None:
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    from crm_sync.fake_crm import FakeCrm, ServerThread

    crm = FakeCrm(secret=secret, keep_bodies=False)

    async def stats(_request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "processed": len(crm.processed),
                "duplicates": crm.duplicates,
                "rejected": crm.rejected,
            }
        )

    crm.app.add_route("/stats", stats)
    server = ServerThread(crm.app, port=port).start()
    print("ready", flush=True)
    sys.stdin.read()  # run until the parent closes our stdin
    server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--leads", type=int, default=5000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--pg-url", default="", help="PostgreSQL URL (default: a temp SQLite file)")
    ap.add_argument("--serve-receiver", nargs=2, metavar=("PORT", "SECRET"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_receiver:
        serve_receiver(int(args.serve_receiver[0]), args.serve_receiver[1])
        return

    import httpx
    import psutil
    from rich.console import Console
    from rich.table import Table

    import crm_sync.models  # noqa: F401
    from crm_sync.fake_crm import free_port
    from crm_sync.outcomes import CallOutcome
    from crm_sync.relay import Relay
    from crm_sync.schemas import EndpointIn
    from crm_sync.service import add_endpoint, record_outcome, sync_status
    from crm_sync.settings import CrmSettings
    from crm_sync.signing import new_secret
    from tailcall.clock import SystemClock
    from tailcall.db import Base, Database, load_models
    from tailcall.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-crm-"))
    settings = Settings(env="test", data_dir=tmp, database_url=args.pg_url)
    db = Database(settings)
    load_models()
    Base.metadata.drop_all(db.engine) if args.pg_url else None
    Base.metadata.create_all(db.engine)

    secret, port = new_secret(), free_port()
    receiver = subprocess.Popen(
        [sys.executable, __file__, "--serve-receiver", str(port), secret],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receiver.stdout is not None and receiver.stdout.readline().strip() == "ready"

    t0 = time.perf_counter()
    ended = datetime.now(UTC)
    with db.session() as s:
        add_endpoint(
            s,
            EndpointIn(
                name="crm",
                kind="webhook",
                url=f"http://127.0.0.1:{port}/hook",
                secret=secret,
            ),
        )
    for start in range(0, args.leads, 500):
        with db.session() as s:
            for i in range(start, min(args.leads, start + 500)):
                record_outcome(
                    s,
                    CallOutcome(
                        call_id=i + 1,
                        customer_id=i + 1,
                        phone_e164="+8613812345678",
                        disposition="completed",
                        grade="A",
                        score=0.9,
                        reasons=("rates",),
                        branch="Gangnam",
                        ended_at=ended,
                    ),
                    now=ended,
                )
    record_s = time.perf_counter() - t0

    proc = psutil.Process(os.getpid())
    samples: list[tuple[float, int]] = []
    done = threading.Event()

    def sample() -> None:
        start = time.perf_counter()
        while not done.is_set():
            samples.append((time.perf_counter() - start, proc.memory_info().rss))
            done.wait(0.25)

    crm_settings = CrmSettings(
        _env_file=None,
        batch_size=args.batch,
        concurrency=args.concurrency,  # type: ignore[call-arg]
        idle_poll_s=0.05,
    )
    relay = Relay(db, crm_settings, SystemClock(), owner="bench")
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t1 = time.perf_counter()
    totals = asyncio.run(relay.run(exit_when_done=True))
    relay_s = time.perf_counter() - t1
    done.set()
    sampler.join()

    stats = httpx.get(f"http://127.0.0.1:{port}/stats").json()
    receiver.stdin.close()  # type: ignore[union-attr]
    receiver.wait(timeout=10)
    with db.read() as s:
        st = sync_status(s).connectors[0]
    db.dispose()

    mb = [rss / 2**20 for _, rss in samples]
    third = max(1, len(mb) // 3)
    backend = "PostgreSQL" if args.pg_url else "SQLite"
    table = Table(title=f"CRM relay -> signed webhook on 127.0.0.1 ({backend})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        ("leads recorded (outbox written)", f"{args.leads}"),
        ("record_outcome rate", f"{args.leads / record_s:,.0f} /s"),
        ("delivered (relay)", f"{totals.delivered}"),
        (
            "receiver processed / duplicates / rejected",
            f"{stats['processed']} / {stats['duplicates']} / {stats['rejected']}",
        ),
        (
            "status delivered / pending / failed / dead",
            f"{st.delivered} / {st.pending} / {st.failed} / {st.dead}",
        ),
        ("relay wall time", f"{relay_s:.2f} s"),
        ("leads delivered per second", f"{totals.delivered / relay_s:,.0f} /s"),
        ("relay RSS first third (mean MB)", f"{sum(mb[:third]) / third:.1f}"),
        ("relay RSS last third (mean MB)", f"{sum(mb[-third:]) / third:.1f}"),
        ("relay RSS peak (MB)", f"{max(mb):.1f}"),
        ("RSS samples", f"{len(mb)} every 0.25 s"),
    ]
    for k, v in rows:
        table.add_row(k, v)
    Console().print(table)


if __name__ == "__main__":
    main()
