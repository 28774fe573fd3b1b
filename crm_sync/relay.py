"""The relay worker: outbox -> deliveries -> connectors, with leases, retries, dead letters.

One batch (:meth:`Relay.claim_next`, then delivery, then :meth:`Relay.record`):
1. claim due deliveries of enabled endpoints with a lease (one statement,
   :mod:`crm_sync.claim`); when fewer than a batch are due, fan out undispatched outbox
   events first (one ``UPDATE ... RETURNING`` marks them dispatched, one
   ``INSERT ... SELECT`` makes one delivery per endpoint) and claim again, all in one
   transaction. Fanning out only as fast as deliveries are claimed keeps the due queue
   short, so claims stay cheap however large the outbox backlog is;
2. deliver the batch, grouped by endpoint, concurrently;
3. record the results in one transaction, fenced by the lease (one ``SELECT`` of the rows
   still held, one executemany ``UPDATE``, one bulk ``INSERT`` of attempts): attempts,
   next retry, dead letters, 410 disabling the endpoint, leads moving from new to sent.

:meth:`Relay.run` pipelines batches: while up to ``pipeline_depth`` batches are being
delivered it already claims the next one, so the endpoint's connection pool stays busy
during database work; :meth:`Relay.run_once` does one batch start to end (tests).

Crash safety: a relay killed between 1 and 3 leaves leased deliveries; once the lease
expires another relay (or the restarted one) claims them again. The event is then sent
again with the same webhook-id, so receivers see it at least once and dedupe on the id.
Results are fenced on the owner and the claim's lease end together, so a late result from
an expired claim (another relay's, or this relay's own that it has claimed again) is
dropped rather than written over the newer claim's. Database work runs in the relay's own worker thread so an embedding event loop
(``tailcall serve``) stays live; a transaction that hits a deadlock or a lock time-out is
run again.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Table, and_, bindparam, exists, func, insert, literal, select, true, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from crm_sync.backoff import Decision, Result, RetryPolicy, decide
from crm_sync.connector_pool import ConnectorFactory, ConnectorPool, default_connector
from crm_sync.connectors import Connector, EndpointInfo, OutboundEvent, with_phone
from crm_sync.models import DeadLetter, Delivery, DeliveryAttempt, Endpoint, Lead, OutboxEvent
from crm_sync.retention import purge_outcome_events
from crm_sync.service import mark_sent
from crm_sync.settings import CrmSettings
from kernel import claims as claim
from kernel.clock import Clock
from kernel.db import Database, UTCDateTime, bulk_insert, execute_many

log = logging.getLogger(__name__)

T = TypeVar("T")
PURGE_EVERY_S = 3600.0
Batch = list[tuple[EndpointInfo, OutboundEvent]]

_DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxEvent.__table__  # type: ignore[assignment]
_ENDPOINTS: Table = Endpoint.__table__  # type: ignore[assignment]
_ATTEMPTS: Table = DeliveryAttempt.__table__  # type: ignore[assignment]
DELIVERY_LEASE = claim.LeaseColumns(_DELIVERIES)
OUTBOX_LEASE = claim.LeaseColumns(_OUTBOX)


@dataclass
class CycleStats:
    dispatched: int = 0
    attempted: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    fenced: int = 0

    def add(self, s: CycleStats) -> None:
        for f in ("dispatched", "attempted", "delivered", "retried", "dead", "fenced"):
            setattr(self, f, getattr(self, f) + getattr(s, f))


def policy_from(settings: CrmSettings) -> RetryPolicy:
    return RetryPolicy(
        base_s=settings.retry_base_s,
        cap_s=settings.retry_cap_s,
        give_up_s=settings.retry_give_up_s,
        permanent_max_tries=settings.permanent_max_tries,
    )


def default_owner() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Relay:
    def __init__(
        self,
        db: Database,
        settings: CrmSettings,
        clock: Clock,
        *,
        owner: str | None = None,
        policy: RetryPolicy | None = None,
        connector_factory: ConnectorFactory | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if settings.lease_s <= settings.request_timeout_s + settings.connect_timeout_s:
            raise ValueError("lease_s must exceed the request and connect timeouts")
        self.db = db
        self.settings = settings
        self.clock = clock
        self.owner = owner or default_owner()
        self.policy = policy or policy_from(settings)
        self.rng = rng or random.Random()
        self._connectors = ConnectorPool(connector_factory or self._default_connector)
        self._pool: ThreadPoolExecutor | None = None
        self.totals = CycleStats()
        self._purge_at = 0.0  # monotonic time of the next retention purge

    def _default_connector(self, ep: EndpointInfo) -> Connector:
        return default_connector(ep, self.clock, self.settings, self.db.settings.data_dir)

    async def aclose(self) -> None:
        await self._connectors.aclose()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    async def _in_db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking database work on the relay's own worker thread.

        One thread: the relay's transactions never wait on each other (SQLite has one
        writer anyway; on PostgreSQL two of our own record transactions could otherwise
        lock the same lead rows in different orders). Deadlocks and lock time-outs with
        *other* processes are retried (:func:`retry_transient`).
        """
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="crm-relay-db")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(retry_transient, fn, *args))

    # --- one batch ----------------------------------------------------------------------

    async def run_once(self) -> CycleStats:
        """Claim one batch (fanning out first when needed), deliver it, record it."""
        dispatched, batch = await self._in_db(self.claim_next)
        stats = await self._process(batch) if batch else CycleStats()
        stats.dispatched = dispatched
        self.totals.add(stats)
        return stats

    async def _process(self, batch: Batch) -> CycleStats:
        """Deliver a claimed batch and record the results."""
        by_endpoint: dict[int, list[OutboundEvent]] = {}
        endpoints: dict[int, EndpointInfo] = {}
        for ep, ev in batch:
            endpoints[ep.id] = ep
            by_endpoint.setdefault(ep.id, []).append(ev)
        groups = list(by_endpoint.items())
        results = await asyncio.gather(*(self._deliver(endpoints[eid], evs) for eid, evs in groups))
        outcomes: list[tuple[EndpointInfo, OutboundEvent, Result]] = []
        for (eid, evs), res in zip(groups, results, strict=True):
            outcomes.extend((endpoints[eid], ev, r) for ev, r in zip(evs, res, strict=True))
        stats = await self._in_db(self._record_fresh, outcomes)
        stats.attempted = len(outcomes)
        return stats

    def _record_fresh(
        self, outcomes: Sequence[tuple[EndpointInfo, OutboundEvent, Result]]
    ) -> CycleStats:
        # fresh counters per try, so a retried transaction does not count twice
        stats = CycleStats()
        self.record(outcomes, stats)
        return stats

    async def _deliver(self, ep: EndpointInfo, events: list[OutboundEvent]) -> list[Result]:
        try:
            conn = self._connectors.get(ep)
            results = await conn.deliver(events)
        except Exception as exc:
            err = type(exc).__name__
            log.warning("connector failed", extra={"endpoint_id": ep.id, "error": err})
            return [Result(None, f"connector error: {type(exc).__name__}") for _ in events]
        if len(results) != len(events):
            return [Result(None, "connector returned a wrong number of results") for _ in events]
        return results

    # --- database steps (sync; run in a thread) -----------------------------------------

    def claim_next(self) -> tuple[int, Batch]:
        """Claim a batch of due deliveries, fanning out new events when too few are due.

        Returns (events fanned out, the batch). One transaction.
        """
        now = self.clock.now()
        limit = self.settings.batch_size
        with self.db.session() as s:
            ids = self._claim(s, now, limit)
            dispatched = 0
            if len(ids) < limit:
                dispatched = self._fan_out(s, now, limit)
                if dispatched:
                    ids += self._claim(s, now, limit - len(ids))
            until = claim.lease_end(now, self.settings.lease_s)
            return dispatched, (self._load(s, ids, until) if ids else [])

    def fan_out(self, limit: int | None = None) -> int:
        """Turn undispatched outbox events into one delivery per endpoint (own transaction)."""
        with self.db.session() as s:
            return self._fan_out(s, self.clock.now(), limit or self.settings.batch_size)

    def _fan_out(self, s: Session, now: datetime, limit: int) -> int:
        o = _OUTBOX.c
        pick = select(o.id).where(o.dispatched_at.is_(None)).order_by(o.id).limit(limit)
        where: Any
        if s.get_bind().dialect.name == "postgresql":
            # concurrent relays skip each other's rows (see crm_sync.claim)
            where = o.id.in_(pick.with_for_update(skip_locked=True).scalar_subquery())
        else:  # compare-and-set under BEGIN IMMEDIATE
            where = and_(o.id.in_(pick.scalar_subquery()), o.dispatched_at.is_(None))
        # Without an endpoint the events stay undispatched until one is configured.
        has_endpoint = exists(select(_ENDPOINTS.c.id))
        mark = update(_OUTBOX).where(where, has_endpoint).values(dispatched_at=now)
        ids = [int(i) for i in s.execute(mark.returning(o.id)).scalars()]
        if not ids:
            return 0
        e = _ENDPOINTS.c
        rows = (
            select(
                o.id,
                e.id,
                literal("pending"),
                literal(0),
                literal(now, UTCDateTime()),
                literal(now, UTCDateTime()),
            )
            .select_from(_OUTBOX.join(_ENDPOINTS, true()))
            .where(o.id.in_(ids))
            .order_by(o.id, e.id)
        )
        cols = ["outbox_id", "endpoint_id", "state", "attempts", "next_attempt_at", "created_at"]
        s.execute(insert(_DELIVERIES).from_select(cols, rows))
        return len(ids)

    def claim_due(self, limit: int | None = None) -> Batch:
        """Lease due deliveries of enabled endpoints; return what to send (own transaction)."""
        now = self.clock.now()
        with self.db.session() as s:
            ids = self._claim(s, now, limit or self.settings.batch_size)
            return self._load(s, ids, claim.lease_end(now, self.settings.lease_s)) if ids else []

    def _claim(self, s: Session, now: datetime, limit: int) -> list[int]:
        d = _DELIVERIES.c
        enabled = select(_ENDPOINTS.c.id).where(_ENDPOINTS.c.enabled.is_(True)).scalar_subquery()
        ready = and_(
            d.state.in_(("pending", "failed")),
            d.next_attempt_at <= now,
            d.endpoint_id.in_(enabled),
        )
        return claim.claim(
            s,
            DELIVERY_LEASE,
            ready=ready,
            owner=self.owner,
            now=now,
            lease_seconds=self.settings.lease_s,
            limit=limit,
            order_by=(d.next_attempt_at, d.id),
        )

    def _load(self, s: Session, ids: Sequence[int], until: datetime) -> Batch:
        q = (
            select(
                Delivery.id,
                Delivery.attempts,
                Delivery.endpoint_id,
                OutboxEvent.event_id,
                OutboxEvent.event_type,
                OutboxEvent.lead_id,
                OutboxEvent.lead_version,
                OutboxEvent.payload,
                Lead.phone_e164,
            )
            .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_id)
            .outerjoin(Lead, Lead.id == OutboxEvent.lead_id)
            .where(Delivery.id.in_(list(ids)))
            .order_by(Delivery.id)
        )
        rows = s.execute(q).all()
        eps = {
            e.id: EndpointInfo(e.id, e.name, e.kind, e.url, e.secret, dict(e.config or {}))
            for e in s.scalars(select(Endpoint).where(Endpoint.id.in_({r[2] for r in rows})))
        }
        return [
            (
                eps[r.endpoint_id],
                OutboundEvent(
                    delivery_id=r.id,
                    event_id=r.event_id,
                    event_type=r.event_type,
                    lead_id=r.lead_id,
                    lead_version=r.lead_version,
                    payload=with_phone(r.payload, r.phone_e164),
                    attempt_no=r.attempts + 1,
                    lease_until=until,
                ),
            )
            for r in rows
        ]

    def record(
        self, outcomes: Sequence[tuple[EndpointInfo, OutboundEvent, Result]], stats: CycleStats
    ) -> None:
        """Store attempt results for the deliveries this relay still holds."""
        now = self.clock.now()
        with self.db.session() as s:
            # The rows still held by this claim (locked on PostgreSQL until commit) and
            # when each was first tried: one query. A row counts as held when its owner is
            # us and, if the event knows its claim's lease end, that lease end is unchanged
            # (else this relay claimed the row again after the lease expired).
            firsts: dict[int, datetime | None] = {}
            wanted = [ev.delivery_id for _, ev, _ in outcomes]
            if wanted:
                d = _DELIVERIES.c
                q = select(d.id, d.first_attempt_at, d.lease_until).where(
                    d.id.in_(wanted), d.lease_owner == self.owner
                )
                if s.get_bind().dialect.name == "postgresql":
                    q = q.with_for_update()
                until = {ev.delivery_id: ev.lease_until for _, ev, _ in outcomes}
                firsts = {
                    int(i): f
                    for i, f, u in s.execute(q).all()
                    if until[int(i)] is None or until[int(i)] == u
                }
            stats.fenced = len(outcomes) - len(firsts)
            updates: list[dict[str, Any]] = []
            attempts: list[dict[str, Any]] = []
            dead: list[dict[str, Any]] = []
            sent_leads: set[int] = set()
            gone: dict[int, str] = {}
            for ep, ev, res in outcomes:
                if ev.delivery_id not in firsts:
                    continue
                first = firsts[ev.delivery_id] or now
                dec = decide(
                    res,
                    attempt_no=ev.attempt_no,
                    first_attempt_at=first,
                    now=now,
                    policy=self.policy,
                    rng=self.rng,
                )
                updates.append(_delivery_update(ev, res, dec, first, now))
                attempts.append(
                    {
                        "delivery_id": ev.delivery_id,
                        "attempt_no": ev.attempt_no,
                        "status_code": res.status,
                        "verdict": dec.verdict,
                        "error": (res.error or "")[:200] or None,
                        "duration_ms": res.duration_ms,
                    }
                )
                if dec.action == "delivered":
                    stats.delivered += 1
                    if ev.lead_id is not None:
                        sent_leads.add(ev.lead_id)
                elif dec.action == "dead":
                    stats.dead += 1
                    dead.append(
                        {
                            "delivery_id": ev.delivery_id,
                            "endpoint_id": ep.id,
                            "reason": (dec.reason or "gave up")[:200],
                            "last_status": res.status,
                            "created_at": now,
                        }
                    )
                else:
                    stats.retried += 1
                    if dec.action == "disable":
                        gone[ep.id] = dec.reason or "410 Gone"
            if updates:
                conn = s.connection()
                execute_many(conn, _UPDATE_DELIVERY, updates)
                bulk_insert(conn, _ATTEMPTS, attempts, same={"at": now})
            if dead:
                s.execute(insert(DeadLetter), dead)
            for eid, reason in gone.items():
                s.execute(
                    update(Endpoint)
                    .where(Endpoint.id == eid, Endpoint.enabled.is_(True))
                    .values(enabled=False, disabled_reason=reason, disabled_at=now)
                )
                log.warning("endpoint disabled", extra={"endpoint_id": eid, "reason": reason})
            mark_sent(s, sorted(sent_leads), now)

    def purge_expired(self) -> int:
        """Delete outcome events past their retention (``crm_sync.retention``); hourly."""
        self._purge_at = self.clock.monotonic() + PURGE_EVERY_S
        keep = timedelta(days=self.settings.outcome_retention_days)
        with self.db.session() as s:
            return purge_outcome_events(s, self.clock.now(), keep)

    def remaining(self) -> int:
        """Work left for enabled endpoints: undispatched events and undelivered deliveries."""
        with self.db.read() as s:
            has_endpoints = s.scalar(select(func.count()).select_from(Endpoint)) or 0
            undispatched = (
                s.scalar(
                    select(func.count())
                    .select_from(OutboxEvent)
                    .where(OutboxEvent.dispatched_at.is_(None))
                )
                if has_endpoints
                else 0
            )
            open_deliveries = s.scalar(
                select(func.count())
                .select_from(Delivery)
                .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
                .where(Delivery.state.in_(("pending", "failed")), Endpoint.enabled.is_(True))
            )
            return int(undispatched or 0) + int(open_deliveries or 0)

    # --- the loop -----------------------------------------------------------------------

    async def run(
        self, stop: asyncio.Event | None = None, *, exit_when_done: bool = False
    ) -> CycleStats:
        """Deliver until ``stop`` is set (or nothing is left, with ``exit_when_done``).

        Up to ``pipeline_depth`` claimed batches are in flight at once; the next batch is
        claimed while earlier ones are still being sent. On ``stop`` the batches in flight
        are finished and recorded first; if the task is cancelled instead, they are
        abandoned and their leases expire.
        """
        stop = stop or asyncio.Event()
        depth = self.settings.pipeline_depth
        inflight: set[asyncio.Task[CycleStats]] = set()
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                self._reap(inflight)
                if len(inflight) >= depth:
                    await self._wait(inflight, stopping, idle=False)
                    continue
                dispatched, batch = await self._in_db(self.claim_next)
                self.totals.dispatched += dispatched
                if batch:
                    inflight.add(asyncio.create_task(self._process(batch)))
                    continue
                idle = not inflight and dispatched == 0
                if idle and self.clock.monotonic() >= self._purge_at:
                    await self._in_db(self.purge_expired)
                if idle and exit_when_done and await self._in_db(self.remaining) == 0:
                    break
                await self._wait(inflight, stopping, idle=True)
            while inflight:  # finish what was claimed
                await asyncio.wait(inflight)
                self._reap(inflight)
        finally:
            stopping.cancel()
            for task in inflight:
                task.cancel()
            if inflight:
                await asyncio.gather(*inflight, return_exceptions=True)
            await self.aclose()
        return self.totals

    def _reap(self, inflight: set[asyncio.Task[CycleStats]]) -> None:
        """Count finished batches; re-raise a batch's database error."""
        for task in [t for t in inflight if t.done()]:
            inflight.discard(task)
            self.totals.add(task.result())

    async def _wait(
        self, inflight: set[asyncio.Task[CycleStats]], stopping: asyncio.Future[Any], *, idle: bool
    ) -> None:
        """Until a batch finishes or ``stop`` is set (or the idle poll passes, when idle)."""
        waiters: set[asyncio.Future[Any]] = {*inflight, stopping}
        sleeper = (
            asyncio.ensure_future(self.clock.sleep(self.settings.idle_poll_s)) if idle else None
        )
        if sleeper is not None:
            waiters.add(sleeper)
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if sleeper is not None:
                sleeper.cancel()


TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})  # deadlock, serialisation, lock


def retry_transient(fn: Callable[..., T], *args: Any, tries: int = 3) -> T:
    """Call ``fn`` (one whole transaction), again after a deadlock, serialisation failure
    or SQLite "database is locked": the transaction was rolled back, so it is safe."""
    for attempt in range(1, tries + 1):
        try:
            return fn(*args)
        except DBAPIError as exc:
            if attempt == tries or not _transient(exc):
                raise
            log.warning("transient database error, retrying", extra={"attempt": attempt})
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")


def _transient(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def _delivery_update(
    ev: OutboundEvent, res: Result, dec: Decision, first: datetime, now: datetime
) -> dict[str, Any]:
    state = {"delivered": "delivered", "dead": "dead", "retry": "failed", "disable": "failed"}[
        dec.action
    ]
    return {
        "b_id": ev.delivery_id,
        "b_state": state,
        "b_attempts": ev.attempt_no,
        "b_first": first,
        "b_next": dec.next_attempt_at or now,
        "b_status": res.status,
        "b_error": (dec.reason or res.error or "")[:200] or None,
        "b_delivered": now if dec.action == "delivered" else None,
    }


def _build_update() -> Any:

    d = _DELIVERIES.c
    return (
        update(_DELIVERIES)
        .where(d.id == bindparam("b_id"))
        .values(
            state=bindparam("b_state"),
            attempts=bindparam("b_attempts"),
            first_attempt_at=bindparam("b_first"),
            next_attempt_at=bindparam("b_next"),
            last_status=bindparam("b_status"),
            last_error=bindparam("b_error"),
            delivered_at=bindparam("b_delivered"),
            lease_owner=None,
            lease_until=None,
        )
    )


_UPDATE_DELIVERY = _build_update()
