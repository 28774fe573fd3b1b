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
python -m bench.console floor --calls 200 --pages 50 --rounds 20
    the supervisors' live floor: 200 live calls whose transcripts and scores change all the
    time (--churn changes per second), 50 board pages on the event websocket (in a client
    subprocess); a call starting, changing hands and ending -> the row on every page.
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


# -- the live floor -----------------------------------------------------------------------


async def _floor_clients(url: str, origin: str, tokens: list[str]) -> None:
    """Child process: one board page's socket per token; prints when each probe call's
    change arrived on each page, as JSON, after the "bench_done" broadcast."""
    import websockets

    got: list[list[Any]] = []

    async def one(page: int, token: str, ready: asyncio.Event, counter: list[int]) -> None:
        async with websockets.connect(
            url,
            additional_headers={"Cookie": f"tc_session={token}", "Origin": origin},
            max_queue=None,
            max_size=None,
        ) as ws:
            await ws.recv()  # hello with the snapshot
            counter[0] += 1
            if counter[0] == len(tokens):
                ready.set()
            while True:
                ev = json.loads(await ws.recv())
                now = time.time() * 1000
                if ev["kind"] == "bench_done":
                    return
                if ev["kind"] != "floor":
                    continue
                data = ev["data"]
                for c in data.get("calls", []):
                    if c["id"].startswith("PROBE"):
                        got.append([page, c["id"], c["mode"], now])
                for sid in data.get("gone", []):
                    if sid.startswith("PROBE"):
                        got.append([page, sid, "gone", now])

    ready = asyncio.Event()
    counter = [0]
    tasks = [asyncio.create_task(one(i, t, ready, counter)) for i, t in enumerate(tokens)]
    await ready.wait()
    print("READY", flush=True)
    await asyncio.wait_for(asyncio.gather(*tasks), 300)
    print(json.dumps(got), flush=True)


def _fake_call(sid: str, i: int) -> Any:
    from dialogue.speech.gates import InputGate, OutputGate, TakeoverSwitch
    from handoff.floor import Party
    from handoff.live import LiveCall

    class Control:
        def __init__(self) -> None:
            self.switch = TakeoverSwitch(InputGate(), OutputGate())
            self.bot_speaking = False

        async def engine_event(self, event: object) -> bool:
            return False

        async def say(self, text: str) -> None:
            return None

        async def end(self, disposition: str) -> None:
            return None

    call = LiveCall(sid, Control())
    call.party = Party.of(f"客户{i:04d}", f"+86138{i:08d}", 1 + i % 4, f"campaign {1 + i % 4}")
    call.state, call.score, call.grade = "points_info", 40.0 + i % 50, "BCD"[i % 3]
    return call


