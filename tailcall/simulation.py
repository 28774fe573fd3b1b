"""The product as a simulation's host, and the live demo's assembly.

``ProductHost`` implements ``simulator.host.SimulationHost``: the same app factory and
finished-call record for a simulated campaign; the CLI root hands it to the simulator's
commands, tests hand it to ``run_simulation``. ``demo_app`` is ``tailcall serve --demo``:
the product's app with the simulated world (``simulator.demo``) running beside it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from datetime import time as dtime

from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.orm import Session

from dialer.campaigns.config import DEV_CARRIER_ACCOUNT, DEV_CARRIER_TOKEN, DialerSettings
from dialer.campaigns.models import LIVE_CALL_STATES, Attempt
from dialer.campaigns.pacing import PacingConfig
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.service import (
    create_campaign,
    list_campaigns,
    resume_campaign,
    start_campaign,
)
from dialer.campaigns.spec import AudienceFilter, AudienceSpec, CampaignSpec
from dialer.campaigns.stored import spec_of
from dialer.campaigns.windows import CallingWindow
from dialogue.intent.live import CallResult, HandoffRouter, ResultHook
from dialogue.speech.pipeline import PromptTap
from dialogue.speech.script_brain import fixed_prompts
from kernel.actors import Actor
from kernel.db import Database
from kernel.settings import Settings
from scripts.loader import find_script, load_script
from simulator.carrier_api import carrier_app
from simulator.demo import (
    DEMO_TAG,
    CustomerFeed,
    DemoPersonas,
    SimulatedAgents,
    demo_carrier,
)
from simulator.host import HostedApp
from simulator.sidechannel import ws_bot_said_tap
from tailcall.app import create_app
from tailcall.demo import approve_demo_script, ensure_simulated_agents
from tailcall.launch import launch_checks
from tailcall.outcomes import record_call_result


class ProductHost:
    def build_app(
        self,
        settings: Settings,
        db: Database,
        *,
        dialer_settings: DialerSettings,
        router: HandoffRouter,
        audio: bool,
        prompt_tap: PromptTap | None,
        on_result: ResultHook | None,
    ) -> HostedApp:
        app = create_app(
            settings,
            db,
            media=audio,
            dialer_settings=dialer_settings,
            handoff_router=router,
            prompt_tap=prompt_tap,
            on_result=on_result,
        )
        registry = app.state.handoff.registry
        return HostedApp(
            asgi=app,
            live_calls=lambda: len(registry.calls()),
            runtime=getattr(app.state, "speech_runtime", None),
        )

    def record_call(self, db: Database, attempt_id: int, result: CallResult) -> int:
        return record_call_result(db, attempt_id, result)


# -- the live demo (``tailcall serve --demo``) ------------------------------------------
DEMO_SCRIPT = "points_reminder"
DEMO_LINES = 3  # calls at a time
CARRIER_MOUNT = "/sim-carrier"  # the simulated carrier's REST API, served by this app


def demo_spec(language: str, name: str) -> CampaignSpec:
    """The demo's campaign: the points reminder to every customer tagged as the demo's,
    at any hour, a few calls at a time, live handoff on."""
    return CampaignSpec(
        name=name,
        script_id=DEMO_SCRIPT,
        language=language,
        caller_id="+82215880000",
        audience=AudienceSpec(filter=AudienceFilter(tags_all=[DEMO_TAG])),
        window=CallingWindow(
            weekdays=list(range(7)),
            hours=[(dtime(0, 0), dtime(23, 59, 59))],
            holiday_calendar=None,
        ),
        pacing=PacingConfig(max_concurrent=DEMO_LINES, calls_per_second=0.5),
        live_handoff=True,
        # simulated customers on the simulated carrier, at any hour: no carrier or
        # marketing frequency packs (their 08:00-21:00 would stop the demo at night)
        compliance=CompliancePolicy(rule_packs=[]),
    )


def demo_dialer_settings(settings: Settings) -> DialerSettings:
    base = settings.resolved_public_base_url.rstrip("/")
    return DialerSettings().model_copy(
        update={
            "carrier_base_url": base + CARRIER_MOUNT,
            "carrier_account_sid": DEV_CARRIER_ACCOUNT,
            "carrier_auth_token": SecretStr(DEV_CARRIER_TOKEN),
            "lines": DEMO_LINES,
            "poll_s": 0.5,
        }
    )


def ensure_demo_campaign(
    db: Database, settings: Settings, ds: DialerSettings, language: str, feed: CustomerFeed
) -> int:
    """The running demo campaign, started now if there is none (``InvalidInput`` naming
    the field when the language has no speech model: the fix is in the message)."""
    checks = launch_checks(settings)
    checks.check(demo_spec(language, "demo"))  # no model: refused before anything is written
    if ds.require_script_approval:
        approve_demo_script(db, DEMO_SCRIPT, language, datetime.now(UTC))
    base = f"demo: points reminder ({language})"
    with db.session() as s:
        same = [c for c in list_campaigns(s) if c.name == base or c.name.startswith(base + " #")]
        for c in reversed(same):
            if c.status in ("running", "scheduled", "paused"):
                checks.check(spec_of(c))
                if c.status == "paused":
                    resume_campaign(s, c.id, datetime.now(UTC), by=Actor.system("demo"))
                reconcile_now(s, c.id, datetime.now(UTC))
                return c.id
        name = base if not same else f"{base} #{len(same) + 1}"
        campaign = create_campaign(
            s, demo_spec(language, name), datetime.now(UTC), checks, by=Actor.system("demo")
        )
        cid = campaign.id
    feed.campaign_id = cid
    feed.import_batch()
    with db.session() as s:
        start_campaign(
            s,
            cid,
            datetime.now(UTC),
            ds,
            settings.default_timezone,
            checks,
            by=Actor.system("demo"),
        )
    return cid


def reconcile_now(s: Session, campaign_id: int, now: datetime) -> None:
    """A restart: the calls the stopped demo had placed died with its in-process carrier.
    Their watchdogs fire now (the reaper asks the carrier, which does not know them, and
    sends them to review), not after ``max_call_s``: a call that was connected would hold
    one of the demo's few lines for an hour."""
    s.execute(
        update(Attempt)
        .where(Attempt.campaign_id == campaign_id, Attempt.status.in_(LIVE_CALL_STATES))
        .values(lease_owner=None, lease_until=now)
    )


