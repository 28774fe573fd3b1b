"""Chaos: kill -9 a dialer process mid-campaign against the simulator, restart, audit.

A dialer process (``python -m dialer.campaigns.cli --role dialer``) dials through the
simulator's carrier (``simulator.carrier.SimCarrier`` served on 127.0.0.1, with the
dialer's real ``/carrier/status`` route mounted beside it). It is SIGKILLed while the
carrier is slow to answer one of its create-call requests (``stall_creates``: calls in
flight, one placed but unacknowledged); two replacements share the same PostgreSQL.
Afterwards: every attempt is accounted for, every call the carrier placed belongs to
exactly one attempt, no customer was dialed more than the rules allow, and the
concurrency cap held at the carrier.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.api import carrier_router
from dialer.campaigns.models import Attempt
from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.retries import RetryPolicy, RetryRule
from dialer.campaigns.windows import CallingWindow
from kernel.actors import Actor
from kernel.clock import SystemClock
from kernel.db import Database
from simulator.calls import CarrierTiming
from simulator.carrier import SimCarrier
from simulator.lines import AnswerWithoutMedia, Busy, LineBehaviour, NoAnswer, StaticLinePlan
from simulator.server import SimulatorServer
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

N = 60
MAX_CONCURRENT = 5
MAX_DIALS = 3  # busy: 1 + 2 retries; also the per-day cap below
OUTCOMES = ["busy", "no-answer", "answered", "answered"]
LINES: dict[str, LineBehaviour] = {
    "busy": Busy(after_s=0.1),
    "no-answer": NoAnswer(),  # rings out the carrier's default timeout below
    "answered": AnswerWithoutMedia(ring_s=0.1, talk_s=0.4),
}


def _outcome(to: str) -> str:
    return OUTCOMES[int(to[-4:]) % len(OUTCOMES)]


class CarrierThread:
    """The simulator's server on its own event loop in a thread (the test is sync)."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self.server.base_url

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dialer.campaigns.cli", "--role", "dialer"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.pg
@pytest.mark.chaos
@pytest.mark.timeout(240)
def test_kill_9_a_dialer_mid_campaign(pg_db: Database, pg_url: str, tmp_path: Path) -> None:
    plan = StaticLinePlan()
    with pg_db.session() as s:
        customers = add_customers(s, N, tz="UTC")
        for cust in customers:
            plan.set(cust.phone_e164, LINES[_outcome(cust.phone_e164)])
        cl = add_list(s, customers)
    carrier = SimCarrier(
        clock=SystemClock(),
        line_plan=plan,
        timing=CarrierTiming(initiate_s=(0.02, 0.05), post_dial_s=(0.05, 0.1), default_timeout_s=1),
    )
    server = SimulatorServer(carrier)
    app: FastAPI = server.app
    app.state.db = pg_db
    app.state.settings = pg_db.settings
    app.state.dialer_settings = fast_settings()
    app.include_router(carrier_router)
    callbacks: Counter[int] = Counter()  # HTTP status of each callback the route answered

    @app.middleware("http")
    async def count_callbacks(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.url.path == "/carrier/status":
            callbacks[response.status_code] += 1
        return response

    runner = CarrierThread(server)
    url = runner.start()

    now = datetime.now(UTC)
    window = CallingWindow(
        weekdays=list(range(7)), hours=[(dtime(0), dtime(23, 59, 59))], holiday_calendar=None
    )
    retry = RetryPolicy(
        rules={
            "busy": RetryRule(max_retries=2, delay_minutes=0.02),
            "no_answer": RetryRule(max_retries=1, delay_minutes=0.02),
        }
    )
    ds = fast_settings(max_attempts_per_day=MAX_DIALS)
    with pg_db.session() as s:
        spec = make_spec(
            [cl.id],
            window=window,
            retry=retry,
            pacing=PacingConfig(max_concurrent=MAX_CONCURRENT, calls_per_second=20),
        )
        cid = service.create_campaign(s, spec, now, by=Actor.system("test")).id
        service.start_campaign(s, cid, now, ds, "UTC", by=Actor.system("test"))

    env = dict(os.environ)
    env.update(
        {
            "TAILCALL_ENV": "test",
            "TAILCALL_DATABASE_URL": pg_url,
            "TAILCALL_DATA_DIR": str(tmp_path),
            "TAILCALL_PUBLIC_BASE_URL": url,
            "TAILCALL_DIALER_CARRIER_BASE_URL": url,
            "TAILCALL_DIALER_LEASE_S": "3",
            "TAILCALL_DIALER_CARRIER_TIMEOUT_S": "1",
            "TAILCALL_DIALER_RING_TIMEOUT_S": "6",
            "TAILCALL_DIALER_MAX_CALL_S": "10",
            "TAILCALL_DIALER_POLL_S": "0.1",
            "TAILCALL_DIALER_HEARTBEAT_S": "0.5",
            "TAILCALL_DIALER_STALE_WORKER_S": "3",
            "TAILCALL_DIALER_REVIEW_AFTER_S": "60",
            "TAILCALL_DIALER_MAX_ATTEMPTS_PER_DAY": str(MAX_DIALS),
            "TAILCALL_DIALER_LINES": "50",
            "TAILCALL_DIALER_CALLS_PER_SECOND": "50",
            "PYTHONPATH": str(Path.cwd()),
        }
    )
    log = tmp_path / "dialers.log"
    stall = carrier.stall_creates(nth=25, hold_s=2.0)
    procs = [_spawn(env, log)]
    try:
        # The only dialer is killed while the carrier holds its 25th originate request:
        # the call exists at the carrier, the dialer never learned its sid.
        assert stall.reached.wait(60), log.read_text()[-3000:]
        os.kill(procs[0].pid, signal.SIGKILL)
        procs[0].wait()
        procs += [_spawn(env, log), _spawn(env, log)]

        deadline = time.time() + 150
        while time.time() < deadline:
            with pg_db.read() as s:
                status = service.get_campaign(s, cid).status
            if status == "completed":
                break
            time.sleep(0.5)
        with pg_db.read() as s:
            attempts = s.scalars(select(Attempt).where(Attempt.campaign_id == cid)).all()
            counts = Counter(a.status for a in attempts)
        assert status == "completed", (counts, log.read_text()[-3000:])
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        runner.stop()

    # Every attempt is accounted for: nothing queued, live or in review.
    assert set(counts) <= {"ended", "skipped"}, counts
    # Every customer's chain ends in a final outcome.
    by_customer: dict[int, list[Attempt]] = {}
    for a in attempts:
        by_customer.setdefault(a.customer_id, []).append(a)
    assert len(by_customer) == N
    for chain in by_customer.values():
        last = max(chain, key=lambda a: a.seq)
        assert last.status in ("ended", "skipped") and last.next_retry_at is None
    # Every call the carrier placed belongs to exactly one attempt, and vice versa.
    sids = [a.carrier_sid for a in attempts if a.carrier_sid]
    assert len(sids) == len(set(sids))
    assert set(sids) == set(carrier.calls)
    # The call placed just before the crash was adopted, not redialed.
    trapped = [a for a in attempts if a.carrier_sid == stall.sid]
    assert len(trapped) == 1 and trapped[0].status == "ended"
    # No customer was dialed more than the rules allow.
    per_number = Counter(c.to for c in carrier.calls.values())
    for to, n in per_number.items():
        allowed = {"busy": 3, "no-answer": 2}.get(_outcome(to), 1)
        assert n <= allowed, (to[-4:], n)
    assert len(per_number) == N
    # No cap exceeded: concurrent calls at the carrier never passed the campaign's cap.
    if carrier.max_active > MAX_CONCURRENT:
        by_sid = {a.carrier_sid: a for a in attempts}
        for c in sorted(carrier.calls.values(), key=lambda c: c.history[0].mono):
            a_ = by_sid.get(c.sid)
            print(
                f"{c.history[0].mono:.3f} {c.ended_mono or 0:.3f} {c.to[-4:]} "
                f"{[h.status for h in c.history]} "
                f"{a_ and (a_.id, a_.seq, a_.dialed_at, a_.ended_at, a_.outcome, a_.end_reason)}"
            )
    assert carrier.max_active <= MAX_CONCURRENT
    # A human answered at most once per customer (connected cap).
    answered = Counter(a.customer_id for a in attempts if a.outcome == "answered")
    assert max(answered.values()) == 1
    # The carrier's status callbacks reached the dialer's route and were all accepted.
    sent = sum(len(c.callbacks_sent) for c in carrier.calls.values())
    assert set(callbacks) == {204} and callbacks[204] == sent > 0, (callbacks, sent)
