"""A whole campaign, simulated end to end through the real subsystems.

``run_simulation``: a fresh database (Alembic schema), synthetic customers written as a
CSV and imported by ``dialer.lists.importer``, a persona per customer, a campaign created and
started by ``dialer.campaigns.service``, the real dial loop (``dialer.campaigns.worker``) placing calls with
``TwilioCarrier`` on the simulated carrier (in process, on 127.0.0.1), status callbacks to
the tailcall app's ``/carrier/status`` (in process), and answered calls run by
``simulator.textcall_runner``. The carrier's timing runs on a ``ScaledClock``; the dialer
runs on real time, so rings are short and retry delays are seconds. The report joins the
database (every customer's attempts and skips) with what the runner saw.

``speech="audio"``: answered calls open the media websocket to the app's media endpoint
and run the real speech pipeline (``simulator.audiocalls``); personas speak espeak-ng
audio, so everything runs in real time (no time compression) and a few lines at once.

Reproducible for a seed: personas, answers, replies, recognition errors and agent
decisions are drawn from RNGs keyed by the number, its attempt and the seed, never by
arrival order; there is one simulated agent per line so that no offer finds nobody free.
"""

from __future__ import annotations

import asyncio
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crm_sync.models import Lead
from dialer.campaigns.config import DEV_CARRIER_ACCOUNT, DEV_CARRIER_TOKEN, DialerSettings
from dialer.campaigns.models import Attempt, SkipRecord
from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.reports import campaign_status
from dialer.campaigns.retries import RetryPolicy, RetryRule, default_rules
from dialer.campaigns.service import create_campaign, start_campaign
from dialer.campaigns.spec import AudienceSpec, CampaignSpec
from dialer.campaigns.windows import CallingWindow
from dialer.campaigns.worker import DialerThread, build_dialer
from dialer.carriers.base import TwilioCarrier
from dialer.lists.importer import import_call_list
from dialer.lists.models import Customer, ListMember
from dialogue.intent.model import ScoringModel
from dialogue.intent.model_files import read_model
from dialogue.speech.models import CallSummaryRow, CallTurnMetric
from dialogue.speech.pipeline import SpeechRuntime
from dialogue.speech.script_brain import fixed_prompts
from kernel.actors import Actor
from kernel.db import Database, upgrade
from kernel.errors import InvalidInput
from kernel.settings import Settings
from scripts.loader import find_script, load_script
from simulator import population
from simulator.agents import SimAgent, SimulatedAgentPool
from simulator.audiocalls import AudioCallLog, SimAgentsRouter, audio_outcome
from simulator.calls import CarrierTiming
from simulator.carrier import SimCarrier
from simulator.casting import assign_personas, store_profiles
from simulator.clocks import ScaledClock
from simulator.customer import PersonaLinePlan
from simulator.host import SimulationHost
from simulator.personas import Persona, load_personas, load_reply_bank
from simulator.report import SimulatedCall, SimulationReport, build_report
from simulator.server import AppServer, SimulatorServer
from simulator.sidechannel import ws_bot_said_tap
from simulator.textcall_runner import PoolCapacity, TextCallRunner, TextLinePlan

# the engine's and the carrier's simulated start: 10:00 in Shanghai on a Tuesday
SIM_START = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
CALLER_ID = "+8657100000000"
TERMINAL = ("ended", "skipped", "cancelled")

Progress = Callable[[int, int], None]  # (attempts finished, attempts so far)


@dataclass(frozen=True)
class SimulationConfig:
    script: str = "points_reminder"
    language: str = "zh-CN"
    customers: int = 1000
    personas: Sequence[str] = ()  # empty: all
    seed: int = 1
    speech: str = "text"
    word_error_rate: float = 0.1
    model_path: Path | None = None
    database_url: str | None = None  # None: SQLite in a fresh temporary directory
    data_dir: Path | None = None  # None: a fresh temporary directory, removed at the end
    time_factor: float = 20.0  # the carrier's clock runs this much faster than real time
    lines: int = 80
    calls_per_second: float = 30.0
    agents: int | None = None  # None: one per line
    retries: int = 1  # of busy and no-answer calls
    retry_delay_s: float = 3.0  # real seconds
    timeout_s: float = 900.0


@dataclass
class SimulationResult:
    report: SimulationReport
    campaign_id: int
    database_url: str
    personas: dict[str, str]  # customer external id -> persona id
    errors: list[str] = field(default_factory=list)


def _select_personas(wanted: Sequence[str]) -> dict[str, Persona]:
    every = load_personas()
    if not wanted or list(wanted) == ["all"]:
        return every
    unknown = [p for p in wanted if p not in every]
    if unknown:
        raise InvalidInput(f"unknown persona {unknown[0]!r}", where="personas")
    return {p: every[p] for p in wanted}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


