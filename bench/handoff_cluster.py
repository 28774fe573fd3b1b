"""Handoff offers across processes on PostgreSQL (run from the repo root).

python -m bench.handoff_cluster --n 30 [--pg postgresql://postgres@127.0.0.1:5432/postgres]

A fresh database; this process is the console (``HandoffService`` with one available
agent subscribed to the event bus, ``ConsoleBridge`` listening); a child process plays a
media worker (``WorkerLink``) that asks for an agent N times, one call after another,
and ends each call once acknowledged (the offer is withdrawn, the agent is free again).

- offer: the worker sends its request (wall clock, same machine) -> the offer event is on
  the agent's queue in the console process (NOTIFY, request row, routing, offer row);
- ack: the worker's ``route`` call, request sent -> the console's acknowledgement back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text


def _pct(xs: Sequence[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] if s else float("nan")


async def _worker(url: str, n: int) -> None:
    from dialogue.intent.scorer import HandoffRequest, Reason
    from handoff.live import LiveCallRegistry
    from handoff.remote_worker import WorkerLink
    from kernel.notify import Listener, Notifier

    link = WorkerLink(
        LiveCallRegistry(),
        Notifier(url),
        worker_id=f"bench-{uuid.uuid4().hex[:6]}",
        link_base_url="ws://127.0.0.1:9",
        secret="bench",
    )
    listener = Listener(url, [link.channel], link.on_message)
    listener.start()
    await listener.ready.wait()
    acks: list[float] = []

    async def feed(_event: object) -> None:
        return None

    for i in range(n):
        sid = f"CA-bench-{i}"
        req = HandoffRequest(
            call_sid=sid,
            customer_id=None,
            score=90.0,
            grade="A",
            reasons=(Reason("asked_human", "要求人工", "asked for a human"),),
            skill="wealth",
            state="offer",
            requested_at=datetime.now(UTC),
        )
        t0 = time.perf_counter()
        await link.route(req, feed)
        acks.append((time.perf_counter() - t0) * 1000)
        await link._send("ended", sid)  # the customer hangs up: the offer is withdrawn
        await asyncio.sleep(0.15)
    print(json.dumps({"ack_ms": acks}), flush=True)
    await listener.stop()


async def _console(url: str, n: int) -> tuple[list[float], list[float]]:
    from handoff.models import Agent, AgentSkill, User
    from handoff.remote_console import ConsoleBridge
    from handoff.state import build_console
    from handoff.wire import CONSOLE_CHANNEL
    from kernel.db import Database
    from kernel.notify import Listener, Notifier
    from kernel.settings import Settings

    settings = Settings(env="test", data_dir=Path(tempfile.mkdtemp()), database_url=url)
    db = Database(settings)
    with db.session() as s:
        user = User(username="ann", password_hash="x", role="agent")
        s.add(user)
        s.flush()
        s.add(Agent(user_id=user.id, status="available"))
        s.add(AgentSkill(user_id=user.id, skill="wealth"))
        agent_id = user.id
    console = build_console(settings, db)
    inbox = console.bus.subscribe(agent_id, "agent")
    bridge = ConsoleBridge(console.service, console.registry, Notifier(url), "bench")
    listener = Listener(url, [CONSOLE_CHANNEL], bridge.on_message)
    listener.start()
    await listener.ready.wait()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.handoff_cluster", "--worker", "--url", url, "--n", str(n)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
    )
    offers: list[float] = []
    while len(offers) < n:
        ev = await asyncio.wait_for(inbox.queue.get(), 60)
        if ev is not None and ev.kind == "offer":
            got = datetime.now(UTC)
            sent = datetime.fromisoformat(ev.payload["requested_at"])
            offers.append((got - sent).total_seconds() * 1000)
    out, _ = await asyncio.to_thread(child.communicate, None, 60)
    acks = json.loads(out.decode().strip().splitlines()[-1])["ack_ms"]
    await listener.stop()
    await bridge.close()
    await console.service.close()
    db.dispose()
    return offers, acks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument(
        "--pg",
        default=os.environ.get(
            "TAILCALL_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--url", default="")
    args = ap.parse_args()
    if args.worker:
        asyncio.run(_worker(args.url, args.n))
        return
    from tailcall.schema import metadata

    name = f"tc_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        args.pg.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    try:
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        metadata.create_all(eng)
        eng.dispose()
        offers, acks = asyncio.run(_console(url, args.n))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    table = Table(
        title=f"handoff across processes on PostgreSQL (n={args.n}, load {os.getloadavg()[0]:.1f})"
    )
    for col in ("measure", "p50 ms", "p95 ms", "max ms"):
        table.add_column(col)
    for label, xs in (
        ("request sent -> offer on the agent's queue", offers),
        ("worker's request -> console's ack", acks),
    ):
        table.add_row(label, f"{_pct(xs, 0.5):.1f}", f"{_pct(xs, 0.95):.1f}", f"{max(xs):.1f}")
    Console().print(table)


if __name__ == "__main__":
    main()