def demo_app(settings: Settings, language: str = "ko-KR") -> FastAPI:
    """``tailcall serve`` with the demo's simulated world beside it: the simulated carrier
    (its REST API mounted at ``CARRIER_MOUNT``, its media streams to this app), the demo
    campaign running continuously, new customers as calls end, simulated agents for the
    alerts nobody takes."""
    db = Database(settings)
    ds = demo_dialer_settings(settings)
    personas = DemoPersonas()
    feed = CustomerFeed(db, settings, ds, 0, personas, DEMO_SCRIPT)
    feed.campaign_id = ensure_demo_campaign(db, settings, ds, language, feed)
    sim_agents = ensure_simulated_agents(db)
    carrier = demo_carrier(language, personas)

    async def world(app: FastAPI, stop: asyncio.Event) -> None:
        console = app.state.handoff
        agents = SimulatedAgents(console.service, sim_agents, language)
        try:
            await asyncio.gather(feed.run(stop), agents.run(stop))
        finally:
            await carrier.aclose()

    app = create_app(
        settings,
        db,
        background=True,
        dialer_settings=ds,
        prompt_tap=ws_bot_said_tap,
        companions=[world],
    )
    runtime = app.state.speech_runtime
    script = load_script(find_script(DEMO_SCRIPT, language))
    runtime.prerender = tuple(fixed_prompts(script))
    runtime.prerender_voice = script.metadata.voice
    # the human leg's transcript recognizers (free decoding) ready before the first takeover
    runtime.free_decoding, runtime.free_warm_recognizers = True, 0
    app.mount(CARRIER_MOUNT, carrier_app(carrier))
    return app
