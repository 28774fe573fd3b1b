"""A served product with a campaign running against the simulated carrier, for the
console's end-to-end tests and the bench: the app ``tailcall serve`` builds (console,
media endpoint with the real speech pipeline, handoffs to this console), the simulated
carrier whose persona customers speak espeak-ng audio, and the real dial loop (paced by
the console's free agents, so nothing is dialed until an agent is available)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from dialer.campaigns.config import DEV_CARRIER_ACCOUNT, DEV_CARRIER_TOKEN, DialerSettings
from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.service import create_campaign, start_campaign
from dialer.campaigns.spec import AudienceSpec, CampaignSpec
from dialer.campaigns.windows import CallingWindow
from dialer.campaigns.worker import DialerThread, build_dialer
from dialer.lists.importer import import_call_list
from dialer.lists.models import Customer, ListMember
from dialogue.speech.script_brain import fixed_prompts
from handoff.state import Console
from kernel.actors import Actor
from kernel.db import Database, upgrade
from kernel.settings import Settings
from scripts.loader import find_script, load_script
from simulator import population
from simulator.calls import CarrierTiming
from simulator.carrier import SimCarrier
from simulator.casting import store_profiles
from simulator.clocks import ScaledClock
from simulator.customer import PersonaLinePlan
from simulator.personas import load_personas, load_reply_bank
from simulator.server import AppServer, SimulatorServer
from simulator.sidechannel import ws_bot_said_tap
from simulator.simulate import SIM_START
from tailcall.app import create_app

CAMPAIGN = "积分提醒 · 首尔 e2e"
SKILLS = ("points", "general", "complaints", "wealth")


@dataclass
class ServedCampaign:
    base: str
    app: FastAPI
    db: Database
    campaign_id: int
    settings: Settings

    @property
    def console(self) -> Console:
        console: Console = self.app.state.handoff
        return console


@contextlib.asynccontextmanager
async def served_campaign(
    tmp: Path,
    *,
    customers: int = 3,
    personas: Sequence[str] = ("interested",),
    language: str = "ko-KR",
    script_id: str = "points_reminder",
    lines: int = 1,
    seed: int = 5,
    users: Sequence[tuple[str, str]] = (("ann", "agent"), ("sue", "supervisor")),
    behaviours: Mapping[str, Any] | None = None,
) -> AsyncIterator[ServedCampaign]:
    """``behaviours`` override every persona's (e.g. ``{"ask_human": 1.0}``: the customer
    asks for a person at the first offer, so the alert comes within seconds)."""
    from tests.handoff.conftest import add_user

    settings = Settings(env="test", data_dir=tmp / "var", database_url=f"sqlite:///{tmp}/e2e.db")
    await asyncio.to_thread(upgrade, settings)
    db = Database(settings)
    for name, role in users:  # agents start offline, as after a login, with every skill
        add_user(db, name, role=role, skills=SKILLS if role == "agent" else ())
    csv_path = tmp / "customers.csv"
    population.write_csv(csv_path, customers, seed=seed)
    people = [c.customer_id for c in population.customers(customers, seed=seed)]
    summary = await asyncio.to_thread(
        import_call_list, db, csv_path, name="e2e", reports_root=tmp / "reports"
    )
    # every persona answers at once: a test must not wait on the odds or a long ring
    every = {
        k: p.model_copy(
            update={
                "answer_probability": {"default": 1.0},
                "ring_s": (1.0, 2.0),
                "behaviours": p.behaviours.model_copy(update=dict(behaviours or {})),
            }
        )
        for k, p in load_personas().items()
    }
    rng = random.Random(f"{seed}:personas")
    assigned = {cid: every[rng.choice(sorted(personas))] for cid in people}
    await asyncio.to_thread(store_profiles, db, summary.list_id, assigned, script_id, seed)
    with db.read() as s:
        phones = dict(
            s.execute(
                select(Customer.external_id, Customer.phone_e164)
                .join(ListMember, ListMember.customer_id == Customer.id)
                .where(ListMember.list_id == summary.list_id)
            ).all()
        )
    by_number = {phones[cid]: p for cid, p in assigned.items() if cid in phones}
    ds = DialerSettings(
        carrier_base_url="http://127.0.0.1:1",
        carrier_account_sid=DEV_CARRIER_ACCOUNT,
        carrier_auth_token=DEV_CARRIER_TOKEN,
        lines=lines,
        calls_per_second=2.0,
        poll_s=0.2,
        unknown_zone_margin_min=0,
        require_script_approval=False,
    )
    spec = CampaignSpec(
        name=CAMPAIGN,
        script_id=script_id,
        language=language,
        caller_id="+82215880000",
        audience=AudienceSpec(list_ids=[summary.list_id]),
        window=CallingWindow(
            weekdays=list(range(7)), hours=[(dtime(0, 0), dtime(23, 59, 59))], holiday_calendar=None
        ),
        pacing=PacingConfig(max_concurrent=lines, calls_per_second=2.0),
        live_handoff=True,
        compliance=CompliancePolicy(rule_packs=[]),  # dials at any hour
    )
    now = datetime.now(UTC)
    with db.session() as s:
        cid = create_campaign(s, spec, now, by=Actor.system("test")).id
        start_campaign(s, cid, now, ds, settings.default_timezone, by=Actor.system("test"))
    plan = PersonaLinePlan(by_number, language, "audio", 0.0, seed, bank=load_reply_bank())
    carrier = SimCarrier(
        clock=ScaledClock(1.0, start=SIM_START),
        line_plan=plan,
        accounts={DEV_CARRIER_ACCOUNT: DEV_CARRIER_TOKEN},
        seed=seed,
        timing=CarrierTiming(),
    )
    async with SimulatorServer(carrier) as carrier_server:
        ds = ds.model_copy(update={"carrier_base_url": carrier_server.base_url})
        app = create_app(settings, db, media=True, dialer_settings=ds, prompt_tap=ws_bot_said_tap)
        runtime = app.state.speech_runtime
        script = load_script(find_script(script_id, language))
        await runtime.warm_up([language], fixed_prompts(script), script.metadata.voice)
        server = AppServer(app)
        await server.start()
        public = settings.model_copy(update={"public_base_url": server.base_url})
        dialer = build_dialer(db, public, ds, agents=app.state.handoff.desk)
        thread = DialerThread(dialer).start()
        try:
            yield ServedCampaign(server.base_url, app, db, cid, settings)
        finally:
            await asyncio.to_thread(thread.stop)
            await app.state.handoff.service.close()
            await server.stop()
            recorder: Any = runtime.recorder
            await asyncio.to_thread(getattr(recorder, "inner", recorder).drain)
            db.dispose()
