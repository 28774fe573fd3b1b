"""The dial loop: claim due attempts, re-check eligibility, commit the dial intent, dial.

One ``Dialer`` per process (``tailcall worker --role dialer``) or a thread inside
``tailcall serve``; several share one PostgreSQL. Crash safety:
- attempts are leased (``dialer.claim``); a dead worker's leases expire and are re-claimed;
- the dial intent (status ``dialing``) is committed before the carrier is asked, so a
  crash can never lead to a blind redial;
- every live attempt has a watchdog (``lease_until``); when it fires, the reaper asks the
  carrier what happened to the call, and sends what it cannot settle to ``review``.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select, text, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dialer.campaigns.audience import CustomerRow, FactsLoader
from dialer.campaigns.breaker import Alert, check_campaign
from dialer.campaigns.calendar_watch import CalendarWatch
from dialer.campaigns.calendars import load_calendars
from dialer.campaigns.config import DEV_CARRIER_TOKEN, DialerSettings
from dialer.campaigns.dial_record import record_dial
from dialer.campaigns.eligibility import decide, decide_callback
from dialer.campaigns.holidays import HolidayCalendar
from dialer.campaigns.models import (
    ATTEMPT_LEASE,
    LEASED_SQL,
    LIVE_SQL,
    Attempt,
    Campaign,
    WorkerHeartbeat,
)
from dialer.campaigns.outcomes import finish_attempt, record_skip
from dialer.campaigns.pacing import (
    AgentCapacity,
    FixedAgentCapacity,
    Load,
    dial_budget,
    handoff_budget,
    smoothed_rate,
)
from dialer.campaigns.packfiles import pack_check
from dialer.campaigns.reaper import Reaper
from dialer.campaigns.service import (
    DIAL_LOOP,
    TRANSITIONS,
    pause_campaign,
    promote_and_complete,
)
from dialer.campaigns.stored import compliance_of, pacing_of, variants_of, window_of
from dialer.carriers.base import Carrier, CarrierError, TwilioCarrier
from dialer.lists.models import Customer
from kernel.calls import StreamStart
from kernel.claims import claim, release
from kernel.clock import Clock, SystemClock
from kernel.db import Database, is_sqlite
from kernel.settings import Settings
from kernel.token_bucket import TokenBucket
from scripts.versions import ScriptDigests

log = logging.getLogger(__name__)

CLAIM_LOCK_KEY = 7_270_001  # pg advisory lock: pacing counts and claims are serialised


@dataclass
class TickReport:
    claimed: int = 0
    dialed: int = 0
    skipped: int = 0
    reaped: int = 0
    errors: list[str] = field(default_factory=list)


def media_ws_url(public_base_url: str) -> str:
    base = public_base_url.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return base + "/media/ws"


class Dialer:
    """One dialer worker. ``tick()`` does one pass; ``run()`` loops until stopped."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        dsettings: DialerSettings,
        carrier: Carrier,
        *,
        clock: Clock | None = None,
        agents: AgentCapacity | None = None,
        worker_id: str | None = None,
        alert: Alert | None = None,
    ) -> None:
        self.db = db
        self.alert = alert  # told when the compliance breaker pauses a campaign
        self._breakers_at: float | None = None
        self.settings = settings
        self.ds = dsettings
        self.carrier = carrier
        self.clock = clock or SystemClock()
        self.agents = agents or FixedAgentCapacity(0)
        self.worker_id = (
            worker_id or f"dialer-{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        )
        self.started_at = self.clock.now()
        self._global_bucket = TokenBucket(dsettings.calls_per_second, now=self.clock.monotonic())
        self._buckets: dict[int, TokenBucket] = {}
        self._calendars: dict[str, HolidayCalendar] = {}
        self._calendars_at: float | None = None
        self._last_beat: float | None = None
        self._pg = not is_sqlite(db.engine)
        self._rotation = 0
        self._scripts = ScriptDigests()
        self.calendar_watch = CalendarWatch(db, dsettings.calendar_warn_days)

    # ------------------------------------------------------------ loop

    def tick(self) -> TickReport:
        report = TickReport()
        now = self.clock.now()
        self.heartbeat(force=False)
        with self.db.session() as s:
            promote_and_complete(s, now)
        self.check_breakers(now)
        self.calendar_watch.check(now)
        report.reaped = Reaper(
            self.db, self.settings, self.ds, self.carrier, self.clock, self.worker_id
        ).reap()
        ids = self.claim_due()
        report.claimed = len(ids)
        for attempt_id in ids:
            try:
                outcome = self.dial(attempt_id)
            except Exception as exc:  # one attempt's fault never holds the batch's others
                log.warning(
                    "dial failed",
                    extra={"attempt_id": attempt_id, "error": f"{type(exc).__name__}: {exc}"},
                )
                log.debug("dial failed", exc_info=True)
                report.errors.append(f"{attempt_id}: {type(exc).__name__}")
                continue
            if outcome == "dialed":
                report.dialed += 1
            elif outcome == "skipped":
                report.skipped += 1
        return report

    def check_breakers(self, now: datetime, force: bool = False) -> list[int]:
        """Every ``breaker_check_s``: each running campaign's compliance breaker; the ids
        of the campaigns it paused."""
        mono = self.clock.monotonic()
        last = self._breakers_at
        if not force and last is not None and mono - last < self.ds.breaker_check_s:
            return []
        self._breakers_at = mono
        paused = []
        with self.db.session() as s:
            for c in s.scalars(select(Campaign).where(Campaign.status == "running")).all():
                if check_campaign(s, c, compliance_of(c).breaker, now, self.alert):
                    paused.append(c.id)
        return paused

    def run(self, stop: threading.Event) -> None:
        """Loop until ``stop`` is set; a failing pass is logged and retried."""
        log.info("dialer started", extra={"worker_id": self.worker_id})
        while not stop.is_set():
            try:
                r = self.tick()
                busy = r.claimed > 0
            except Exception:
                log.exception("dialer pass failed", extra={"worker_id": self.worker_id})
                busy = False
            if not busy:
                stop.wait(self.ds.poll_s)
        log.info("dialer stopped", extra={"worker_id": self.worker_id})

    def heartbeat(self, force: bool = True) -> None:
        mono = self.clock.monotonic()
        if (
            not force
            and self._last_beat is not None
            and mono - self._last_beat < self.ds.heartbeat_s
        ):
            return
        self._last_beat = mono
        now = self.clock.now()
        with self.db.session() as s:
            hb = s.get(WorkerHeartbeat, self.worker_id)
            if hb is None:
                # First beat of this worker: forget workers silent for a day.
                s.execute(
                    delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - timedelta(days=1))
                )
                s.add(
                    WorkerHeartbeat(
                        worker_id=self.worker_id,
                        role="dialer",
                        pid=os.getpid(),
                        host=socket.gethostname()[:100],
                        started_at=self.started_at,
                        beat_at=now,
                    )
                )
            else:
                hb.beat_at = now

    def _calendars_for(self, s: Session, names: set[str]) -> dict[str, HolidayCalendar]:
        mono = self.clock.monotonic()
        if (
            self._calendars_at is None
            or mono - self._calendars_at > 300
            or not names <= set(self._calendars)
        ):
            self._calendars = load_calendars(s, names | set(self._calendars))
            self._calendars_at = mono
        return self._calendars

    # ------------------------------------------------------------ claim

    def claim_due(self) -> list[int]:
        """Lease as many due attempts as pacing allows, across running campaigns."""
        now = self.clock.now()
        mono = self.clock.monotonic()
        out: list[int] = []
        with self.db.session() as s:
            if self._pg:
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CLAIM_LOCK_KEY})
            campaigns = list(
                s.scalars(
                    select(Campaign).where(Campaign.status == "running").order_by(Campaign.id)
                )
            )
            if not campaigns:
                return []
            # Rotate the order so that no campaign starves the others of the batch.
            self._rotation = (self._rotation + 1) % len(campaigns)
            campaigns = campaigns[self._rotation :] + campaigns[: self._rotation]
            workers = _live_workers(s, now, self.ds.stale_worker_s)
            self._global_bucket.rate = self.ds.calls_per_second / workers
            in_flight = self._in_flight_by_campaign(s, now)
            global_load = sum(in_flight.values())
            for c in campaigns:
                cfg = pacing_of(c)
                bucket = self._buckets.setdefault(c.id, TokenBucket(cfg.calls_per_second, now=mono))
                bucket.rate = cfg.calls_per_second / workers
                cif = in_flight.get(c.id, 0)
                handoff = None
                if c.live_handoff:
                    handoff = self._handoff_budget(s, c, cif, now)
                n = dial_budget(cfg, Load(cif, global_load), self.ds.lines, handoff=handoff)
                n = min(
                    n,
                    self.ds.claim_batch - len(out),
                    bucket.available(mono),
                    self._global_bucket.available(mono),
                )
                if n <= 0:
                    continue
                got = claim(
                    s,
                    ATTEMPT_LEASE,
                    ready=and_(
                        Attempt.campaign_id == c.id,
                        Attempt.status == "queued",
                        Attempt.due_at <= now,
                    ),
                    owner=self.worker_id,
                    now=now,
                    lease_seconds=self.ds.lease_s,
                    limit=n,
                    order_by=(Attempt.due_at, Attempt.id),
                )
                log.debug("claimed", extra={"campaign_id": c.id, "n": len(got), "in_flight": cif})
                bucket.take(len(got), mono)
                self._global_bucket.take(len(got), mono)
                global_load += len(got)
                out.extend(got)
        return out

    def _in_flight_by_campaign(self, s: Session, now: datetime) -> dict[int, int]:
        """Live attempts plus claimed-but-not-dialed ones, per campaign.

        One statement (one snapshot): a row moving from leased to live between two
        separate counts would be missed by both. Each branch matches a partial index.
        """
        live = select(Attempt.campaign_id.label("cid")).where(text(LIVE_SQL))
        leased = select(Attempt.campaign_id.label("cid")).where(
            text(LEASED_SQL), Attempt.lease_until > now
        )
        u = union_all(live, leased).subquery()
        rows = s.execute(select(u.c.cid, func.count()).group_by(u.c.cid)).all()
        return {int(cid): int(n) for cid, n in rows}

    def _handoff_budget(
        self, s: Session, c: Campaign, in_progress: int, now: datetime
    ) -> int | None:
        cfg = pacing_of(c)
        since = now - timedelta(minutes=self.ds.rates_window_min)
        ended, answered, handoffs = s.execute(
            select(
                func.count().filter(Attempt.status == "ended"),
                func.count().filter(Attempt.answered_at.is_not(None)),
                func.count().filter(Attempt.handoff_requested_at.is_not(None)),
            ).where(Attempt.campaign_id == c.id, Attempt.dialed_at >= since)
        ).one()
        answer_rate = smoothed_rate(
            int(answered), int(ended), cfg.prior_answer_rate, cfg.prior_weight
        )
        handoff_rate = smoothed_rate(
            int(handoffs), int(answered), cfg.prior_handoff_rate, cfg.prior_weight
        )
        free = self.agents.free_agents(c.handoff_skill)
        return handoff_budget(in_progress, handoff_rate, answer_rate, free)

    # ------------------------------------------------------------ dial

    def dial(self, attempt_id: int) -> str:
        """Re-check, commit the intent, ask the carrier. Returns dialed|skipped|deferred|lost."""
        now = self.clock.now()
        with self.db.session() as s:
            a = s.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
            if a is None or a.status != "queued" or a.lease_owner != self.worker_id:
                return "lost"
            c = s.get(Campaign, a.campaign_id)
            assert c is not None
            # Pacing counted this row as in flight only until its lease ends: a lease
            # about to run out is given back rather than dialed late. An agent-first call
            # back is dialed while its campaign runs or after it completed.
            margin = timedelta(seconds=self.ds.lease_s / 2)
            asked = a.agent_id is not None or a.callback_asked_at is not None
            open_statuses = ("running", "completed") if asked else ("running",)
            if (
                c.status not in open_statuses
                or a.lease_until is None
                or a.lease_until < now + margin
            ):
                release(s, ATTEMPT_LEASE, [a.id], self.worker_id)
                return "deferred"
            cust = s.scalar(select(Customer).where(Customer.id == a.customer_id).with_for_update())
            assert cust is not None
            row = CustomerRow(cust.id, cust.phone_e164, cust.external_id, cust.timezone)
            facts = FactsLoader(s, self.ds, self.settings.default_timezone).load([row], now)[
                cust.id
            ]
            window = window_of(c)
            cal = self._calendars_for(
                s, {window.holiday_calendar} if window.holiday_calendar else set()
            )
            calendar = cal.get(window.holiday_calendar or "", _EMPTY)
            packs = pack_check(c, self.ds.rulepacks_dir)
            d = (
                decide_callback(facts, window, calendar, now, packs)
                if asked
                else decide(facts, window, calendar, self.ds.caps(), now, packs=packs)
            )
            if not d.ok:
                record_skip(s, a, d.reason or "unknown", d.final, now)
                a.lease_owner = a.lease_until = None
                if d.final:
                    a.status, a.ended_at, a.end_reason = "skipped", now, d.reason
                else:
                    assert d.retry_at is not None
                    a.due_at = d.retry_at
                return "skipped"
            script_id = _script_of(c, a.variant)
            digest = self._scripts.digest(script_id, c.language)
            if self.ds.require_script_approval and not self._scripts.approved(s, digest):
                _pause_unapproved(s, c, script_id, now)  # nothing unreviewed is spoken
                release(s, ATTEMPT_LEASE, [a.id], self.worker_id)
                return "deferred"
            try:
                with s.begin_nested():
                    a.status = "dialing"
                    a.script_digest = digest
                    a.dialed_at = now
                    a.last_event_at = now
                    a.lease_until = now + timedelta(seconds=self.ds.lease_s)
                    s.flush()
            except IntegrityError:
                # The database says the customer or number is already live elsewhere.
                s.refresh(a)
                record_skip(s, a, "in_live_call", False, now)
                a.lease_owner = a.lease_until = None
                a.due_at = now + timedelta(minutes=5)
                return "skipped"
            record_dial(
                s, a, c, now=now, script_id=script_id, window=window,
                calendar=calendar, caps=self.ds.caps(), packs=packs,
            )  # fmt: skip
            phone, caller_id, campaign_id, language = a.phone_e164, c.caller_id, c.id, c.language
            agent_first = (a.agent_id, a.follow_up_id)
            variant = a.variant
        # The intent is committed: from here on a crash leaves a "dialing" row to reconcile.
        base = self.settings.resolved_public_base_url.rstrip("/")
        # the stream's start names the call for the media endpoint (dialogue.speech.script_brain)
        params = StreamStart(
            attempt_id=attempt_id,
            campaign_id=campaign_id,
            script_id=script_id,
            language=language,
            variant=variant or None,
            agent_id=agent_first[0],  # an agent-first call back: connected at once
            task_id=agent_first[1] if agent_first[0] is not None else None,
            token=self.settings.media_stream_token,  # checked by the media endpoint
        ).to_parameters()
        try:
            sid = self.carrier.originate(
                phone,
                caller_id,
                self.ds.media_url or media_ws_url(base),
                f"{base}/carrier/status?attempt_id={attempt_id}",
                params,
            )
        except CarrierError as exc:
            log.warning(
                "originate failed",
                extra={
                    "attempt_id": attempt_id,
                    "ambiguous": exc.ambiguous,
                    "status_code": exc.status_code,
                },
            )
            if not exc.ambiguous:
                self._not_placed(attempt_id, exc)
            return "dialed" if exc.ambiguous else "deferred"
        try:
            with self.db.session() as s:
                a = s.scalar(select(Attempt).where(Attempt.id == attempt_id).with_for_update())
                assert a is not None
                if a.carrier_sid is None:
                    a.carrier_sid = sid
                if a.status == "dialing":
                    a.carrier_status = a.carrier_status or "queued"
                    a.lease_until = self.clock.now() + timedelta(seconds=self.ds.ring_timeout_s)
        except IntegrityError:
            self._duplicate_sid(attempt_id, sid)
            return "failed"
        return "dialed"

    def _duplicate_sid(self, attempt_id: int, sid: str) -> None:
        """The carrier answered with a call id another attempt already has (a carrier that
        reuses ids, say after a restart): this attempt fails with that reason and its retry
        rule, and the call is hung up, since its reports cannot be told from the other's."""
        now = self.clock.now()
        with self.db.session() as s:
            a = s.get(Attempt, attempt_id)
            if a is not None and a.status in ("dialing", "ringing", "in_progress"):
                a.end_reason = f"carrier call id {sid[:64]} is already another attempt's"
                finish_attempt(s, a, "failed", now, default_tz=self.settings.default_timezone)
        log.warning(
            "call failed: the carrier reused a call id",
            extra={"attempt_id": attempt_id, "carrier_sid": sid},
        )
        try:
            self.carrier.hangup(sid)
        except CarrierError:
            log.debug("hang-up of a reused call id failed", extra={"carrier_sid": sid})

    def _not_placed(self, attempt_id: int, exc: CarrierError) -> None:
        now = self.clock.now()
        with self.db.session() as s:
            a = s.get(Attempt, attempt_id)
            if a is None or a.status != "dialing":
                return
            if exc.status_code is None:  # carrier unreachable: nobody was called
                a.end_reason = "carrier unreachable"
                finish_attempt(
                    s,
                    a,
                    "not_dialed",
                    now,
                    default_tz=self.settings.default_timezone,
                    requeue_delay=timedelta(seconds=self.ds.carrier_down_backoff_s),
                )
            else:
                a.end_reason = f"carrier rejected ({exc.status_code})"
                finish_attempt(s, a, "failed", now, default_tz=self.settings.default_timezone)


