from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_sync.backoff import Result
from crm_sync.connectors import OutboundEvent
from crm_sync.fake_crm import FakeCrm, FaultPlan, ServerThread, free_port
from crm_sync.models import DeadLetter, Delivery, DeliveryAttempt, Endpoint, Lead
from crm_sync.relay import Relay
from crm_sync.schemas import EndpointIn
from crm_sync.service import add_endpoint, record_outcome, replay_dead_letters, sync_status
from kernel.clock import Clock, SystemClock, VirtualClock
from kernel.db import Database
from tests.crm_sync.conftest import T0, fast_settings, outcome


class ScriptedConnector:
    """A connector whose answers come from a function of (event, attempt number)."""

    def __init__(self, answer: Callable[[OutboundEvent], Result]) -> None:
        self.answer = answer
        self.seen: list[tuple[str, int]] = []

    async def deliver(self, events: Sequence[OutboundEvent]) -> list[Result]:
        self.seen.extend((e.event_id, e.attempt_no) for e in events)
        return [self.answer(e) for e in events]

    async def aclose(self) -> None:
        return None


def _setup(
    db: Database, n: int = 1, url: str = "http://127.0.0.1:9/hook", secret: str | None = None
) -> int:
    with db.session() as s:
        ep = add_endpoint(s, EndpointIn(name="crm", kind="webhook", url=url, secret=secret))
        for i in range(n):
            record_outcome(s, outcome(i + 1), now=T0)
        return ep.id


def _relay(
    db: Database, clock: Clock, conn: ScriptedConnector | None = None, **kw: object
) -> Relay:
    settings = fast_settings(
        retry_base_s=10, retry_cap_s=6 * 3600, retry_give_up_s=3 * 86400, lease_s=60, **kw
    )
    factory = (lambda _ep: conn) if conn is not None else None
    return Relay(
        db,
        settings,
        clock,
        owner="r1",
        connector_factory=factory,
        rng=random.Random(3),
    )


def _delivery(db: Database) -> Delivery:
    with db.read() as s:
        return s.scalars(select(Delivery)).one()


async def test_backoff_schedule_on_virtual_time_then_dead_after_days(db: Database) -> None:
    _setup(db)
    clock = VirtualClock(T0)
    conn = ScriptedConnector(lambda e: Result(503))
    relay = _relay(db, clock, conn)
    waits: list[float] = []
    while True:
        await relay.run_once()
        d = _delivery(db)
        if d.state == "dead":
            break
        assert d.state == "failed"
        wait = (d.next_attempt_at - clock.now()).total_seconds()
        ceiling = min(6 * 3600, 10 * 2 ** (d.attempts - 1))
        assert 0 <= wait <= ceiling + 1e-6
        waits.append(wait)
        clock.set(d.next_attempt_at)
    total = clock.now() - T0
    assert timedelta(days=2) < total <= timedelta(days=3)
    assert len(waits) > 10 and max(waits) > 3600  # backoff grew to hours
    assert [n for _, n in conn.seen] == list(range(1, len(conn.seen) + 1))
    with db.read() as s:
        [dl] = s.scalars(select(DeadLetter)).all()
        assert "gave up" in dl.reason and dl.last_status == 503
        assert len(s.scalars(select(DeliveryAttempt)).all()) == len(conn.seen)


async def test_retry_after_is_honoured(db: Database) -> None:
    _setup(db)
    clock = VirtualClock(T0)
    conn = ScriptedConnector(lambda e: Result(429, retry_after="Mon, 05 Jan 2026 09:10:00 GMT"))
    await _relay(db, clock, conn).run_once()
    assert _delivery(db).next_attempt_at == T0 + timedelta(minutes=10)


async def test_permanent_4xx_goes_dead_after_three_tries_and_replays(db: Database) -> None:
    _setup(db)
    clock = VirtualClock(T0)
    answers = {"code": 422}
    conn = ScriptedConnector(lambda e: Result(answers["code"]))
    relay = _relay(db, clock, conn)
    for _ in range(3):
        await relay.run_once()
        clock.set(_delivery(db).next_attempt_at)
    assert _delivery(db).state == "dead" and len(conn.seen) == 3
    with db.read() as s:
        st = sync_status(s)
    assert (st.connectors[0].dead, st.connectors[0].pending) == (1, 0)
    with db.session() as s:
        assert replay_dead_letters(s, None, now=clock.now()) == 1
    answers["code"] = 200
    await relay.run_once()
    d = _delivery(db)
    assert d.state == "delivered" and d.attempts == 1
    with db.read() as s:
        assert s.scalars(select(Lead)).one().status == "sent"


async def test_410_disables_the_endpoint_and_keeps_the_events(db: Database) -> None:
    _setup(db, n=3)
    clock = VirtualClock(T0)
    conn = ScriptedConnector(lambda e: Result(410))
    relay = _relay(db, clock, conn)
    await relay.run_once()
    clock.advance(3600)
    await relay.run_once()
    assert len(conn.seen) == 3  # nothing claimed once disabled
    with db.read() as s:
        ep = s.scalars(select(Endpoint)).one()
        assert not ep.enabled and "410" in (ep.disabled_reason or "")
        assert {d.state for d in s.scalars(select(Delivery))} == {"failed"}
    assert relay.remaining() == 0  # a disabled endpoint's deliveries wait


