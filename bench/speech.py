"""Speech capacity, side by side in one run (run from the repo root).

python bench/speech.py --quick          short smoke run (about 2 minutes)
python bench/speech.py                  full run (the lead's quiet-machine numbers)
python bench/speech.py --calls 10 20 40 --workers 2 --seconds 60 --free-calls 8

Rows:
(a) ``vosk-only``: N grammar-mode streams decoded in real time in one process (one
    word-confidence recognizer each, widened beams, barrier entry, 100 ms chunks, ~40 %
    speech): the ceiling of the recognizer alone, and its CPU per call. ``as fed``: each
    reply with the audio the pipeline's STT decodes around it (its pre-roll before VAD's
    start and the silence completing VAD's stop), the same audio as the pipeline rows:
    the baseline of ``x vosk``. ``speech``: the trimmed replies alone, a stricter floor
    (``x speech-only``).
(b) ``pipeline``: the full call pipeline in ``--workers`` media worker processes sharing
    one listening socket (``dialogue.speech.media_server``), N concurrent calls over real
    websockets (Twilio Media Streams, 20 ms mu-law), started at ``--cps`` calls/second;
    the customer speaks about 40 % of the time, in the simulator's Korean voice
    (``simulator.tts``: respelled, espeak-ng ``ko``, the audio simulated customers send),
    and the bot answers each utterance. Turn latency = end of customer speech (voiced
    audio, trimmed) -> first bot audio frame received; answer -> greeting = websocket
    open -> first bot audio; underruns = bot audio arriving after a 60 ms carrier jitter
    buffer ran dry mid-prompt (a dry buffer after a whole prompt, the longest run of
    audio seen for the greeting or the loop's prompt, is the gap between two prompts).
(c) ``free``: the same with free decoding (no grammar).

CPU and memory are read with psutil from the worker processes (and the client process,
which shares the machine). Figures from a busy shared machine are preliminary.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

PHRASES = ("네 맞습니다", "아니요", "관심 없어요", "다시 전화 주세요")
GREETING = "안녕하세요 고객님"
ACK = "네 알겠습니다"
FRAME = 160  # 20 ms of mu-law at 8 kHz
JITTER_S = 0.06


def _pct(xs: Sequence[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def _utterances() -> list[bytes]:
    """Customer replies as 16-bit 8 kHz PCM, leading/trailing silence trimmed."""
    import numpy as np

    from simulator import audio
    from simulator.tts import Voice, render_mulaw

    voice = Voice(language="ko-KR", espeak_voice="ko", speed_wpm=150)
    out = []
    for p in PHRASES:
        a = audio.mulaw_to_pcm16(render_mulaw(p, voice))
        loud = np.flatnonzero(np.abs(a) > 500)
        out.append(a[loud[0] : loud[-1] + 1].tobytes() if len(loud) else a.tobytes())
    return out


# -- (a) Vosk only ---------------------------------------------------------------------


def _as_fed(utts: list[bytes]) -> list[bytes]:
    """Each reply as the pipeline's STT hands it to Vosk: the pre-roll before VAD's start
    (``PREROLL_S``, of which VAD's 0.2 s confirmation and on average half an input batch
    are speech), the reply, and the silence that completes VAD's stop."""
    from pipecat.audio.vad.vad_analyzer import VADParams

    from dialogue.speech.settings import SpeechSettings
    from dialogue.speech.vosk_stt import PREROLL_S

    before = PREROLL_S - VADParams().start_secs - 0.05
    after = SpeechSettings().vad_stop_s
    return [bytes(2 * int(8000 * before)) + u + bytes(2 * int(8000 * after)) for u in utts]