async def run_simulation(
    cfg: SimulationConfig, host: SimulationHost, *, progress: Progress | None = None
) -> SimulationResult:
    """Run ``cfg`` through the product ``host`` builds (``tailcall.simulation.ProductHost``)."""
    if cfg.speech not in ("text", "audio"):
        raise InvalidInput("speech must be 'text' or 'audio'", where="speech")
    started = time.perf_counter()
    chosen = _select_personas(cfg.personas)
    model: ScoringModel | None = read_model(cfg.model_path) if cfg.model_path else None
    tmp = cfg.data_dir or Path(tempfile.mkdtemp(prefix="tailcall-sim-"))
    try:
        return await _run(cfg, host, chosen, model, tmp, started, progress)
    finally:
        if cfg.data_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)


async def _run(
    cfg: SimulationConfig,
    host: SimulationHost,
    chosen: dict[str, Persona],
    model: ScoringModel | None,
    tmp: Path,
    started: float,
    progress: Progress | None,
) -> SimulationResult:
    lines = cfg.lines
    settings = Settings(env="test", data_dir=tmp, database_url=cfg.database_url or "")
    await asyncio.to_thread(upgrade, settings)
    db = Database(settings)
    try:
        # -- customers, imported through the real call-list import
        csv_path = tmp / "customers.csv"
        population.write_csv(csv_path, cfg.customers, seed=cfg.seed)
        people = list(population.customers(cfg.customers, seed=cfg.seed))
        summary = await asyncio.to_thread(
            import_call_list, db, csv_path, name="simulation", reports_root=tmp / "reports"
        )
        csv_path.unlink()  # imported: the customers are in the database now
        assigned = assign_personas([c.customer_id for c in people], chosen, cfg.seed)
        with db.read() as s:
            phones = dict(
                s.execute(
                    select(Customer.external_id, Customer.phone_e164)
                    .join(ListMember, ListMember.customer_id == Customer.id)
                    .where(ListMember.list_id == summary.list_id)
                ).all()
            )
        by_number = {phones[cid]: p for cid, p in assigned.items() if cid in phones}
        await asyncio.to_thread(store_profiles, db, summary.list_id, assigned, cfg.script, cfg.seed)

        # -- the campaign, through the dialer's service
        # every retryable outcome retried after seconds, not hours: the dialer runs on real time
        rule = RetryRule(max_retries=cfg.retries, delay_minutes=cfg.retry_delay_s / 60.0)
        retry = RetryPolicy(
            rules={o: rule for o, r in default_rules().items() if r.max_retries > 0}
        )
        ds = DialerSettings(
            carrier_base_url="http://127.0.0.1:1",  # replaced once the carrier listens
            carrier_account_sid=DEV_CARRIER_ACCOUNT,
            carrier_auth_token=DEV_CARRIER_TOKEN,
            lines=lines,
            calls_per_second=cfg.calls_per_second,
            poll_s=0.1,
            max_attempts_per_day=retry.max_dials(),
            unknown_zone_margin_min=0,
            # a simulation calls nobody: scripts are tried here before they are approved
            require_script_approval=False,
        )
        spec = CampaignSpec(
            name=f"simulation {cfg.script} seed {cfg.seed}",
            script_id=cfg.script,
            language=cfg.language,
            caller_id=CALLER_ID,
            audience=AudienceSpec(list_ids=[summary.list_id]),
            window=CallingWindow(
                weekdays=list(range(7)),
                hours=[(dtime(0, 0), dtime(23, 59, 59))],
                holiday_calendar=None,
            ),
            pacing=PacingConfig(max_concurrent=lines, calls_per_second=cfg.calls_per_second),
            retry=retry,
            live_handoff=True,
            text_only=cfg.speech == "text",  # text mode runs no speech pipeline
            # the simulated carrier has no frequency rules, and a simulated day runs at
            # whatever hour the machine's clock says
            # and the customers' call back times are on the simulated clock, the dial
            # loop's on real time: a call back becomes an agent's task, not a redial
            compliance=CompliancePolicy(rule_packs=[], callbacks="agent_task"),
        )
        now = datetime.now(UTC)
        with db.session() as s:
            campaign = create_campaign(s, spec, now, by=Actor.system("simulator"))
            cid = campaign.id
            start_campaign(s, cid, now, ds, settings.default_timezone, by=Actor.system("simulator"))

        # -- the simulated world: carrier, agents, text-mode runner or audio calls
        audio = cfg.speech == "audio"
        clock = ScaledClock(1.0 if audio else cfg.time_factor, start=SIM_START)
        pool = SimulatedAgentPool(
            [SimAgent(f"agent-{i:03d}") for i in range(cfg.agents or lines)],
            clock=clock,
            seed=cfg.seed,
        )
        hangups = TwilioCarrier("http://127.0.0.1:1", DEV_CARRIER_ACCOUNT, DEV_CARRIER_TOKEN)
        runner = TextCallRunner(
            db=db,
            carrier=hangups,
            agents=pool,
            clock=clock,
            language=cfg.language,
            seed=cfg.seed,
            word_error_rate=cfg.word_error_rate,
            call_start=SIM_START,
            record=host.record_call,
            model=model,
        )
        personas_plan = PersonaLinePlan(
            by_number,
            cfg.language,
            cfg.speech,  # type: ignore[arg-type]
            cfg.word_error_rate,
            cfg.seed,
            bank=load_reply_bank(),
        )
        plan: Any = personas_plan if audio else TextLinePlan(personas_plan, runner)
        router = SimAgentsRouter(pool, clock, cfg.seed)
        audio_log = AudioCallLog()
        carrier = SimCarrier(
            clock=clock,
            line_plan=plan,
            accounts={DEV_CARRIER_ACCOUNT: DEV_CARRIER_TOKEN},
            seed=cfg.seed,
            timing=CarrierTiming(),
        )
        async with SimulatorServer(carrier) as carrier_server:
            ds = ds.model_copy(update={"carrier_base_url": carrier_server.base_url})
            hosted = host.build_app(
                settings,
                db,
                dialer_settings=ds,
                router=router,
                audio=audio,
                prompt_tap=ws_bot_said_tap if audio else None,
                on_result=audio_log.on_result if audio else None,
            )
            if hosted.runtime is not None:
                await _warm_up(hosted.runtime, cfg)
            app_server = AppServer(hosted.asgi)
            await app_server.start()
            hangups.close()
            runner.carrier = TwilioCarrier(
                carrier_server.base_url, DEV_CARRIER_ACCOUNT, DEV_CARRIER_TOKEN
            )
            dialer_settings = settings.model_copy(update={"public_base_url": app_server.base_url})
            dialer = build_dialer(db, dialer_settings, ds, agents=PoolCapacity(pool))
            thread = DialerThread(dialer).start()
            try:
                busy = lambda: runner.running + hosted.live_calls()  # noqa: E731
                await _wait_done(db, cid, busy, cfg.timeout_s, progress)
                if hosted.runtime is not None:  # the last calls' rows and outcomes are
                    recorder: Any = hosted.runtime.recorder  # written off the loop
                    await asyncio.to_thread(getattr(recorder, "inner", recorder).drain)
                    await _outcomes_written(db, cid, audio_log)
            finally:
                await asyncio.to_thread(thread.stop)
                await runner.drain()
                await app_server.stop()
                for client in (runner.carrier, dialer.carrier):
                    if isinstance(client, TwilioCarrier):
                        client.close()

        wall = time.perf_counter() - started
        answered = (
            _audio_outcomes(db, cfg, audio_log, personas_plan, router, assigned)
            if audio
            else {a.customer_id: a.outcome for a in runner.answered}
        )
        outcomes = _outcomes(db, cid, summary.list_id, answered, assigned)
        report = build_report(
            outcomes,
            script=cfg.script,
            seed=cfg.seed,
            speech=cfg.speech,
            generated_at=datetime.now(UTC),
            wall_time_s=round(wall, 2),
            peak_memory_mb=round(_peak_rss_mb(), 1),
        )
        return SimulationResult(
            report=report,
            campaign_id=cid,
            database_url=settings.resolved_database_url,
            personas={k: v.id for k, v in assigned.items()},
            errors=list(runner.errors),
        )
    finally:
        db.dispose()


