"""A dry run: the operator's campaign on virtual time against a sample of its audience.

``run_dry_run`` copies a random sample of the customers the spec would call (after its
filters and suppressions, ``dialer.campaigns.audience_count.eligible_ids``) from the real
database into a fresh simulation database of its own, gives each a persona by the
simulator's mix (``simulator.simulate.assign_personas``) and the CRM profile that persona's
grade draws, creates and starts the campaign there with the dialer's service, and runs
the real dial loop (``dialer.campaigns.worker.Dialer``: claims, eligibility, windows,
holidays, caps, rule packs, pacing, retries) on a ``VirtualClock`` against the simulated
world of ``simulator.dry_run_world``. Time jumps from one thing that can happen to the
next (a call's progress, a token of the pacing's rate, the next due attempt, the window's
opening), so a campaign that takes days of calling runs in seconds.

The real database is only read: attempts, caps, the compliance record and the CRM outbox
of the simulation stay in its own file, deleted at the end. The funnel is read from that
file with the same queries as a campaign's live page (``dialer.campaigns.dashboard``) and
scaled to the audience (``dialer.campaigns.dry_run``).
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from crm_sync.campaign_stats import leads_by_variant
from dialer.campaigns import dashboard
from dialer.campaigns.audience_count import PRIORITY, count_audience, eligible_ids
from dialer.campaigns.breaker import Trip
from dialer.campaigns.calendars import calendar_for, store_calendar
from dialer.campaigns.carrier_events import CarrierEventRecorder
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.dry_run import (
    FUNNEL_KEYS,
    BreakerTrip,
    DryRunRequest,
    DryRunResult,
    VariantFunnel,
    estimate_duration,
    retry_tail_s,
    scale,
)
from dialer.campaigns.holidays import HolidayEntry
from dialer.campaigns.models import LIVE_STATES, Attempt, Campaign, HolidayDay
from dialer.campaigns.policy import BreakerThresholds
from dialer.campaigns.reports import skip_counts
from dialer.campaigns.service import create_campaign, resume_campaign, start_campaign
from dialer.campaigns.spec import AudienceSpec
from dialer.campaigns.windows import zone
from dialer.campaigns.worker import Dialer
from dialer.lists.models import CallList, Customer, ListMember
from dialogue.intent.model import GradeThresholds
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database, upgrade
from kernel.errors import InvalidInput
from kernel.settings import Settings
from simulator.agents import SimAgent, SimulatedAgentPool
from simulator.casting import assign_personas, store_profiles
from simulator.customer import PersonaLinePlan
from simulator.dry_run_world import Conversations, EventQueue, RecordCall, VirtualCarrier
from simulator.personas import load_personas, load_reply_bank

Progress = Callable[[int, int], None]  # (customers settled, customers in the sample)
HORIZON = timedelta(days=60)  # virtual time a dry run may cover
MIN_STEP_S = 0.05
WORKER = "dry-run"
DRY_RUN = Actor.system("dry-run")  # acts on the dry run's own copy, never the real campaign
OFF = BreakerThresholds(max_complaints=10**9, max_opt_out_rate=1.0, max_interception_rate=1.0)


@dataclass(frozen=True)
class Sample:
    members: int
    audience: int
    excluded: dict[str, int]
    customers: list[Customer]  # detached copies of the sampled customers
    holidays: list[HolidayEntry]  # the bank's stored days of the window's calendar


def sample_audience(db: Database, request: DryRunRequest) -> Sample:
    """A random sample (seeded) of the customers the spec would call, from the real
    database (read only)."""
    spec = request.spec.audience
    with db.read() as s:
        counted = count_audience(s, spec)
        ids = eligible_ids(s, spec)
        rng = random.Random(f"{request.seed}:sample")
        chosen = sorted(rng.sample(ids, min(request.sample, len(ids))))
        rows: list[Customer] = []
        for i in range(0, len(chosen), 500):
            rows += s.scalars(select(Customer).where(Customer.id.in_(chosen[i : i + 500]))).all()
        copies = [
            Customer(
                id=c.id, phone_e164=c.phone_e164, external_id=c.external_id or f"c{c.id}",
                name=c.name, timezone=c.timezone, star_level=c.star_level,
                aum_band=c.aum_band, branch=c.branch, points=c.points,
                tags=list(c.tags or []), attributes=dict(c.attributes or {}),
            )
            for c in rows
        ]  # fmt: skip
        cal = request.spec.window.holiday_calendar
        days = s.execute(
            select(HolidayDay.day, HolidayDay.kind, HolidayDay.name).where(
                HolidayDay.calendar == (cal or "")
            )
        ).all()
    return Sample(
        members=counted.members,
        audience=len(ids),
        excluded={k: counted.excluded[k] for k in PRIORITY if counted.excluded.get(k)},
        customers=copies,
        holidays=[HolidayEntry(d, k, n) for d, k, n in days],
    )


def run_dry_run(
    db: Database,
    request: DryRunRequest,
    *,
    settings: Settings,
    dialer_settings: DialerSettings,
    record: RecordCall,
    work_dir: Path,
    now: datetime,
    progress: Progress | None = None,
    timeout_s: float = 900.0,
) -> DryRunResult:
    """Run ``request`` (see the module doc); ``record`` is the product's finished-call
    record (``tailcall.outcomes.record_call_result``)."""
    started = time.perf_counter()
    sample = sample_audience(db, request)
    if not sample.customers:
        raise InvalidInput("the audience has nobody to call", where="audience")
    work_dir.mkdir(parents=True, exist_ok=True)
    path = work_dir / "dry-run.sqlite3"
    path.unlink(missing_ok=True)
    sim_settings = settings.model_copy(update={"database_url": f"sqlite:///{path}"})
    upgrade(sim_settings)
    sim = Database(sim_settings)
    _throwaway(sim)
    try:
        run = _Run(sim, sim_settings, dialer_settings, request, record, now, progress)
        run.load(sample)
        run.loop(started + timeout_s)
        return run.result(sample, time.perf_counter() - started)
    finally:
        sim.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _throwaway(db: Database) -> None:
    """The simulation's own file is deleted at the end: no syncs, temporary tables in
    memory, a large cache (on its engine only). The journal stays WAL: the product's
    code opens a read session while a write session is open (the breaker's alert), which
    a rollback journal would lock out."""

    @event.listens_for(db.engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute("PRAGMA cache_size=-262144")  # 256 MiB at most: the whole file
        cur.close()


class _Run:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        ds: DialerSettings,
        request: DryRunRequest,
        record: RecordCall,
        now: datetime,
        progress: Progress | None,
    ) -> None:
        self.db, self.settings, self.request, self.progress = db, settings, request, progress
        spec = request.spec
        # nothing is spoken to anyone: scripts are tried before approval, text only; the
        # calendar's end is the real dial loop's warning, not one per simulated day
        self.ds = ds.model_copy(update={"require_script_approval": False, "calendar_warn_days": 0})
        self.clock = VirtualClock(now)
        self.start = now
        self.queue = EventQueue(self.clock)
        self.pool = SimulatedAgentPool(
            [SimAgent(f"agent-{i:03d}", skills=frozenset(filter(None, [spec.handoff_skill])))
             for i in range(request.agents)],
            clock=self.clock, seed=request.seed,
        )  # fmt: skip
        self.conversations = Conversations(
            db, record, self.pool, self.queue, spec.language, request.seed,
            GradeThresholds.from_campaign(spec.thresholds), spec.live_handoff,
            spec.handoff_skill,
        )  # fmt: skip
        self.grades: Counter[str] = Counter()
        self.trips: list[BreakerTrip] = []
        self.paused = False
        self.campaign_id = 0
        self.total = 0
        self.lines = min(spec.pacing.max_concurrent, self.ds.lines)

    def load(self, sample: Sample) -> None:
        """The sampled customers into the simulation's database as one list, a persona
        each, and the campaign created and started there."""
        spec = self.request.spec
        with self.db.session() as s:
            cl = CallList(
                name="dry run", filename="-", sha256="dry-run", encoding="utf-8",
                region="CN", report_dir="-",
            )  # fmt: skip
            s.add(cl)
            s.flush()
            s.add_all(sample.customers)  # their ids are the real ones: one flush for all
            s.flush()
            s.add_all(
                ListMember(list_id=cl.id, customer_id=c.id, line_no=n)
                for n, c in enumerate(sample.customers, start=1)
            )
            list_id = cl.id
            if sample.holidays and spec.window.holiday_calendar:
                store_calendar(s, spec.window.holiday_calendar, sample.holidays)
        self.total = len(sample.customers)
        assigned = assign_personas(
            [c.external_id or "" for c in sample.customers], load_personas(), self.request.seed
        )
        self.grades = Counter(p.grade for p in assigned.values())
        store_profiles(self.db, list_id, assigned, spec.script_id, self.request.seed)
        by_number = {c.phone_e164: assigned[c.external_id or ""] for c in sample.customers}
        plan = PersonaLinePlan(
            by_number, spec.language, "text", 0.1, self.request.seed,
            timezone=self.settings.default_timezone, bank=load_reply_bank(),
        )  # fmt: skip
        self.carrier = VirtualCarrier(self.queue, plan, self.conversations)
        tz = self.settings.default_timezone
        self.carrier.sink = CarrierEventRecorder(self.db, self.ds, tz, self.clock)
        sim_spec = spec.model_copy(
            update={"audience": AudienceSpec(list_ids=[list_id]), "text_only": True}
        )
        with self.db.session() as s:
            self.campaign_id = create_campaign(s, sim_spec, self.start, by=DRY_RUN).id
            start_campaign(s, self.campaign_id, self.start, self.ds, tz, by=DRY_RUN)
        self.dialer = Dialer(
            self.db, self.settings, self.ds, self.carrier, clock=self.clock,
            agents=_FreeAgents(self.pool), worker_id=WORKER, alert=self._tripped,
        )  # fmt: skip

    def _tripped(self, campaign_id: int, trip: Trip) -> None:
        """The compliance breaker paused the campaign: noted, and resumed (by the next
        pass) so that the rest of the funnel is seen."""
        with self.db.read() as s:
            dials = int(
                s.scalar(
                    select(func.count()).where(
                        Attempt.campaign_id == campaign_id, Attempt.dialed_at.is_not(None)
                    )
                )
                or 0
            )
        self.trips.append(
            BreakerTrip(at=self.clock.now(), after_dials=dials, reason=trip.reason,
                        detail=trip.detail)
        )  # fmt: skip
        self.paused = True

    def loop(self, deadline: float) -> None:
        """Tick the dial loop when it can dial, and jump the clock to the next thing that
        can happen in between (see ``_next_tick``)."""
        end = self.clock.monotonic() + HORIZON.total_seconds()
        told, idle = 0.0, 0
        while True:
            report = self.dialer.tick()
            if report.errors:  # the product's dial loop failed on the simulated world
                raise RuntimeError(f"the dial loop failed: {report.errors[0]}")
            if self.paused:  # the breaker's first pause is noted in ``trips``; the rest of
                with self.db.session() as s:  # the funnel is seen without the breaker
                    c = resume_campaign(s, self.campaign_id, self.clock.now(), by=DRY_RUN)
                    c.compliance = {**(c.compliance or {}), "breaker": OFF.model_dump()}
                self.paused = False
            tell = self.progress is not None and time.perf_counter() >= told + 0.25
            status, due_now, next_due, settled = self._state(tell)
            if tell and settled is not None and self.progress is not None:
                self.progress(settled, self.total)
                told = time.perf_counter()
            if status not in ("running", "scheduled") and not len(self.queue):
                return
            if self.clock.monotonic() > end or time.perf_counter() > deadline:
                self.unfinished = True
                return
            idle = 0 if report.claimed else min(idle + 1, 10)
            self._next_tick(due_now, next_due, idle)

    def _next_tick(self, due_now: int, next_due: datetime | None, idle: int) -> None:
        """Run the simulated world up to the dial loop's next useful pass.

        Calls are due now: the pass that can dial them comes when the pacing has its next
        token, or when a line or an agent comes free (an event), at most once per
        ``poll_s`` (as the real loop, which polls each ``poll_s`` when it cannot claim: the
        lines freed within one poll are dialed by one pass). Nothing is due: no pass can dial before the next due
        time, so the events on the way run without one, each followed by a look at the
        queue for a retry or a call back it scheduled sooner."""
        now = self.clock.monotonic()
        due_in = None if next_due is None else max((next_due - self.clock.now()).total_seconds(), 0)
        if due_now:
            cps = max(
                min(self.request.spec.pacing.calls_per_second, self.ds.calls_per_second), 1e-3
            )
            free = self.carrier.live < self.lines
            candidates = [t for t in (self.queue.next_at(),) if t is not None]
            if candidates and (idle or not free):
                candidates = [max(candidates[0], now + self.ds.poll_s)]
            if due_in is not None:
                candidates.append(now + due_in)
            if free:  # the pacing's tokens (again at once after a claim, then twice later);
                # a pass that still claims nothing waits for a line or an agent (an event)
                # or, at the latest, a minute: the handoff budget's rates move with time
                candidates.append(now + (min(2.0**idle / cps, 60.0) if idle <= 2 else 60.0))
            self.queue.run_until(max(min(candidates, default=now + 60.0), now + MIN_STEP_S))
            return
        if due_in is None and not len(self.queue):
            self.queue.run_until(now + 60.0)  # nothing queued, nothing live: the pass ends it
            return
        target = now + due_in if due_in is not None else None
        while (at := self.queue.first_at()) is not None and (target is None or at <= target):
            settled = self.carrier.settled
            self.queue.run_until(at)
            if self.carrier.settled == settled:
                continue  # a ringing call or an agent come free: nothing queued
            soon = self._next_due()
            if soon is not None:
                mono = self.clock.monotonic()
                soon_at = mono + max((soon - self.clock.now()).total_seconds(), 0)
                target = soon_at if target is None else min(target, soon_at)
        if target is not None:
            self.queue.run_until(max(target, now + MIN_STEP_S))

    def _next_due(self) -> datetime | None:
        """The earliest due time of the campaign's queued attempts."""
        with self.db.read() as s:
            return s.scalar(
                select(func.min(Attempt.due_at)).where(
                    Attempt.campaign_id == self.campaign_id, Attempt.status == "queued"
                )
            )

    unfinished = False

    def _state(self, with_settled: bool) -> tuple[str, int, datetime | None, int | None]:
        """The campaign's status, its queued attempts due now, the next due time (or the
        scheduled start) and, if asked, the customers with nothing left to do."""
        now = self.clock.now()
        a = Attempt
        with self.db.read() as s:
            c = s.get(Campaign, self.campaign_id)
            assert c is not None
            due_now, later = s.execute(
                select(
                    func.count().filter(a.due_at <= now), func.min(a.due_at).filter(a.due_at > now)
                ).where(a.campaign_id == c.id, a.status == "queued")
            ).one()
            if c.status == "scheduled" and c.start_at is not None:
                later = min(filter(None, [later, c.start_at]))
            settled = None
            if with_settled:
                open_n = s.scalar(
                    select(func.count(func.distinct(a.customer_id))).where(
                        a.campaign_id == c.id, a.status.in_(("queued", *LIVE_STATES))
                    )
                )
                settled = self.total - int(open_n or 0)
            return c.status, int(due_now or 0), later, settled

    def result(self, sample: Sample, wall_s: float) -> DryRunResult:
        spec = self.request.spec
        cid = self.campaign_id
        with self.db.read() as s:
            by = dashboard.funnel_by_variant(s, cid)
            leads = leads_by_variant(s, cid)
            skips = dict(sorted(skip_counts(s, cid).items(), key=lambda kv: -kv[1]))
            outcomes = {
                str(o): int(n)
                for o, n in s.execute(
                    select(Attempt.outcome, func.count())
                    .where(Attempt.campaign_id == cid, Attempt.outcome.is_not(None))
                    .group_by(Attempt.outcome)
                )
            }
            calls = [
                (d, e)
                for d, e in s.execute(
                    select(Attempt.dialed_at, Attempt.ended_at).where(Attempt.campaign_id == cid)
                )
                if d is not None
            ]
            cal = calendar_for(s, spec.window.holiday_calendar)
        factor = sample.audience / max(len(sample.customers), 1)
        total = dashboard.total(by)
        funnel = _funnel(asdict(total), sum(leads.values()))
        names = [v.name for v in spec.variants] or [""]
        names += [n for n in sorted(by) if n not in names]
        variants = []
        for name in names:
            counts = by.get(name, dashboard.FunnelCounts())
            f = _funnel(asdict(counts), leads.get(name, 0))
            variants.append(VariantFunnel(name=name or "-", sample=f, expected=scale(f, factor)))
        ends = [e for _, e in calls if e is not None]
        line_s = [(e - d).total_seconds() for d, e in calls if e is not None]
        tz = self.settings.default_timezone
        days = {d.astimezone(zone(tz)).date() for d, _ in calls}
        lines = min(spec.pacing.max_concurrent, self.ds.lines)
        start = spec.start_at if spec.start_at and spec.start_at > self.start else self.start
        estimate = estimate_duration(
            window=spec.window, calendar=cal, zone_name=tz, start=start,
            dials=round(total.dialed * factor),
            line_s_per_dial=sum(line_s) / len(line_s) if line_s else 0.0,
            lines=lines, cps=min(spec.pacing.calls_per_second, self.ds.calls_per_second),
            tail_s=retry_tail_s(spec.retry, outcomes),
        )  # fmt: skip
        return DryRunResult(
            members=sample.members,
            audience=sample.audience,
            excluded=sample.excluded,
            sample=len(sample.customers),
            scale=round(factor, 4),
            grade_mix={g: self.grades.get(g, 0) for g in "ABCD"},
            funnel=funnel,
            expected=scale(funnel, factor),
            variants=variants,
            skips=skips,
            expected_skips=scale(skips, factor),
            started_at=start,
            first_dial_at=min((d for d, _ in calls), default=None),
            sample_span_s=round((max(ends) - start).total_seconds(), 1) if ends else 0.0,
            sample_days=len(days),
            estimate=estimate,
            agents=self.request.agents,
            lines=lines,
            wall_s=round(wall_s, 2),
            unfinished=self.unfinished,
            breaker_trips=self.trips,
        )


def _funnel(counts: dict[str, int], leads: int) -> dict[str, int]:
    merged = {**counts, "leads": leads}
    return {k: int(merged.get(k, 0)) for k in FUNNEL_KEYS}


@dataclass
class _FreeAgents:
    """The simulated agents as the dialer's ``AgentCapacity`` (handoff-aware pacing)."""

    pool: SimulatedAgentPool

    def free_agents(self, skill: str | None) -> int:
        return sum(1 for a in self.pool.agents if a.agent_id not in self.pool.busy)
