"""Time from the demo's server up to the first alert on a logged-in agent.

Starts ``tailcall serve --demo`` on a fresh data dir and a free port, waits for
``/healthz``, logs in as ``demo-agent`` (the password the demo keeps in
``var/demo/logins.json``), sets the agent available and listens on the console's event
websocket as the browser does, until an ``offer`` arrives. Prints a table; the target
is an alert within 90 s of the server being up. ``--runs N`` repeats on fresh data dirs.

    python -m bench.first_alert [--runs 1] [--timeout 240]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 90.0


@dataclass
class Run:
    up_s: float  # process start -> /healthz answers
    alert_s: float | None  # /healthz answers -> the first offer on the agent's socket
    reason: str = ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_up(base: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    end = time.monotonic() + timeout
    async with httpx.AsyncClient() as http:
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise RuntimeError(f"the demo exited with {proc.returncode}")
            try:
                if (await http.get(f"{base}/healthz", timeout=2)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise TimeoutError("the demo did not come up")


async def _agent_alert(base: str, password: str, timeout: float) -> float:
    """Log in as demo-agent, go available, wait for an offer: seconds to it."""
    t0 = time.monotonic()
    async with httpx.AsyncClient(base_url=base, follow_redirects=False) as http:
        page = await http.get("/console/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None, "no login form"
        r = await http.post(
            "/console/login",
            data={"username": "demo-agent", "password": password, "csrf_token": token[1]},
        )
        assert r.status_code == 303 and "error" not in r.headers.get("location", ""), r.text
        session = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        ws_url = base.replace("http://", "ws://") + "/console/ws"
        async with websockets.connect(
            ws_url, additional_headers={"Cookie": session, "Origin": base}
        ) as ws:
            me = (await http.get("/api/console/me")).json()
            r = await http.post(
                "/api/console/presence",
                json={"status": "available"},
                headers={"X-CSRF-Token": me["csrf_token"]},
            )
            assert r.status_code == 200, r.text
            end = t0 + timeout
            while time.monotonic() < end:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, end - time.monotonic()))
                event = json.loads(raw)
                if event.get("kind") == "offer":
                    return time.monotonic() - t0
    raise TimeoutError("no alert")


async def one_run(timeout: float) -> Run:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="tailcall-bench-") as tmp:
        env = {
            **os.environ,
            "TAILCALL_DATA_DIR": str(Path(tmp) / "var"),
            "TAILCALL_PORT": str(port),
            "TAILCALL_ENV": "dev",
        }
        env.pop("TAILCALL_DATABASE_URL", None)
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tailcall", "serve", "--demo"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            await _wait_up(base, proc, timeout)
            up = time.monotonic() - started
            logins = json.loads((Path(tmp) / "var" / "demo" / "logins.json").read_text())
            try:
                alert = await _agent_alert(base, logins["demo-agent"], timeout)
                return Run(up, alert)
            except (TimeoutError, AssertionError) as exc:
                return Run(up, None, str(exc) or type(exc).__name__)
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=240.0)
    args = ap.parse_args()
    runs = [asyncio.run(one_run(args.timeout)) for _ in range(args.runs)]
    alerts = [r.alert_s for r in runs if r.alert_s is not None]
    print(f"{'run':>4} {'start->up s':>12} {'up->alert s':>12}  note")
    for i, r in enumerate(runs, 1):
        alert = f"{r.alert_s:12.1f}" if r.alert_s is not None else f"{'-':>12}"
        print(f"{i:>4} {r.up_s:12.1f} {alert}  {r.reason}")
    if alerts:
        worst = max(alerts)
        verdict = "ok" if worst <= TARGET_S else "over target"
        print(
            f"up -> first alert: median {statistics.median(alerts):.1f} s, worst {worst:.1f} s "
            f"(target <= {TARGET_S:.0f} s): {verdict}"
        )


if __name__ == "__main__":
    main()