_EMPTY = HolidayCalendar(name="none")


def load_agent_capacity(path: str) -> AgentCapacity:
    """``module:callable`` returning an AgentCapacity (the console provides one)."""
    mod, _, attr = path.partition(":")
    factory = getattr(importlib.import_module(mod), attr)
    cap: AgentCapacity = factory()
    return cap


def build_dialer(
    db: Database,
    settings: Settings,
    dsettings: DialerSettings | None = None,
    *,
    carrier: Carrier | None = None,
    agents: AgentCapacity | None = None,
    alert: Alert | None = None,
) -> Dialer:
    ds = dsettings or DialerSettings()
    if settings.env == "prod" and ds.carrier_auth_token.get_secret_value() == DEV_CARRIER_TOKEN:
        raise ValueError("TAILCALL_DIALER_CARRIER_AUTH_TOKEN must be set when TAILCALL_ENV=prod")
    car = carrier or TwilioCarrier(
        ds.carrier_base_url,
        ds.carrier_account_sid,
        ds.carrier_auth_token.get_secret_value(),
        timeout_s=ds.carrier_timeout_s,
    )
    return Dialer(db, settings, ds, car, agents=agents, alert=alert)


def _live_workers(s: Session, now: datetime, stale_s: float) -> int:
    """Dial loops that beat within ``stale_s`` (each takes its share of the lines)."""
    since = now - timedelta(seconds=stale_s)
    n = s.scalar(
        select(func.count())
        .select_from(WorkerHeartbeat)
        .where(WorkerHeartbeat.role == "dialer", WorkerHeartbeat.beat_at >= since)
    )
    return max(1, int(n or 0))


def _pause_unapproved(s: Session, c: Campaign, script_id: str, now: datetime) -> None:
    """The script file changed after approval: the campaign pauses, saying why."""
    why = (
        f"script {script_id} ({c.language}) changed since it was approved; "
        "submit and approve the new version, then resume"
    )
    if c.status in TRANSITIONS["pause"]:  # not when an earlier attempt paused it already
        pause_campaign(s, c.id, now, by=DIAL_LOOP, reason=why)
        log.warning("campaign %s paused: %s", c.id, why)


class DialerThread:
    """The dial loop inside another process (``tailcall serve``)."""

    def __init__(self, dialer: Dialer) -> None:
        self.dialer = dialer
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=dialer.run, args=(self._stop,), name="dialer", daemon=True
        )

    def start(self) -> DialerThread:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)


def _script_of(c: Campaign, variant: str | None) -> str:
    """The script a variant names, else the campaign's."""
    for v in variants_of(c):
        if v.name == variant and v.script_id:
            return v.script_id
    return c.script_id