async def _warm_up(runtime: SpeechRuntime, cfg: SimulationConfig) -> None:
    """Models, VAD and the script's fixed prompts before the first call."""
    script = load_script(find_script(cfg.script, cfg.language))
    runtime.record_calls = False
    await runtime.warm_up([cfg.language], fixed_prompts(script), script.metadata.voice)


async def _outcomes_written(db: Database, cid: int, log: AudioCallLog) -> None:
    """Wait (up to 10 s) until every answered attempt's outcome thread has reported."""
    with db.read() as s:
        answered = len(
            list(
                s.scalars(
                    select(Attempt.id).where(
                        Attempt.campaign_id == cid, Attempt.answered_at.is_not(None)
                    )
                )
            )
        )
    for _ in range(100):
        if len(log.results) >= answered:
            return
        await asyncio.sleep(0.1)


async def _wait_done(
    db: Database,
    cid: int,
    busy: Callable[[], int],
    timeout_s: float,
    progress: Progress | None,
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        status = await asyncio.to_thread(_status, db, cid)
        by_status: dict[str, int] = dict(status["attempts"])
        done = sum(n for st, n in by_status.items() if st in TERMINAL)
        if progress is not None:
            progress(done, sum(by_status.values()))
        if status["status"] == "completed" and not busy():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"campaign {cid} did not finish in {timeout_s:.0f} s (attempts: {by_status}, "
                f"skips: {status['skips']}, "
                f"calls running: {busy()})"
            )
        await asyncio.sleep(0.25)


