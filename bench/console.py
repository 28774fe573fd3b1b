"""Console and live-handoff figures (run from the repo root; keep runs short on shared machines).

python -m bench.console alerts --n 30
    threshold crossed (request_handoff called) -> the offer card is in the page of a
    logged-in agent in headless Chromium (page clock: performance.timeOrigin + now()).
python -m bench.console accept --n 5 [--bridging]
    the agent clicks Accept in Chromium (fake microphone playing 440 Hz) -> the simulated
    customer receives the first 20 ms frame dominated by the tone (real media endpoint and
    speech pipeline). Without --bridging the script has no bridging line, so this is the
    switch path itself; with it, the line's own length is included.
python -m bench.console fanout --consoles 200 --rounds 5
    200 agent consoles on the event websocket (in a client subprocess): a broadcast event,
    and 200 simultaneous handoff requests each routed to its own agent; publish -> receipt.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.table import Table


def _pct(xs: Sequence[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def _req(sid: str, skill: str | None = "wealth") -> Any:
    from dialogue.intent.scorer import HandoffRequest, Reason

    return HandoffRequest(
        call_sid=sid,
        customer_id=None,
        score=0.9,
        grade="A",
        reasons=(Reason("asked_rate", "询问收益率", "asked about the rate"),),
        skill=skill,
        state="offer",
        requested_at=datetime.now(UTC),
    )


def _setup(tmp: Path) -> tuple[Any, Any]:
    from handoff.models import Base  # noqa: F401
    from kernel.db import Base as B
    from kernel.db import Database
    from kernel.settings import Settings

    settings = Settings(env="test", data_dir=tmp / "var")
    settings.ensure_dirs()
    db = Database(settings)
    import handoff.models  # noqa: F401
    import tailcall.schema  # noqa: F401  (every subsystem's tables)

    B.metadata.create_all(db.engine)
    return settings, db


@contextlib.asynccontextmanager
async def _plain_server(settings: Any, db: Any) -> AsyncIterator[tuple[str, Any]]:
    import uvicorn

    from tests.handoff.conftest import make_app

    app = make_app(settings, db)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app.state.handoff
    finally:
        await app.state.handoff.service.close()
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def _browser(mic: Path | None = None) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    from tests.handoff.test_console_browser import CHROMIUM, FLAGS

    args = list(FLAGS)
    if mic is not None:
        args.append(f"--use-file-for-fake-audio-capture={mic}")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            yield b
        finally:
            await b.close()


async def _login_page(browser: Any, base: str, user: str) -> Any:
    from tests.handoff.conftest import PASSWORD

    page = await browser.new_page()
    await page.goto(f"{base}/console/login?lang=en")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.click("#login")
    await page.wait_for_url(f"{base}/console")
    await page.wait_for_selector("#conn.ok")
    return page


# -- alerts ------------------------------------------------------------------------------


async def bench_alerts(n: int) -> dict[str, Any]:
    from tests.handoff.conftest import add_user

    with tempfile.TemporaryDirectory() as d:
        settings, db = _setup(Path(d))
        ann = add_user(db, "ann", skills=("wealth",), status="available")
        lat: list[float] = []
        async with _plain_server(settings, db) as (base, console), _browser() as browser:
            page = await _login_page(browser, base, "ann")
            for i in range(n):
                sid = f"CA-alert-{i}"
                t0 = time.time() * 1000
                rid = await console.service.request_handoff(_req(sid))
                await page.wait_for_selector(f"#offer-{rid}", timeout=5000)
                shown = await page.evaluate(f"window.tcStats.alertShownAt[{json.dumps(sid)}]")
                lat.append(shown - t0)
                await console.service.decline(ann, rid)
                await page.wait_for_selector(f"#offer-{rid}", state="detached")
                await asyncio.sleep(0.05)
        db.dispose()
    return {
        "figure": "threshold -> alert shown",
        "n": n,
        "p50": _pct(lat, 0.5),
        "p95": _pct(lat, 0.95),
        "max": max(lat),
        "target": "p95 <= 200 ms",
    }


# -- accept -> customer hears the agent ------------------------------------------------------


def _first_tone_frame(frames: list[tuple[float, bytes]], since: float) -> float | None:
    from tests.handoff.live_harness import tone_share

    for t, pcm in frames:
        if t < since:
            continue
        import numpy as np

        x = np.frombuffer(pcm, dtype=np.int16)
        if len(x) >= 80 and np.abs(x).mean() > 500 and tone_share(pcm * 4, 440, 8000) > 0.5:
            return t
    return None


async def bench_accept(n: int, bridging: bool) -> list[dict[str, Any]]:
    from dialogue.speech.asr_models import ModelRegistry
    from dialogue.speech.settings import SpeechSettings
    from tests.handoff.conftest import add_user
    from tests.handoff.live_harness import BRIDGING, live_server, tone
    from tests.handoff.test_console_browser import write_wav

    lat: list[float] = []
    parts: dict[str, list[float]] = {
        "click->accept request": [],
        "click->first agent frame in": [],
        "click->first frame sent (page)": [],
        "click->accept done": [],
        "click->first frame in (any)": [],
    }
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        settings, db = _setup(tmp)
        ann = add_user(db, "ann", skills=("wealth",), status="available")
        speech = SpeechSettings(data_dir=tmp / "speech")
        model = ModelRegistry(speech).model("ko-KR")
        mic = write_wav(tmp / "mic.wav", tone(440, 60.0, 48000, amp=0.5), 48000)
        async with (
            live_server(
                settings, db, speech, model, tmp, bridging=BRIDGING if bridging else ""
            ) as h,
            _browser(mic) as browser,
        ):
            page = await _login_page(browser, h.base, "ann")
            marks: dict[str, float] = {}
            svc = h.console.service
            orig_accept, orig_in = svc.accept, svc.agent_audio_in

            async def accept(agent_id: int, request_id: int) -> None:
                marks.setdefault("accept", time.monotonic())
                await orig_accept(agent_id, request_id)
                marks.setdefault("accepted", time.monotonic())

            async def audio_in(agent_id: int, pcm: bytes) -> None:
                if "clicked" in marks:
                    marks.setdefault("any", time.monotonic())
                if "accept" in marks:
                    marks.setdefault("audio", time.monotonic())
                await orig_in(agent_id, pcm)

            svc.accept, svc.agent_audio_in = accept, audio_in  # type: ignore[method-assign]
            await page.click("#enable-audio")  # what an agent does at the start of a shift
            for i in range(n):
                sid = f"CA-acc-{i}"
                async with h.call(sid) as call:
                    await call.wait_bot_quiet()
                    rid = await h.console.service.request_handoff(_req(sid))
                    await page.wait_for_selector(f"#offer-{rid}")
                    marks.clear()
                    marks["clicked"] = 1.0
                    clicked = call.now()
                    await page.click(f"#offer-{rid} .accept")
                    heard = None
                    end = time.monotonic() + 10
                    while heard is None and time.monotonic() < end:
                        await call.silence(0.1)
                        heard = _first_tone_frame(call.bot_audio, clicked)
                    if heard is not None:
                        # the click as the page saw it (epoch ms), on the monotonic clock
                        page_click = await page.evaluate("window.tcStats.acceptClickedAt")
                        t_click = time.monotonic() - (time.time() - page_click / 1000)
                        lat.append((call.t0 + heard - t_click) * 1000)
                        sent_at = await page.evaluate("window.tcStats.firstSentAt")
                        parts["click->first frame sent (page)"].append(sent_at - page_click)
                        for key, mark in (
                            ("click->accept request", "accept"),
                            ("click->first agent frame in", "audio"),
                            ("click->accept done", "accepted"),
                            ("click->first frame in (any)", "any"),
                        ):
                            if mark in marks:
                                parts[key].append((marks[mark] - t_click) * 1000)
                    await page.click("#hand-back")
                    await call.silence(0.5)
                h.console.desk.set_presence(ann, "available")
                await asyncio.sleep(0.3)
        db.dispose()
    rows = [
        {
            "figure": "accept -> customer hears agent"
            + (" (with bridging line)" if bridging else ""),
            "n": len(lat),
            "p50": _pct(lat, 0.5),
            "p95": _pct(lat, 0.95),
            "max": max(lat) if lat else float("nan"),
            "target": "p95 <= 300 ms",
        }
    ]
    for key, xs in parts.items():
        rows.append(
            {
                "figure": f"  of which {key}",
                "n": len(xs),
                "p50": _pct(xs, 0.5),
                "p95": _pct(xs, 0.95),
                "max": max(xs) if xs else float("nan"),
                "target": "",
            }
        )
    return rows


# -- fan-out to many consoles --------------------------------------------------------------


async def _client_main(url: str, origin: str, tokens: list[str], expect: int) -> None:
    """Child process: one event socket per token; prints receipt times as JSON."""
    import websockets

    got: list[list[Any]] = []

    async def one(token: str, ready: asyncio.Event, counter: list[int]) -> None:
        async with websockets.connect(
            url,
            additional_headers={"Cookie": f"tc_session={token}", "Origin": origin},
            max_queue=None,
        ) as ws:
            await ws.recv()  # hello
            counter[0] += 1
            if counter[0] == len(tokens):
                ready.set()
            seen = 0
            while seen < expect:
                raw = await ws.recv()
                now = time.time() * 1000
                ev = json.loads(raw)
                got.append([ev["kind"], ev["data"].get("t0") or ev["data"].get("call_sid"), now])
                seen += 1

    ready = asyncio.Event()
    counter = [0]
    tasks = [asyncio.create_task(one(t, ready, counter)) for t in tokens]
    await ready.wait()
    print("READY", flush=True)
    await asyncio.wait_for(asyncio.gather(*tasks), 120)
    print(json.dumps(got), flush=True)


async def bench_fanout(consoles: int, rounds: int) -> list[dict[str, Any]]:
    from handoff.auth import create_session
    from tests.handoff.conftest import add_user

    with tempfile.TemporaryDirectory() as d:
        settings, db = _setup(Path(d))
        ids = [
            add_user(db, f"a{i:03d}", skills=("wealth",), status="available")
            for i in range(consoles)
        ]
        now = datetime.now(UTC)
        tokens = [create_session(db, uid, now, 3600) for uid in ids]
        async with _plain_server(settings, db) as (base, console):
            tok_file = Path(d) / "tokens.json"
            tok_file.write_text(json.dumps(tokens))
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.console",
                "_clients",
                base.replace("http", "ws") + "/console/ws",
                base,
                str(tok_file),
                str(rounds + 1),
                stdout=subprocess.PIPE,
                cwd=str(Path(__file__).resolve().parent.parent),
                env={**os.environ},
            )
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 120)
            assert line.strip() == b"READY", line
            sent: dict[str, float] = {}
            for r in range(rounds):
                t0 = time.time() * 1000
                sent[str(r)] = t0
                console.bus.publish("note", {"t0": str(r)}, roles=("agent",))
                await asyncio.sleep(0.3)
            # one burst: every agent gets its own offer
            t_burst = time.time() * 1000
            await asyncio.gather(
                *(console.service.request_handoff(_req(f"CA-fan-{i}")) for i in range(consoles))
            )
            out = await asyncio.wait_for(proc.stdout.read(), 120)
            await proc.wait()
        db.dispose()
    got = json.loads(out.decode().strip().splitlines()[-1])
    bcast = [now_ms - sent[key] for kind, key, now_ms in got if kind == "note"]
    offers = [now_ms - t_burst for kind, _key, now_ms in got if kind == "offer"]
    return [
        {
            "figure": f"broadcast to {consoles} consoles",
            "n": len(bcast),
            "p50": _pct(bcast, 0.5),
            "p95": _pct(bcast, 0.95),
            "p99": _pct(bcast, 0.99),
            "max": max(bcast),
            "target": "p99 <= 250 ms",
        },
        {
            "figure": f"{consoles} simultaneous offers, one per console",
            "n": len(offers),
            "p50": _pct(offers, 0.5),
            "p95": _pct(offers, 0.95),
            "p99": _pct(offers, 0.99),
            "max": max(offers),
            "target": "(all routed at once)",
        },
    ]


def _table(rows: list[dict[str, Any]]) -> None:
    t = Table(title="console figures (ms; busy shared 2-core machine)")
    for col in ("figure", "n", "p50", "p95", "p99", "max", "target"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            *(
                f"{r[c]:.0f}" if isinstance(r.get(c), float) else str(r.get(c, ""))
                for c in ("figure", "n", "p50", "p95", "p99", "max", "target")
            )
        )
    Console().print(t)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("alerts")
    a.add_argument("--n", type=int, default=30)
    b = sub.add_parser("accept")
    b.add_argument("--n", type=int, default=5)
    b.add_argument("--bridging", action="store_true")
    c = sub.add_parser("fanout")
    c.add_argument("--consoles", type=int, default=200)
    c.add_argument("--rounds", type=int, default=5)
    k = sub.add_parser("_clients")
    k.add_argument("url")
    k.add_argument("origin")
    k.add_argument("tokens")
    k.add_argument("expect", type=int)
    args = ap.parse_args(argv)
    import logging

    logging.disable(logging.WARNING)
    with contextlib.suppress(Exception):
        from loguru import logger

        logger.remove()
    if args.cmd == "_clients":
        asyncio.run(
            _client_main(
                args.url, args.origin, json.loads(Path(args.tokens).read_text()), args.expect
            )
        )
        return
    if args.cmd == "alerts":
        rows = [asyncio.run(bench_alerts(args.n))]
    elif args.cmd == "accept":
        rows = asyncio.run(bench_accept(args.n, args.bridging))
    else:
        rows = asyncio.run(bench_fanout(args.consoles, args.rounds))
    _table(rows)


if __name__ == "__main__":
    main()
