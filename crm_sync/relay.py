"""The relay worker: outbox -> deliveries -> connectors, with leases, retries, dead letters.

One cycle (:meth:`Relay.run_once`):
1. fan-out: claim undispatched outbox events (one statement, :mod:`crm_sync.claim`) and,
   in the same transaction, create one delivery per endpoint;
2. claim due deliveries of enabled endpoints with a lease (one statement);
3. deliver them, grouped by endpoint, concurrently;
4. record the results in one transaction, fenced by the lease: attempts, next retry,
   dead letters, 410 disabling the endpoint, leads moving from new to sent.

Crash safety: a relay killed between 2 and 4 leaves leased deliveries; once the lease
expires another relay (or the restarted one) claims them again. The event is then sent
again with the same webhook-id, so receivers see it at least once and dedupe on the id.
Database work runs in a thread so an embedding event loop (``tailcall serve``) stays live.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, func, insert, select, update
from sqlalchemy.orm import Session

from crm_sync import claim
from crm_sync.backoff import Decision, Result, RetryPolicy, decide
from crm_sync.connectors import Connector, EndpointInfo, OutboundEvent
from crm_sync.file_export import FileExportConnector
from crm_sync.models import DeadLetter, Delivery, DeliveryAttempt, Endpoint, OutboxEvent
from crm_sync.service import mark_sent
from crm_sync.settings import CrmSettings
from crm_sync.webhook import WebhookConnector
from tailcall.clock import Clock
from tailcall.db import Database

log = logging.getLogger(__name__)

ConnectorFactory = Callable[[EndpointInfo], Connector]

_DELIVERIES: Table = Delivery.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxEvent.__table__  # type: ignore[assignment]
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
        self._factory = connector_factory or self._default_connector
        self._connectors: dict[int, tuple[tuple[Any, ...], Connector]] = {}
        self.totals = CycleStats()

    # --- connectors ---------------------------------------------------------------------

    def _default_connector(self, ep: EndpointInfo) -> Connector:
        if ep.kind == "file":
            return FileExportConnector(ep, self.clock)
        return WebhookConnector(
            ep,
            self.clock,
            connect_timeout_s=self.settings.connect_timeout_s,
            request_timeout_s=self.settings.request_timeout_s,
            concurrency=self.settings.concurrency,
        )

    async def _connector(self, ep: EndpointInfo) -> Connector:
        cached = self._connectors.get(ep.id)
        if cached is not None and cached[0] == ep.fingerprint:
            return cached[1]
        if cached is not None:
            await cached[1].aclose()
        conn = self._factory(ep)
        self._connectors[ep.id] = (ep.fingerprint, conn)
        return conn

    async def aclose(self) -> None:
        for _, conn in self._connectors.values():
            await conn.aclose()
        self._connectors.clear()

    # --- one cycle ----------------------------------------------------------------------

    async def run_once(self) -> CycleStats:
        stats = CycleStats()
        stats.dispatched = await asyncio.to_thread(self.fan_out)
        batch = await asyncio.to_thread(self.claim_due)
        if not batch:
            return stats
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
        await asyncio.to_thread(self.record, outcomes, stats)
        stats.attempted = len(outcomes)
        self._add(stats)
        return stats

    async def _deliver(self, ep: EndpointInfo, events: list[OutboundEvent]) -> list[Result]:
        try:
            conn = await self._connector(ep)
            results = await conn.deliver(events)
        except Exception as exc:
            err = type(exc).__name__
            log.warning("connector failed", extra={"endpoint_id": ep.id, "error": err})
            return [Result(None, f"connector error: {type(exc).__name__}") for _ in events]
        if len(results) != len(events):
            return [Result(None, "connector returned a wrong number of results") for _ in events]
        return results

    def _add(self, s: CycleStats) -> None:
        t = self.totals
        t.dispatched += s.dispatched
        t.attempted += s.attempted
        t.delivered += s.delivered
        t.retried += s.retried
        t.dead += s.dead
        t.fenced += s.fenced

    # --- database steps (sync; run in a thread) -----------------------------------------

    def fan_out(self) -> int:
        """Turn undispatched outbox events into one delivery per endpoint."""
        now = self.clock.now()
        with self.db.session() as s:
            endpoint_ids = list(s.scalars(select(Endpoint.id).order_by(Endpoint.id)))
            if not endpoint_ids:
                return 0  # keep events until someone configures an endpoint
            ids = claim.claim(
                s,
                OUTBOX_LEASE,
                ready=_OUTBOX.c.dispatched_at.is_(None),
                owner=self.owner,
                now=now,
                lease_seconds=self.settings.lease_s,
                limit=self.settings.batch_size * 2,
                order_by=(_OUTBOX.c.id,),
                extra_values={"dispatched_at": now},
            )
            if not ids:
                return 0
            rows = [
                {
                    "outbox_id": oid,
                    "endpoint_id": eid,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for oid in sorted(ids)
                for eid in endpoint_ids
            ]
            s.execute(insert(Delivery), rows)
            s.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids))
                .values(lease_owner=None, lease_until=None)
            )
            return len(ids)

    def claim_due(self) -> list[tuple[EndpointInfo, OutboundEvent]]:
        """Lease due deliveries of enabled endpoints; return what to send."""
        now = self.clock.now()
        d = _DELIVERIES.c
        enabled = select(Endpoint.id).where(Endpoint.enabled.is_(True)).scalar_subquery()
        ready = and_(
            d.state.in_(("pending", "failed")),
            d.next_attempt_at <= now,
            d.endpoint_id.in_(enabled),
        )
        with self.db.session() as s:
            ids = claim.claim(
                s,
                DELIVERY_LEASE,
                ready=ready,
                owner=self.owner,
                now=now,
                lease_seconds=self.settings.lease_s,
                limit=self.settings.batch_size,
                order_by=(d.next_attempt_at, d.id),
            )
            if not ids:
                return []
            return self._load(s, ids)

    def _load(self, s: Session, ids: Sequence[int]) -> list[tuple[EndpointInfo, OutboundEvent]]:
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
            )
            .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_id)
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
                    payload=r.payload,
                    attempt_no=r.attempts + 1,
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
            owned = claim.owned_ids(
                s, DELIVERY_LEASE, (ev.delivery_id for _, ev, _ in outcomes), self.owner
            )
            stats.fenced = len(outcomes) - len(owned)
            firsts: dict[int, datetime | None] = {}
            if owned:
                q = select(Delivery.id, Delivery.first_attempt_at).where(Delivery.id.in_(owned))
                firsts = {int(i): f for i, f in s.execute(q).all()}
            updates: list[dict[str, Any]] = []
            attempts: list[dict[str, Any]] = []
            dead: list[dict[str, Any]] = []
            sent_leads: set[int] = set()
            gone: dict[int, str] = {}
            for ep, ev, res in outcomes:
                if ev.delivery_id not in owned:
                    continue
                first = firsts.get(ev.delivery_id) or now
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
                        "at": now,
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
                s.connection().execute(_UPDATE_DELIVERY, updates)
                s.execute(insert(DeliveryAttempt), attempts)
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
        """Cycle until ``stop`` is set (or nothing is left, with ``exit_when_done``)."""
        stop = stop or asyncio.Event()
        try:
            while not stop.is_set():
                stats = await self.run_once()
                if stats.attempted == 0 and stats.dispatched == 0:
                    if exit_when_done and await asyncio.to_thread(self.remaining) == 0:
                        break
                    await self.clock.sleep(self.settings.idle_poll_s)
        finally:
            await self.aclose()
        return self.totals


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
    from sqlalchemy import bindparam

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
