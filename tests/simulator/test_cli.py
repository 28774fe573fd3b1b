from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from kernel.clock import SystemClock
from simulator.calls import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from simulator.carrier import SimCarrier
from simulator.cli import simulator_app
from simulator.lines import Busy, StaticLinePlan
from simulator.report import build_report
from simulator.server import SimulatorServer


def test_commands_exist() -> None:
    names = {c.name for c in simulator_app.registered_commands}
    assert {"serve", "personas", "say", "report"} <= names
    out = CliRunner().invoke(simulator_app, ["personas"])
    assert out.exit_code == 0 and "wrong_person" in out.output


def test_report_command(tmp_path: Path) -> None:
    r = build_report(
        [], script="demo", seed=1, speech="text", generated_at=datetime(2026, 1, 5, tzinfo=UTC)
    )
    j, _ = r.save(tmp_path)
    out = CliRunner().invoke(simulator_app, ["report", str(j), "--html", str(tmp_path / "x.html")])
    assert out.exit_code == 0 and "Funnel" in out.output
    assert (tmp_path / "x.html").read_text().startswith("<!doctype html>")


@pytest.mark.speech
def test_say_writes_a_wav(tmp_path: Path) -> None:
    assert shutil.which("espeak-ng")
    out = CliRunner().invoke(
        simulator_app,
        ["say", "네 맞습니다", "--language", "ko-KR", "--out", str(tmp_path / "a.wav")],
    )
    assert out.exit_code == 0, out.output
    assert (tmp_path / "a.wav").read_bytes()[:4] == b"RIFF"


async def test_in_process_server_over_real_http() -> None:
    carrier = SimCarrier(clock=SystemClock(), line_plan=StaticLinePlan(default=Busy(0.1)))
    async with (
        SimulatorServer(carrier) as server,
        httpx.AsyncClient(
            base_url=server.base_url, auth=(DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN)
        ) as client,
    ):
        r = await client.post(
            f"/2010-04-01/Accounts/{DEFAULT_ACCOUNT_SID}/Calls.json",
            data={"To": "+861", "From": "+862", "StreamUrl": "ws://x"},
        )
        assert r.status_code == 201
        await carrier.wait_final(r.json()["sid"])
        got = await client.get(r.json()["uri"])
        assert got.json()["status"] == "busy"
        assert (await client.get("/healthz")).status_code == 200
