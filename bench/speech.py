"""Speech capacity benchmarks (run from the repo root; keep runs short on shared machines).

python -m bench.speech vosk --calls 10 --seconds 20 [--free]
    (a) Vosk alone: N grammar-mode streams (N-best + word-confidence recognizers,
    widened beams, barrier entry) fed in real time with ~40 % speech, decoded inline.
python -m bench.speech pipeline --calls 4 --seconds 30
    (b) the full call pipeline in a server subprocess; N carrier clients over real
    websockets (Twilio Media Streams, 20 ms mu-law) speaking espeak-ng Korean ~40 % of
    the time; turn latency (client side: end of customer speech -> first bot audio),
    answer -> greeting, server CPU and memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

PHRASES = ("네 맞습니다", "아니요", "관심 없어요", "다시 전화 주세요")


def _espeak(text: str, wpm: int = 150) -> bytes:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.dialogue.conftest import espeak_pcm

    return espeak_pcm(text, wpm=wpm)


def _pct(xs: Sequence[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


# -- (a) Vosk only ---------------------------------------------------------------------


def bench_vosk(calls: int, seconds: float, free: bool) -> dict[str, Any]:
    import resource

    from vosk import KaldiRecognizer

    from dialogue.asr_models import ModelRegistry
    from dialogue.grammar import build_grammar
    from dialogue.speech_settings import SpeechSettings

    reg = ModelRegistry(SpeechSettings())
    model = reg.model("ko-KR")
    grammar = build_grammar(PHRASES, reg.vocabulary("ko-KR"))
    utts = [_espeak(p) for p in PHRASES]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def make() -> list[Any]:
        if free:
            r = KaldiRecognizer(model, 8000)
            r.SetWords(True)
            return [r]
        a = KaldiRecognizer(model, 8000, grammar.vosk_json())
        a.SetWords(True)
        a.SetMaxAlternatives(10)
        b = KaldiRecognizer(model, 8000, grammar.vosk_json())
        b.SetWords(True)
        return [a, b]

    recs = [make() for _ in range(calls)]
    chunk = 1600  # 100 ms
    # each stream: utterance then 1.5x its length of silence (~40 % speech), offset per call
    plans = []
    for i in range(calls):
        u = utts[i % len(utts)]
        plans.append((u, len(u) * 5 // 2, (i * 7919) % (len(u) * 5 // 2)))
    cpu0, t0 = time.process_time(), time.monotonic()
    lag_max, finals = 0.0, []
    tick = 0
    while time.monotonic() - t0 < seconds:
        for i, (u, period, off) in enumerate(plans):
            pos = (tick * chunk + off) % period
            if pos < len(u):
                for r in recs[i]:
                    r.AcceptWaveform(u[pos : pos + chunk])
                if pos + chunk >= len(u):
                    f0 = time.perf_counter()
                    for r in recs[i]:
                        r.FinalResult()
                    finals.append(time.perf_counter() - f0)
        tick += 1
        due = t0 + tick * 0.1
        lag_max = max(lag_max, time.monotonic() - due)
        if (d := due - time.monotonic()) > 0:
            time.sleep(d)
    wall = time.monotonic() - t0
    cores = (time.process_time() - cpu0) / wall
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "mode": "free" if free else "grammar",
        "calls": calls,
        "cores": cores,
        "core_per_call": cores / calls,
        "final_p50_ms": 1000 * _pct(finals, 0.5),
        "final_p95_ms": 1000 * _pct(finals, 0.95),
        "max_lag_ms": 1000 * lag_max,
        "rss_mb_per_call": (rss1 - rss0) / 1024 / calls,
    }


# -- (b) the full pipeline ---------------------------------------------------------------


class LoopBrain:
    """Answers every utterance with a short prompt; never ends the call."""

    def __init__(self) -> None:
        self._state = "loop"

    @property
    def state(self) -> str:
        return self._state

    @property
    def ended(self) -> bool:
        return False

    def start(self) -> list[object]:
        from tests.dialogue.fake_brain import ExpectPhrases, Say

        return [Say("안녕하세요 고객님", "greeting", True), ExpectPhrases(PHRASES, False, 30.0)]

    def handle(self, event: object) -> list[object]:
        from tests.dialogue.fake_brain import ExpectPhrases, Say

        return [Say("네 알겠습니다", "ack", True), ExpectPhrases(PHRASES, False, 30.0)]


def serve(port: int, data_dir: str) -> None:
    import uvicorn
    from fastapi import FastAPI

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from dialogue.call_records import InMemoryCallRecorder
    from dialogue.media import media_router
    from dialogue.pipeline import CallInfo, CallSetup, SpeechRuntime
    from dialogue.speech_settings import SpeechSettings
    from tests.dialogue.fake_brain import FakeEvents

    settings = SpeechSettings(data_dir=Path(data_dir), carrier_api_base_url="http://127.0.0.1:9")
    recorder = InMemoryCallRecorder()

    def factory(info: CallInfo) -> CallSetup:
        return CallSetup(brain=LoopBrain(), prerender=("안녕하세요 고객님", "네 알겠습니다"))

    runtime = SpeechRuntime(
        settings=settings,
        recorder=recorder,
        brain_factory=factory,
        events=FakeEvents(),
        record_calls=False,
    )
    asyncio.run(runtime.warm_up(["ko-KR"], ["안녕하세요 고객님", "네 알겠습니다"]))
    app = FastAPI()
    app.include_router(media_router(runtime))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


@dataclass
class ClientStats:
    greeting_s: float | None
    turns: list[float]


async def _client(url: str, sid: str, seconds: float, utts: list[bytes]) -> ClientStats:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.dialogue.carrier_client import CarrierCall

    turns: list[float] = []
    async with CarrierCall(url + sid, call_sid=sid, stream_sid="MZ" + sid) as call:
        await call.wait_bot_quiet(quiet_s=0.4)
        greeting = call.bot_audio[0][0] if call.bot_audio else None
        i = 0
        while call.now() < seconds and call.closed_at is None:
            u = utts[i % len(utts)]
            i += 1
            await call.send_pcm(u)
            end = call.now()
            n = len(call.bot_audio)
            await call.silence(len(u) / 16000 * 1.5)  # ~40 % speech
            later = [t for t, _ in call.bot_audio[n:] if t >= end]
            if later:
                turns.append(later[0] - end)
            await call.wait_bot_quiet(quiet_s=0.3)
    return ClientStats(greeting, turns)


def bench_pipeline(calls: int, seconds: float) -> dict[str, Any]:
    import socket
    import tempfile

    import psutil

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data_dir = tempfile.mkdtemp(prefix="bench-speech-")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.speech",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            data_dir,
        ],
        env=env,
    )
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        ps = psutil.Process(proc.pid)
        rss0 = ps.memory_info().rss
        utts = [_espeak(p) for p in PHRASES]
        cpu0 = sum(ps.cpu_times()[:2])
        t0 = time.monotonic()

        async def run_all() -> list[ClientStats]:
            url = f"ws://127.0.0.1:{port}/media/"
            return await asyncio.gather(
                *(_client(url, f"CA{i:04d}", seconds, utts) for i in range(calls))
            )

        results = asyncio.run(run_all())
        wall = time.monotonic() - t0
        cores = (sum(ps.cpu_times()[:2]) - cpu0) / wall
        rss1 = ps.memory_info().rss
    finally:
        proc.terminate()
        proc.wait(10)
    turns = [t for r in results for t in r.turns]
    greet = [r.greeting_s for r in results if r.greeting_s is not None]
    return {
        "calls": calls,
        "turns": len(turns),
        "turn_p50_ms": 1000 * _pct(turns, 0.5),
        "turn_p95_ms": 1000 * _pct(turns, 0.95),
        "greeting_p95_ms": 1000 * _pct(greet, 0.95),
        "server_cores": cores,
        "core_per_call": cores / calls,
        "server_rss_mb": rss1 / 2**20,
        "rss_mb_per_call": (rss1 - rss0) / 2**20 / calls,
        "median_turn_ms": 1000 * statistics.median(turns) if turns else float("nan"),
    }


def _table(title: str, rows: list[dict[str, Any]]) -> None:
    t = Table(title=title)
    for k in rows[0]:
        t.add_column(k)
    for r in rows:
        t.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()))
    Console().print(t)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("vosk")
    a.add_argument("--calls", type=int, nargs="+", default=[10])
    a.add_argument("--seconds", type=float, default=20)
    a.add_argument("--free", action="store_true")
    b = sub.add_parser("pipeline")
    b.add_argument("--calls", type=int, nargs="+", default=[4])
    b.add_argument("--seconds", type=float, default=30)
    s = sub.add_parser("serve")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--data-dir", required=True)
    args = ap.parse_args(argv)
    if args.cmd == "serve":
        serve(args.port, args.data_dir)
    elif args.cmd == "vosk":
        _table(
            "Vosk only (real time, ~40 % speech)",
            [bench_vosk(n, args.seconds, args.free) for n in args.calls],
        )
    else:
        _table(
            "Full pipeline over websockets", [bench_pipeline(n, args.seconds) for n in args.calls]
        )
    print(json.dumps({"note": "preliminary; taken on a busy shared 2-core machine"}))


if __name__ == "__main__":
    main()
