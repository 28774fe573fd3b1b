"""The campaign simulation end to end (text mode): a small run through the real import,
campaign service, dial loop, simulated carrier, status callbacks, engine and scorer."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from crm_sync.models import Lead, OutboxEvent
from dialer.campaigns.config import DEV_CARRIER_ACCOUNT
from dialer.campaigns.models import Attempt
from dialer.carriers.base import stream_twiml
from dialer.lists.models import Customer, Suppression
from dialogue.intent.labelled_calls import shipped_script
from kernel.db import Database
from kernel.settings import Settings
from simulator.carrier import SimCarrier
from simulator.casting import assign_personas
from simulator.clocks import ScaledClock
from simulator.lines import Answer, CallContext, StaticLinePlan
from simulator.personas import load_personas
from simulator.simulate import SimulationConfig, SimulationResult, run_simulation
from simulator.text_conversation import expected_intent
from tailcall.cli import simulate_command
from tailcall.simulation import ProductHost

CUSTOMERS = 30
SEED = 2
FAST: dict[str, Any] = {"time_factor": 40.0, "retry_delay_s": 1.5, "timeout_s": 120.0}


def _run(db_path: Path, **kw: Any) -> SimulationResult:
    cfg = SimulationConfig(
        customers=CUSTOMERS, seed=SEED, database_url=f"sqlite:///{db_path}", **{**FAST, **kw}
    )
    return asyncio.run(run_simulation(cfg, ProductHost()))


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationResult, Database]:
    path = tmp_path_factory.mktemp("sim") / "sim.db"
    result = _run(path)
    return result, Database(Settings(env="test", database_url=f"sqlite:///{path}"))


def _stable(result: SimulationResult) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.report.to_json())
    for volatile in ("generated_at", "wall_time_s", "peak_memory_mb"):
        data.pop(volatile)
    return data


def test_every_customer_is_accounted_for(first: tuple[SimulationResult, Database]) -> None:
    result, _ = first
    r = result.report
    assert not result.errors
    assert r.customers == CUSTOMERS
    skipped = sum(
        d.startswith("skipped:") for d in r.dispositions for _ in range(r.dispositions[d])
    )
    assert r.funnel["dialed"] + skipped == CUSTOMERS
    assert 0 < r.funnel["answered"] <= r.funnel["dialed"]
    assert r.funnel["handed_off"] <= r.funnel["handoff_offered"] <= r.funnel["answered"]
    assert r.handoff.wait.count == r.funnel["handoff_offered"]
    assert sum(sum(row.values()) for row in r.confusion.values()) == r.funnel["human"]
    assert r.recognition.utterances > 0


def test_answered_calls_are_recorded_and_completed_by_the_carrier(
    first: tuple[SimulationResult, Database],
) -> None:
    result, db = first
    with db.read() as s:
        answered = list(s.scalars(select(Attempt).where(Attempt.answered_at.is_not(None))))
        live = s.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(Attempt.status.in_(("queued", "dialing", "ringing", "in_progress")))
        )
    assert live == 0
    assert len(answered) == result.report.funnel["answered"]
    for a in answered:
        assert a.disposition, "every answered call has the script's disposition"
        assert a.answered_by == "human"
        # the hang-up went through the carrier, whose `completed` callback ended the attempt
        assert (a.status, a.outcome) == ("ended", "answered")
    report_dispositions = Counter(
        d for d, n in result.report.dispositions.items() for _ in range(n)
    )
    assert Counter(a.disposition for a in answered) <= report_dispositions


def test_opt_outs_are_suppressed_and_leads_match_the_outbox(
    first: tuple[SimulationResult, Database],
) -> None:
    result, db = first
    with db.read() as s:
        opted = set(
            s.scalars(
                select(Customer.phone_e164)
                .join(Attempt, Attempt.customer_id == Customer.id)
                .where(Attempt.disposition == "opted_out")
            )
        )
        suppressed = set(
            s.scalars(select(Suppression.phone_e164).where(Suppression.kind == "opt_out"))
        )
        leads = s.scalar(select(func.count()).select_from(Lead)) or 0
        created = (
            s.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.event_type == "lead.created")
            )
            or 0
        )
    assert result.report.funnel["opted_out"] == len(opted) >= 1
    assert opted == suppressed
    assert result.report.funnel["leads"] == leads == created >= 1


def test_same_seed_same_report(first: tuple[SimulationResult, Database], tmp_path: Path) -> None:
    again = _run(tmp_path / "again.db")
    assert _stable(again) == _stable(first[0])


def test_cli(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("simulate")(simulate_command)
    app.command("noop")(lambda: None)  # more than one command: "simulate" stays a subcommand
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--customers",
            "8",
            "--seed",
            "5",
            "--time-factor",
            "40",
            "--out",
            str(out),
            "--database-url",
            f"sqlite:///{tmp_path / 'cli.db'}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Funnel" in result.output
    data = json.loads((out / "simulation.json").read_text(encoding="utf-8"))
    assert data["customers"] == 8 and data["speech"] == "text"
    assert (out / "simulation.html").read_text(encoding="utf-8").startswith("<!doctype html>")
    bad = CliRunner().invoke(app, ["simulate", "--speech", "audio", "--customers", "1"])
    assert bad.exit_code == 2


def test_personas_are_assigned_by_seed_and_intents_mapped() -> None:
    personas = load_personas()
    ids = [f"C{i}" for i in range(50)]
    a = assign_personas(ids, personas, 1)
    assert a == assign_personas(ids, personas, 1)
    assert a != assign_personas(ids, personas, 2)
    script = shipped_script("points_reminder", "zh-CN")
    assert expected_intent("yes", script) == "agree"
    assert expected_intent("opt_out", script) == "opt_out"
    assert expected_intent("maybe", script) is None


class _Holder:
    """A side-channel callee that records its parameters and stays on the line."""

    def __init__(self, hang_up: bool) -> None:
        self.parameters: dict[str, str] | None = None
        self.hang_up = hang_up

    async def converse(self, ctx: CallContext, parameters: Mapping[str, str]) -> None:
        self.parameters = dict(parameters)
        if not self.hang_up:
            await asyncio.sleep(3600)


@pytest.mark.parametrize("customer_hangs_up", [False, True])
async def test_carrier_holds_a_side_channel_call_without_media(customer_hangs_up: bool) -> None:
    holder = _Holder(customer_hangs_up)
    carrier = SimCarrier(
        clock=ScaledClock(1000.0),
        line_plan=StaticLinePlan(default=Answer(ring_s=1.0, callee=holder)),
    )
    twiml = stream_twiml("ws://127.0.0.1:1/media/ws", {"attempt_id": "7"})
    call = await carrier.create_call(
        DEV_CARRIER_ACCOUNT, {"To": ["+8613800000000"], "From": ["+861"], "Twiml": [twiml]}
    )
    if not customer_hangs_up:
        for _ in range(200):
            if holder.parameters is not None:
                break
            await asyncio.sleep(0.01)
        assert call.status == "in-progress"
        await carrier.hangup(call.sid)
    final = await asyncio.wait_for(carrier.wait_final(call.sid), 5.0)
    assert final.status == "completed" and final.media is None
    assert holder.parameters == {"attempt_id": "7"}
    await carrier.aclose()


def test_simulated_agents_dispositions_become_labels_and_a_refit_reads_them(
    first: tuple[SimulationResult, Database], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from dialogue.intent.models import IntentCallLabel, labelled_calls
    from tailcall.cli import app

    result, db = first
    accepted = [c.true_grade for c in result.report.calls if c.handoff_accepted]
    with db.read() as s:
        rows = list(s.scalars(select(IntentCallLabel)))
        calls = labelled_calls(s)
    findable = [g for g in accepted if g != "D"]
    assert len(rows) == len(findable) > 0
    assert {r.source for r in rows} == {"simulated_agent"}
    assert all(c.utterances for c in calls)
    assert sorted(c.label or "" for c in calls) == sorted(findable)

    # a refit reads them beside the calls it was fitted on before
    from simulator.textcalls import generate

    earlier = tmp_path / "earlier.jsonl"
    earlier.write_text(
        "".join(
            json.dumps(c, ensure_ascii=False) + "\n"
            for c in generate("points_reminder", "zh-CN", 40, split="fit", seed=3)
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("TAILCALL_DATABASE_URL", db.settings.resolved_database_url)
    out = tmp_path / "refit.json"
    r = CliRunner().invoke(
        app, ["intent", "fit", "--from-db", "--labels", str(earlier), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert f"{len(rows)} labelled call(s) from the database" in r.output
    assert out.exists()