async def bench_floor(calls: int, pages: int, rounds: int, churn: float) -> list[dict[str, Any]]:
    import random

    from handoff.auth import create_session
    from tests.handoff.conftest import add_user

    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as d:
        settings, db = _setup(Path(d))
        sups = [add_user(db, f"s{i:03d}", role="supervisor") for i in range(pages)]
        ann = add_user(db, "ann", skills=("wealth",), status="available")
        now = datetime.now(UTC)
        tokens = [create_session(db, uid, now, 3600) for uid in sups]
        async with _plain_server(settings, db) as (base, console):
            reg, svc = console.registry, console.service
            for i in range(calls):
                reg.register(_fake_call(f"CA-live-{i:04d}", i))
            tok_file = Path(d) / "tokens.json"
            tok_file.write_text(json.dumps(tokens))
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.console",
                "_floor_clients",
                base.replace("http", "ws") + "/console/ws",
                base,
                str(tok_file),
                stdout=subprocess.PIPE,
                cwd=str(Path(__file__).resolve().parent.parent),
                env={**os.environ},
            )
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 300)
            assert line.strip() == b"READY", line
            stop = asyncio.Event()

            async def churn_loop() -> None:  # turns and scores on the live calls
                n = 0
                while not stop.is_set():
                    sid = f"CA-live-{rng.randrange(calls):04d}"
                    if n % 2:
                        reg.transcript_row(
                            sid, {"speaker": "customer", "text": "네", "state": f"s{n % 7}"}
                        )
                    else:
                        svc.score_update(sid, rng.uniform(0, 100), "B", ())
                    n += 1
                    await asyncio.sleep(1.0 / churn)

            churner = asyncio.create_task(churn_loop())
            sent: dict[tuple[str, str], float] = {}
            for r in range(rounds):
                sid = f"PROBE-{r:03d}"
                sent[(sid, "bot")] = time.time() * 1000  # a call starts
                reg.register(_fake_call(sid, r))
                await asyncio.sleep(0.4)
                rid = await svc.request_handoff(_req(sid))
                await svc.accept(ann, rid)
                sent[(sid, "human")] = time.time() * 1000  # it changes hands
                await asyncio.sleep(0.4)
                sent[(sid, "gone")] = time.time() * 1000  # it ends
                reg.unregister(sid)
                await asyncio.sleep(0.4)
                console.desk.set_presence(ann, "available")
                await asyncio.sleep(0.1)
            stop.set()
            await churner
            await asyncio.sleep(0.5)
            console.bus.broadcast("bench_done", {}, roles=("supervisor",))
            out = await asyncio.wait_for(proc.stdout.read(), 300)
            await proc.wait()
        db.dispose()
    got = json.loads(out.decode().strip().splitlines()[-1])
    first: dict[tuple[int, str, str], float] = {}  # (page, probe, change) -> first receipt
    for page, sid, what, at in got:
        if (sid, what) in sent:
            first.setdefault((page, sid, what), at)
    lat: dict[str, list[float]] = {"bot": [], "human": [], "gone": []}
    for (_page, sid, what), at in first.items():
        lat[what].append(at - sent[(sid, what)])
    rows = []
    for what, label in (
        ("bot", "a call starts"),
        ("human", "it changes hands"),
        ("gone", "it ends"),
    ):
        xs = [x for x in lat[what] if x >= 0]
        rows.append(
            {
                "figure": f"{label} -> row on {pages} pages ({calls} live calls, {churn:.0f} changes/s)",
                "n": len(xs),
                "p50": _pct(xs, 0.5),
                "p95": _pct(xs, 0.95),
                "p99": _pct(xs, 0.99),
                "max": max(xs) if xs else float("nan"),
                "target": "p95 <= 500 ms",
            }
        )
    every = [x for what in lat for x in lat[what] if x >= 0]
    rows.append(
        {
            "figure": "  every change on every page",
            "n": len(every),
            "p50": _pct(every, 0.5),
            "p95": _pct(every, 0.95),
            "p99": _pct(every, 0.99),
            "max": max(every) if every else float("nan"),
            "target": f"expected n = {3 * rounds * pages}",
        }
    )
    return rows


def _table(rows: list[dict[str, Any]], load: tuple[float, float]) -> None:
    t = Table(
        title="console figures (ms; shared 2-core machine; "
        f"1-min load average {load[0]:.2f} at the start, {load[1]:.2f} at the end)"
    )
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
    f = sub.add_parser("floor")
    f.add_argument("--calls", type=int, default=200)
    f.add_argument("--pages", type=int, default=50)
    f.add_argument("--rounds", type=int, default=20)
    f.add_argument("--churn", type=float, default=40.0, help="transcript/score changes per second")
    fc = sub.add_parser("_floor_clients")
    fc.add_argument("url")
    fc.add_argument("origin")
    fc.add_argument("tokens")
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
    if args.cmd == "_floor_clients":
        asyncio.run(
            _floor_clients(args.url, args.origin, json.loads(Path(args.tokens).read_text()))
        )
        return
    load_before = os.getloadavg()[0]
    if args.cmd == "alerts":
        rows = [asyncio.run(bench_alerts(args.n))]
    elif args.cmd == "accept":
        rows = asyncio.run(bench_accept(args.n, args.bridging))
    elif args.cmd == "floor":
        rows = asyncio.run(bench_floor(args.calls, args.pages, args.rounds, args.churn))
    else:
        rows = asyncio.run(bench_fanout(args.consoles, args.rounds))
    _table(rows, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    main()