async def test_a_relay_whose_lease_expired_cannot_overwrite_the_new_owner(db: Database) -> None:
    _setup(db)
    clock = VirtualClock(T0)
    slow = _relay(db, clock, ScriptedConnector(lambda e: Result(500)))
    slow.fan_out()
    batch = slow.claim_due()
    assert len(batch) == 1
    clock.advance(61)  # slow relay's lease runs out mid-delivery
    fast = _relay(db, clock, ScriptedConnector(lambda e: Result(200)))
    fast.owner = "r2"
    await fast.run_once()
    from crm_sync.relay import CycleStats

    stats = CycleStats()
    slow.record([(ep, ev, Result(500)) for ep, ev in batch], stats)
    assert stats.fenced == 1
    assert _delivery(db).state == "delivered"


async def test_file_and_webhook_endpoints_both_get_every_event(db: Database) -> None:
    _setup(db, n=5)
    out = db.settings.data_dir / "exports" / "out"
    with db.session() as s:
        add_endpoint(s, EndpointIn(name="files", kind="file", config={"directory": str(out)}))
    clock = VirtualClock(T0)
    ok = ScriptedConnector(lambda e: Result(204))
    settings = fast_settings(lease_s=60)
    real = Relay(db, settings, clock, owner="r")
    relay = Relay(
        db,
        settings,
        clock,
        owner="r",
        connector_factory=lambda ep: ok if ep.kind == "webhook" else real._default_connector(ep),
    )
    await relay.run_once()
    with db.read() as s:
        st = sync_status(s)
    # events recorded before the file endpoint existed go to both (fan-out is lazy)
    assert [(c.name, c.delivered) for c in st.connectors] == [("crm", 5), ("files", 5)]
    files = sorted(p.name for p in (out / "2026-01-05").iterdir())
    assert len(files) == 2 and files[0].endswith(".csv") and files[1].endswith(".jsonl")


async def test_every_lead_delivered_through_faults_and_processed_once(
    db: Database, secret: str
) -> None:
    """A real receiver on 127.0.0.1: refused first, then 500s, timeouts, slow, garbage, 429."""
    n = 60
    port = free_port()
    _setup(db, n=n, url=f"http://127.0.0.1:{port}/hook", secret=secret)
    plan = FaultPlan(
        odds={
            "error500": 0.12,
            "html502": 0.05,
            "processed_then_500": 0.08,
            "slow_timeout": 0.06,
            "slow_ok": 0.08,
            "garbage": 0.1,
            "retry_after": 0.06,
        },
        seed=11,
        slow_s=1.2,
        retry_after="1",
    )
    crm = FakeCrm(secret=secret, plan=plan)
    relay = Relay(db, fast_settings(), SystemClock(), owner="r")
    # Nothing listens yet: connections are refused and retried.
    stats = await relay.run_once()
    assert stats.retried == 50 and stats.delivered == 0  # one batch
    server = ServerThread(crm.app, port=port).start()
    try:
        await asyncio.wait_for(relay.run(exit_when_done=True), timeout=60)
    finally:
        server.stop()
    with db.read() as s:
        st = sync_status(s)
        leads = s.scalars(select(Lead)).all()
        errors = {a.error for a in s.scalars(select(DeliveryAttempt)) if a.error}
    c = st.connectors[0]
    assert (c.delivered, c.pending, c.failed, c.dead) == (n, 0, 0, 0)
    assert len(crm.processed) == n and set(crm.processed.values()) == {1}
    assert crm.rejected == 0
    assert crm.duplicates > 0  # timeouts and late 500s were retried and deduped
    assert {x.status for x in leads} == {"sent"}
    assert {"connection failed", "timeout"} <= errors
    for f in ("error500", "slow_timeout", "garbage", "retry_after", "processed_then_500"):
        assert crm.faults[f] > 0, f


async def test_a_late_result_from_its_own_expired_claim_is_fenced(db: Database) -> None:
    """A relay that claims its own rows again (lease expired mid-send) records only the
    newer claim's result: the lease end identifies the claim."""
    _setup(db)
    clock = VirtualClock(T0)
    relay = _relay(db, clock, ScriptedConnector(lambda e: Result(200)))
    _, first = relay.claim_next()
    assert [ev.lease_until for _, ev in first] == [T0 + timedelta(seconds=60)]
    clock.advance(61)
    _, second = relay.claim_next()
    assert [ev.delivery_id for _, ev in second] == [ev.delivery_id for _, ev in first]
    from crm_sync.relay import CycleStats

    stale, fresh = CycleStats(), CycleStats()
    relay.record([(ep, ev, Result(500)) for ep, ev in first], stale)
    relay.record([(ep, ev, Result(200)) for ep, ev in second], fresh)
    assert (stale.fenced, fresh.fenced, fresh.delivered) == (1, 0, 1)
    d = _delivery(db)
    assert (d.state, d.attempts, d.lease_owner) == ("delivered", 1, None)