def bench_vosk(calls: int, seconds: float, free: bool, fed: bool = True) -> dict[str, Any]:
    """``fed``: the replies padded as the pipeline feeds Vosk (the same audio); else the
    trimmed speech alone (a stricter floor no streaming system reaches)."""
    import psutil
    from vosk import KaldiRecognizer

    from dialogue.speech.asr_models import ModelRegistry
    from dialogue.speech.grammar import build_grammar
    from dialogue.speech.settings import SpeechSettings

    reg = ModelRegistry(SpeechSettings())
    model = reg.free_model("ko-KR") if free else reg.model("ko-KR")
    grammar = build_grammar(PHRASES, reg.vocabulary("ko-KR"))
    utts = _as_fed(_utterances()) if fed else _utterances()
    me = psutil.Process()
    rss0 = me.memory_info().rss

    def make() -> Any:
        r = (
            KaldiRecognizer(model, 8000)
            if free
            else KaldiRecognizer(model, 8000, grammar.vosk_json())
        )
        r.SetWords(True)
        return r

    recs = [make() for _ in range(calls)]
    chunk = 1600  # 100 ms
    # each stream: utterance then silence (~40 % speech, as the pipeline rows), offset per call
    speech = _utterances()
    plans = []
    for i in range(calls):
        u = utts[i % len(utts)]
        period = len(speech[i % len(speech)]) * 5 // 2
        plans.append((u, period, (i * 7919) % period // chunk * chunk))
    cpu0, t0 = time.process_time(), time.monotonic()
    late, finals, tick = 0, [], 0
    while time.monotonic() - t0 < seconds:
        for i, (u, period, off) in enumerate(plans):
            pos = (tick * chunk + off) % period
            if pos < len(u):
                recs[i].AcceptWaveform(u[pos : pos + chunk])
                if pos + chunk >= len(u):
                    f0 = time.perf_counter()
                    recs[i].FinalResult()
                    finals.append(time.perf_counter() - f0)
        tick += 1
        due = t0 + tick * 0.1
        if time.monotonic() - due > 0.1:
            late += 1
        if (d := due - time.monotonic()) > 0:
            time.sleep(d)
    wall = time.monotonic() - t0
    cores = (time.process_time() - cpu0) / wall
    rss = me.memory_info().rss
    return {
        "row": ("free vosk-only" if free else "vosk-only") + (" as fed" if fed else " speech"),
        "procs": 1,
        "calls": calls,
        "keeps up": "yes" if late <= tick // 50 else f"no ({late} late ticks)",
        "turn p50/p95 ms": f"final {1000 * _pct(finals, 0.5):.0f}/{1000 * _pct(finals, 0.95):.0f}",
        "greet p95 ms": "-",
        "underruns": "-",
        "cores": cores,
        "core/call": cores / calls,
        "MB/proc": rss / 2**20,
        "MB/call": (rss - rss0) / 2**20 / calls,
    }


# -- (b) the full pipeline ---------------------------------------------------------------


class LoopBrain:
    """Greets, then answers every utterance with a short prompt; never ends the call."""

    def __init__(self, free: bool = False) -> None:
        self._free = free

    @property
    def state(self) -> str:
        return "loop"

    @property
    def ended(self) -> bool:
        return False

    def _expect(self) -> object:
        from tests.dialogue.fake_brain import ExpectPhrases

        return ExpectPhrases(() if self._free else PHRASES, self._free, 30.0)

    def start(self) -> list[object]:
        from tests.dialogue.fake_brain import Say

        return [Say(GREETING, "greeting", True), self._expect()]

    def handle(self, event: object) -> list[object]:
        from tests.dialogue.fake_brain import Say

        return [Say(ACK, "ack", True), self._expect()]


def _runtime(free: bool) -> Any:
    from dialogue.speech.pipeline import CallInfo, CallSetup, SpeechRuntime
    from dialogue.speech.records import InMemoryCallRecorder
    from dialogue.speech.settings import SpeechSettings
    from tests.dialogue.fake_brain import FakeEvents

    settings = SpeechSettings(
        data_dir=Path(os.environ.get("BENCH_SPEECH_DATA", tempfile.mkdtemp())),
        carrier_api_base_url="http://127.0.0.1:9",
    )

    def factory(info: CallInfo) -> CallSetup:
        return CallSetup(brain=LoopBrain(free), prerender=(GREETING, ACK))

    rt = SpeechRuntime(
        settings=settings,
        recorder=InMemoryCallRecorder(),
        brain_factory=factory,
        events=FakeEvents(),
        record_calls=False,
        prerender=(GREETING, ACK),
        free_decoding=free,
    )
    return rt


def grammar_runtime() -> Any:
    return _runtime(False)


def free_runtime() -> Any:
    return _runtime(True)


@dataclass
class ClientStats:
    greeting_s: float | None = None
    turns: list[float] = field(default_factory=list)
    bot_frames: int = 0
    # Bot audio between two moments the carrier's buffer ran dry, in frames; the first
    # entry is the silence before the greeting (0 frames).
    segments: list[int] = field(default_factory=list)
    gaps: list[tuple[int, float]] = field(default_factory=list)  # (segment it ends, dry s)
    underruns: int = 0
    late_s: list[float] = field(default_factory=list)  # how long the buffer was dry

    def count_underruns(self, greeting_frames: int, prompt_frames: int) -> None:
        """A dry buffer is an underrun when the audio before it was not a whole prompt
        (the greeting, or the loop's prompt) and the gap was short (a prompt cut by
        barge-in and not followed within 0.3 s counts as a new prompt, not an underrun).
        Conservative: a barge-in-cut prompt followed within 0.3 s also counts."""
        for seg, dry in self.gaps:
            if seg < 2:  # before the greeting's first frame
                continue
            full = greeting_frames if seg == 2 else prompt_frames
            if dry < 0.3 and self.segments[seg - 1] < full:
                self.underruns += 1
                self.late_s.append(dry)


class _Client:
    """The carrier's end of one call: pre-encoded 20 ms frames, bot audio timing only."""

    def __init__(self, ws: Any, stream_sid: str) -> None:
        self.ws = ws
        self.sid = stream_sid
        self.t0 = time.monotonic()
        self.stats = ClientStats()
        self.bot_at: list[float] = []
        self._play_end = 0.0  # when the carrier's buffer runs dry
        self._segments = self.stats.segments
        self._frames_in_segment = 0

    async def read(self) -> None:
        import websockets

        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                if msg.get("event") != "media":
                    continue
                now = time.monotonic()
                dur = len(base64.b64decode(msg["media"]["payload"])) / 8000
                if self.stats.greeting_s is None:
                    self.stats.greeting_s = now - self.t0
                if now > self._play_end:  # the buffer ran dry: a new prompt, or an underrun
                    self._segments.append(self._frames_in_segment)
                    self.stats.gaps.append((len(self._segments), now - self._play_end))
                    self._frames_in_segment = 0
                    self._play_end = now + JITTER_S
                self._frames_in_segment += 1
                self._play_end += dur
                self.bot_at.append(now)
                self.stats.bot_frames += 1
        except websockets.ConnectionClosed:
            pass

    async def send(self, frames: list[str]) -> None:
        start = time.monotonic()
        for i, f in enumerate(frames):
            await self.ws.send(f)
            delay = start + (i + 1) * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)


def _frames(pcm: bytes, sid: str) -> list[str]:
    import numpy as np

    from simulator.audio import pcm16_to_mulaw

    ulaw = pcm16_to_mulaw(np.frombuffer(pcm, dtype=np.int16))
    ulaw += b"\xff" * (-len(ulaw) % FRAME)
    return [
        json.dumps(
            {
                "event": "media",
                "streamSid": sid,
                "media": {"payload": base64.b64encode(ulaw[i : i + FRAME]).decode()},
            }
        )
        for i in range(0, len(ulaw), FRAME)
    ]


async def _call(url: str, i: int, seconds: float, utts: list[bytes]) -> ClientStats:
    import websockets

    sid, stream = f"CA{i:05d}", f"MZ{i:05d}"
    async with websockets.connect(url + sid, max_queue=None) as ws:
        c = _Client(ws, stream)
        start = {
            "streamSid": stream,
            "callSid": sid,
            "accountSid": "ACbench",
            "customParameters": {},
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        }
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps({"event": "start", "streamSid": stream, "start": start}))
        reader = asyncio.create_task(c.read())
        speech = [_frames(u, stream) for u in utts]
        quiet = _frames(bytes(2 * 8000 * 10), stream)
        await c.send(quiet[:75])  # 1.5 s: the greeting plays
        k = i
        while time.monotonic() - c.t0 < seconds:
            u = speech[k % len(speech)]
            k += 1
            await c.send(u)
            end = time.monotonic()
            n = len(c.bot_at)
            await c.send(quiet[: int(len(u) * 1.5)])  # ~40 % speech
            # the first bot prompt that starts after the end of speech (a prompt still
            # playing when the customer stopped is an overlap, not a response)
            before = c.bot_at[n - 1] if n else -1.0
            later = [t for t in c.bot_at[n:] if t >= end]
            if later and later[0] - before > 0.25:
                c.stats.turns.append(later[0] - end)
        reader.cancel()
        return c.stats


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def bench_pipeline(
    calls: int, seconds: float, workers: int, cps: float, free: bool, vosk_core: float | None
) -> dict[str, Any]:
    import psutil
    import websockets

    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), BENCH_SPEECH_DATA=tempfile.mkdtemp())
    spec = "bench.speech:free_runtime" if free else "bench.speech:grammar_runtime"
    ready = Path(tempfile.mkdtemp()) / "ready"
    code = (
        "from pathlib import Path;"
        "from dialogue.speech.media_server import serve_media;"
        f"serve_media(host='127.0.0.1', port={port}, workers={workers}, factory_spec='{spec}',"
        f" ready_file=Path('{ready}'))"
    )
    server = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    try:
        parent = psutil.Process(server.pid)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not ready.exists():  # every worker warm
            time.sleep(0.3)
        time.sleep(0.5)  # and accepting
        kids = [k for k in parent.children() if "resource_tracker" not in " ".join(k.cmdline())]
        rss0 = {k.pid: k.memory_info().rss for k in kids}
        cpu0 = {k.pid: sum(k.cpu_times()[:2]) for k in kids}
        me = psutil.Process()
        mcpu0 = sum(me.cpu_times()[:2])
        utts = _utterances()
        t0 = time.monotonic()

        async def run_all() -> list[ClientStats | BaseException]:
            url = f"ws://127.0.0.1:{port}/media/"

            async def one(i: int) -> ClientStats:
                await asyncio.sleep(i / cps)
                return await _call(url, i, seconds, utts)

            return await asyncio.gather(*(one(i) for i in range(calls)), return_exceptions=True)

        results = asyncio.run(run_all())
        wall = time.monotonic() - t0
        per_proc = [(sum(k.cpu_times()[:2]) - cpu0[k.pid]) / wall for k in kids]
        rss = [k.memory_info().rss for k in kids]
        client_cores = (sum(me.cpu_times()[:2]) - mcpu0) / wall
    finally:
        workers_left = psutil.Process(server.pid).children(recursive=True)
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(5)
        for k in workers_left:
            if k.is_running():
                k.kill()
    ok = [r for r in results if isinstance(r, ClientStats)]
    failed = len(results) - len(ok)
    # whole prompts are the longest runs seen: the greeting is each call's first prompt
    greeting = max((r.segments[1] for r in ok if len(r.segments) > 1), default=0)
    prompt = max((n for r in ok for n in r.segments[2:]), default=0)
    for r in ok:
        r.count_underruns(greeting, prompt)
    _ = websockets
    turns = [t for r in ok for t in r.turns]
    greet = [r.greeting_s for r in ok if r.greeting_s is not None]
    cores = sum(per_proc)
    per_call = cores / calls
    row = {
        "row": ("free " if free else "") + f"pipeline x{workers}",
        "procs": workers,
        "calls": calls if not failed else f"{calls} ({failed} failed)",
        "keeps up": f"{sum(r.underruns for r in ok)} underruns / {sum(r.bot_frames for r in ok)} fr",
        "turn p50/p95 ms": f"{1000 * _pct(turns, 0.5):.0f}/{1000 * _pct(turns, 0.95):.0f} (n={len(turns)})",
        "greet p95 ms": f"{1000 * _pct(greet, 0.95):.0f}",
        "late ms (max)": f"{1000 * max([x for r in ok for x in r.late_s], default=0):.0f}",
        "underruns": sum(r.underruns for r in ok),
        "cores": cores,
        "core/call": per_call,
        "MB/proc": sum(rss) / len(rss) / 2**20,
        "MB/call": (sum(rss) - sum(rss0.values())) / 2**20 / calls,
        "cores/proc": " ".join(f"{c:.2f}" for c in per_proc),
        "client cores": client_cores,
    }
    if vosk_core:
        row["x vosk"] = per_call / vosk_core
    return row