def _status(db: Database, cid: int) -> dict[str, Any]:
    with db.read() as s:
        return campaign_status(s, cid)


def _outcomes(
    db: Database,
    cid: int,
    list_id: int,
    answered: dict[int, SimulatedCall],
    assigned: dict[str, Persona],
) -> list[SimulatedCall]:
    """One report row per customer of the list: the answered call, or how the attempts
    ended, or why the customer was never dialed."""
    with db.read() as s:
        members = s.execute(
            select(Customer.id, Customer.external_id)
            .join(ListMember, ListMember.customer_id == Customer.id)
            .where(ListMember.list_id == list_id)
        ).all()
        attempts = list(
            s.scalars(select(Attempt).where(Attempt.campaign_id == cid).order_by(Attempt.seq))
        )
        skips = list(
            s.scalars(
                select(SkipRecord).where(SkipRecord.campaign_id == cid).order_by(SkipRecord.id)
            )
        )
    by_customer: dict[int, list[Attempt]] = {}
    for a in attempts:
        by_customer.setdefault(a.customer_id, []).append(a)
    last_skip = {k.customer_id: k.reason for k in skips}
    out: list[SimulatedCall] = []
    for customer_id, external_id in sorted(members, key=lambda m: str(m[1])):
        external = str(external_id or customer_id)
        if customer_id in answered:
            out.append(answered[customer_id])
            continue
        persona = assigned.get(external)
        rows = by_customer.get(customer_id, [])
        dialed = any(a.dialed_at is not None for a in rows)
        if dialed:
            disposition = rows[-1].outcome or rows[-1].status
        else:
            why = (rows[-1].end_reason if rows else None) or last_skip.get(customer_id)
            disposition = f"skipped:{why or 'not_in_audience'}"
        out.append(
            SimulatedCall(
                customer_id=external,
                persona_id=persona.id if persona else "-",
                true_grade=persona.grade if persona else "-",
                disposition=disposition,
                dialed=dialed,
                answered=any(a.answered_at is not None for a in rows),
            )
        )
    return out


def _audio_outcomes(
    db: Database,
    cfg: SimulationConfig,
    log: AudioCallLog,
    plan: PersonaLinePlan,
    router: SimAgentsRouter,
    assigned: dict[str, Persona],
) -> dict[int, SimulatedCall]:
    """Answered audio calls by customer id: the call's result joined with its persona's
    said turns (by number), its leads and its turn latencies (from the database)."""

    script = load_script(find_script(cfg.script, cfg.language))
    out: dict[int, SimulatedCall] = {}
    with db.read() as s:
        for attempt_id, result in sorted(log.results.items()):
            a = s.get(Attempt, attempt_id)
            cust = s.get(Customer, a.customer_id) if a is not None else None
            if a is None or cust is None:
                continue
            external = str(cust.external_id or cust.id)
            persona = assigned.get(external)
            if persona is None:
                continue
            callees = plan.callees.get(a.phone_e164) or []
            call_sid = s.scalar(
                select(CallSummaryRow.call_sid).where(CallSummaryRow.attempt_id == attempt_id)
            )
            latencies = [
                float(x)
                for x in s.scalars(
                    select(CallTurnMetric.response_latency_s).where(
                        CallTurnMetric.attempt_id == attempt_id,
                        CallTurnMetric.response_latency_s.is_not(None),
                    )
                )
                if x is not None
            ]
            leads = len(list(s.scalars(select(Lead.id).where(Lead.attempt_id == attempt_id))))
            out[cust.id] = audio_outcome(
                external_id=external,
                persona=persona,
                result=result,
                callee=callees[-1] if callees else None,
                script=script,
                language=cfg.language,
                decision=router.decisions.get(call_sid or ""),
                leads=leads,
                latencies=latencies,
            )
    return out


def save(result: SimulationResult, out: Path) -> tuple[Path, Path]:
    return result.report.save(out)