async def test_fan_out_keeps_pace_with_claims(db: Database) -> None:
    """Events are fanned out only when fewer than a batch are due, oldest first."""
    _setup(db, n=120)  # batch_size 50
    relay = _relay(db, VirtualClock(T0), ScriptedConnector(lambda e: Result(200)))
    dispatched, batch = relay.claim_next()
    assert (dispatched, len(batch)) == (50, 50)
    with db.read() as s:
        assert len(s.scalars(select(Delivery)).all()) == 50
    dispatched, batch2 = relay.claim_next()  # the first 50 are leased: fan out 50 more
    assert (dispatched, len(batch2)) == (50, 50)
    leads = [ev.lead_id or 0 for _, ev in batch + batch2]
    assert leads == sorted(leads) and len(set(leads)) == 100


class SlowConnector:
    """Answers 200 after a delay; counts how many batches are in flight at once."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.active = 0
        self.max_active = 0
        self.sent: list[str] = []

    async def deliver(self, events: Sequence[OutboundEvent]) -> list[Result]:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(self.delay_s)
            self.sent.extend(e.event_id for e in events)
            return [Result(200) for _ in events]
        finally:
            self.active -= 1

    async def aclose(self) -> None:
        return None


async def test_run_pipelines_batches_and_records_them_all_on_stop(db: Database) -> None:
    n = 300
    _setup(db, n=n)
    conn = SlowConnector(
        0.3
    )  # long enough that claiming the next batch overlaps, even on a busy machine
    settings = fast_settings(batch_size=20, pipeline_depth=3, lease_s=60)
    relay = Relay(db, settings, SystemClock(), owner="p", connector_factory=lambda _ep: conn)
    stop = asyncio.Event()
    runner = asyncio.create_task(relay.run(stop))
    while len(conn.sent) < 60:
        await asyncio.sleep(0.01)
    stop.set()
    totals = await asyncio.wait_for(runner, timeout=10)
    assert conn.max_active >= 2  # the next batch was claimed while one was being sent
    assert len(conn.sent) < n and len(set(conn.sent)) == len(conn.sent)
    with db.read() as s:
        rows = s.scalars(select(Delivery)).all()
    assert all(d.lease_owner is None for d in rows)  # nothing left leased
    delivered = [d for d in rows if d.state == "delivered"]
    assert len(delivered) == len(conn.sent) == totals.delivered  # every send recorded
    assert {d.state for d in rows} <= {"delivered", "pending"}


def test_retry_transient_reruns_only_deadlocked_or_locked_transactions() -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    from crm_sync.relay import retry_transient

    class Deadlock(Exception):
        sqlstate = "40P01"

    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            raise OperationalError("UPDATE", {}, Deadlock())
        if len(calls) == 2:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        return x * 2

    assert retry_transient(flaky, 21) == 42 and calls == [21, 21, 21]

    class Duplicate(Exception):
        sqlstate = "23505"

    def broken() -> None:
        calls.append(0)
        raise IntegrityError("INSERT", {}, Duplicate())

    calls.clear()
    with pytest.raises(IntegrityError):
        retry_transient(broken)
    assert calls == [0]


async def test_an_endpoint_the_allow_list_no_longer_has_sends_nothing(
    db: Database, secret: str
) -> None:
    """Checked at delivery too: an endpoint added before the allow-list was narrowed holds
    its events (retried with the reason) until its host is allowed again."""
    port = free_port()
    _setup(db, n=3, url=f"http://127.0.0.1:{port}/hook", secret=secret)
    crm = FakeCrm(secret=secret, plan=FaultPlan(odds={}, seed=1))
    server = ServerThread(crm.app, port=port).start()
    try:
        narrowed = Relay(db, fast_settings(allowed_hosts="crm.bank.local"), SystemClock())
        stats = await narrowed.run_once()
        await narrowed.aclose()
        assert stats.retried == 3 and stats.delivered == 0 and crm.processed == {}
        with db.read() as s:
            errors = {a.error for a in s.scalars(select(DeliveryAttempt))}
        assert errors == {
            "endpoint not allowed: url: host '127.0.0.1' is not in TAILCALL_CRM_ALLOWED_HOSTS"
        }
        relay = Relay(db, fast_settings(retry_cap_s=0.05), SystemClock())
        await asyncio.wait_for(relay.run(exit_when_done=True), timeout=30)
    finally:
        server.stop()
    assert len(crm.processed) == 3


async def test_a_file_endpoint_outside_the_data_dir_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    with db.session() as s:  # as an older version let an admin add it
        s.add(Endpoint(name="files", kind="file", config={"directory": str(outside)}))
        record_outcome(s, outcome(1))
    stats = await Relay(db, fast_settings(), SystemClock()).run_once()
    assert stats.delivered == 0 and not outside.exists()