def _table(rows: list[dict[str, Any]], note: str) -> None:
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols and k != "underruns"]
    t = Table(title="Speech capacity (8 kHz, real time, ~40 % customer speech)", caption=note)
    for c in cols:
        t.add_column(c, justify="right" if c not in ("row", "keeps up") else "left")
    for r in rows:
        t.add_row(
            *(f"{r[c]:.3f}" if isinstance(r.get(c), float) else str(r.get(c, "-")) for c in cols)
        )
    Console(width=220).print(t)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short run: 10 and 20 calls, 15 s")
    ap.add_argument("--calls", type=int, nargs="+", default=None)
    ap.add_argument("--vosk-calls", type=int, nargs="+", default=None)
    ap.add_argument("--free-calls", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=None)
    ap.add_argument("--cps", type=float, default=10.0, help="calls started per second")
    args = ap.parse_args(argv)
    quick = args.quick
    seconds = args.seconds or (15.0 if quick else 60.0)
    calls = args.calls or ([10, 20] if quick else [10, 20, 40])
    vosk_calls = args.vosk_calls or ([20, 40] if quick else [20, 40, 80])
    free_calls = args.free_calls if args.free_calls is not None else (4 if quick else 8)
    rows = [bench_vosk(n, min(seconds, 10.0), False) for n in vosk_calls]
    rows.append(bench_vosk(vosk_calls[0], min(seconds, 10.0), False, fed=False))
    base, speech_only = rows[0]["core/call"], rows[-1]["core/call"]
    for n in calls:
        row = bench_pipeline(n, seconds, args.workers, args.cps, False, base)
        row["x speech-only"] = row["core/call"] / speech_only
        rows.append(row)
    if free_calls:
        rows.append(bench_pipeline(free_calls, seconds, args.workers, args.cps, True, None))
    _table(rows, f"{seconds:.0f} s per row; preliminary if the machine was shared")


if __name__ == "__main__":
    main()
