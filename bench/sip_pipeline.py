"""SIP calls with the full call pipeline: N concurrent calls, one process (run from the repo root).

    python bench/sip_pipeline.py --calls 40 --seconds 60
    python bench/sip_pipeline.py --calls 10 20 40 --seconds 30

Each row: the product's ``SipCarrier`` (sippy signalling, RTP media) places N calls to SIPp
(``bench/sip_load_uas.xml``), at ``--cps`` while ramping up; every answered call runs
``dialogue.speech.sip_media.run_sip_call``, the same pipeline as a media-stream call
(Silero VAD, Vosk grammar decoding, pyttsx3 prompts prerendered by ``warm_up``), with
``bench/speech.py``'s loop brain (greets, answers every utterance). SIPp's SDP points the
RTP at a sink process that plays the customer: the simulator's Korean voice about 40 % of
the time (``bench/speech.py``'s replies), on a 20 ms clock, to every call, and timestamps
our packets in the kernel (SO_TIMESTAMPNS).

Printed per row:
- answer -> greeting: the 200 OK handled -> the greeting's first RTP packet sent (p50/p95);
- underruns: the RTP pacer found the bot's audio queue empty in the middle of a prompt
  (silence sent between two bot frames less than 0.3 s apart; a prompt ends only when
  the customer speaks, so any shorter gap is a stall), with the frames of bot audio sent;
- RTP jitter p99: |inter-arrival - 20 ms| of our packets at the sink, all streams;
- turn p50/p95: end of a customer reply at the sink -> the bot's next prompt on the wire;
- signalling CPU per call: the sippy thread and its UDP threads; process cores; RSS;
- the event loop's thread (RTP, VAD, the pipeline's frames) in cores and in ms of CPU per
  call per second (less sensitive to the machine's load than the latencies), and the
  grammar decoding threads' cores (``dialogue.speech.vosk_stt.decode_executor``).
SIPp and the sink share the machine's cores with the calls (at nice 10: they stand for
the network, not for work of ours); the table's title gives the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.sip_load import SCENARIO, signalling_threads, thread_cpu  # noqa: E402
from bench.speech import _pct, _utterances, grammar_runtime  # noqa: E402
from dialer.carriers.sip import g711  # noqa: E402
from dialer.carriers.sip.carrier import SipCarrier  # noqa: E402
from dialer.carriers.sip.config import TrunkConfig  # noqa: E402
from dialer.carriers.sip.rtp import RtpMedia  # noqa: E402
from dialer.carriers.sip.sippy_thread import SippyThread  # noqa: E402
from dialer.carriers.sip.ua import SipCall  # noqa: E402
from dialogue.speech.sip_media import run_sip_call  # noqa: E402
from kernel.logs import configure_logging  # noqa: E402

HOST = "127.0.0.1"
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
GAP_FRAMES = 15  # 0.3 s: a shorter silence between two bot frames is an underrun


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


# ----- the customer (a separate process) ------------------------------------------------------


def run_sink(port: int, seconds: float, out: Path) -> None:
    """Every source that sends us RTP gets the customer's voice back (1.5 s of silence for
    the greeting, then reply, 1.5x its length of silence, ...); our packets are timed."""
    replies = [g711.encode("PCMA", u) for u in _utterances()]
    quiet = g711.silence("PCMA", 160)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((HOST, port))
    sock.settimeout(0.002)
    arrivals: dict[int, list[float]] = {}
    plans: dict[tuple[str, int], list[Any]] = {}  # addr -> [frames, pos, seq, ts, ssrc]
    reply_ends: dict[str, list[float]] = {}  # addr -> wall times a reply's last frame went
    stop = False

    def on_term(*_a: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)

    def plan(n: int) -> list[tuple[bytes, bool]]:
        frames: list[tuple[bytes, bool]] = [(quiet, False)] * 75
        for k in range(200):
            r = replies[(n + k) % len(replies)]
            chunks = [r[i : i + 160].ljust(160, b"\xd5") for i in range(0, len(r), 160)]
            frames += [(c, i == len(chunks) - 1) for i, c in enumerate(chunks)]
            frames += [(quiet, False)] * (len(chunks) * 3 // 2)
        return frames

    next_tx = time.monotonic()
    end = time.monotonic() + seconds
    while not stop and time.monotonic() < end:
        if time.monotonic() >= next_tx:
            for addr, st in plans.items():
                frames, pos = st[0], st[1]
                payload, last = frames[pos % len(frames)]
                hdr = struct.pack("!BBHII", 0x80, 8, st[2] & 0xFFFF, st[3] & 0xFFFFFFFF, st[4])
                sock.sendto(hdr + payload, addr)
                if last:
                    reply_ends.setdefault(f"{addr[0]}:{addr[1]}", []).append(time.time())
                st[1], st[2], st[3] = pos + 1, st[2] + 1, st[3] + 160
            next_tx += 0.020
            continue
        try:
            data, anc, _flags, addr = sock.recvmsg(2048, 64)
        except TimeoutError:
            continue
        if len(data) < 12:
            continue
        ts = time.time()
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", cdata[:16])
                ts = sec + nsec / 1e9
        ssrc = struct.unpack("!I", data[8:12])[0]
        if data[1] & 0x7F == 8:
            arrivals.setdefault(ssrc, []).append(ts)
        if addr not in plans:
            plans[addr] = [plan(len(plans)), 0, 0, 0, 0x5EED0000 + len(plans)]
    devs = [
        (np.abs(np.diff(np.array(t)) * 1000 - 20.0)).tolist()
        for t in arrivals.values()
        if len(t) > 1
    ]
    out.write_text(json.dumps({"devs": devs, "reply_ends": reply_ends}))


# ----- the calls ------------------------------------------------------------------------------


@dataclass
class Tap:
    """What the RTP pacer did for one call (wall-clock times)."""

    first_audio: float | None = None
    silence_run: int = 0
    audio_frames: int = 0
    underruns: int = 0
    prompt_starts: list[float] = field(default_factory=list)


TAPS: dict[int, Tap] = {}


def tap_pacer() -> None:
    """Count, per call, bot frames sent, gaps inside prompts, and when prompts start."""
    original: Callable[[RtpMedia], None] = RtpMedia._send_frame

    def send_frame(self: RtpMedia) -> None:
        before = self.stats.silence_sent
        had_audio = bool(self._out)
        original(self)
        tap = TAPS.setdefault(id(self), Tap())
        if self.stats.silence_sent > before or not had_audio:
            tap.silence_run += 1
            return
        now = time.time()
        if tap.first_audio is None:
            tap.first_audio = now
        if tap.audio_frames and 0 < tap.silence_run <= GAP_FRAMES:
            tap.underruns += 1
        if tap.silence_run > GAP_FRAMES or tap.audio_frames == 0:
            tap.prompt_starts.append(now)
        tap.silence_run = 0
        tap.audio_frames += 1

    RtpMedia._send_frame = send_frame  # type: ignore[method-assign]


def _far_end() -> None:
    os.nice(10)


async def run(calls: int, seconds: float, cps: float, runtime: Any) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="sip_pipeline_"))
    sip_port, sink_port, media_port = free_port(), free_port(), free_port()
    sink_out = work / "sink.json"
    # the far end (SIPp, the customer sink) stands for the network: it yields the CPU to us
    sink = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--sink",
            str(sink_port),
            "--out",
            str(sink_out),
            "--seconds",
            str(seconds + calls / cps + 30),
        ],
        preexec_fn=_far_end,
    )
    sipp = subprocess.Popen(
        [
            "sipp",
            "-sf",
            str(SCENARIO),
            "-i",
            HOST,
            "-p",
            str(sip_port),
            "-mp",
            str(media_port),
            "-m",
            str(calls),
            "-l",
            str(calls * 2),
            "-nostdin",
            "-key",
            "sink_port",
            str(sink_port),
            "-timeout",
            f"{int(seconds + calls / cps + 90)}s",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_far_end,
    )
    await asyncio.sleep(0.5)
    TAPS.clear()
    answered: dict[str, float] = {}
    pipelines: list[Any] = []

    async def on_answered(sid: str, call: SipCall, params: Mapping[str, str]) -> None:
        answered[sid] = call.answered_at or time.time()
        pipelines.append(await run_sip_call(runtime, sid, call, params))

    carrier = SipCarrier(
        TrunkConfig(
            host=HOST,
            port=sip_port,
            local_host=HOST,
            local_port=free_port(),
            rtp_port_min=32000,
            rtp_port_max=32000 + 4 * calls + 1,
            max_concurrent_calls=calls,
            max_calls_per_second=cps,
            caller_id="10086",
            session_timers=False,
        ),
        on_answered=on_answered,
    )
    proc = psutil.Process()
    SippyThread.get()
    await carrier.start()
    sig_ids = signalling_threads()
    cpu0, sig0, t0 = proc.cpu_times(), thread_cpu(proc, sig_ids), time.monotonic()
    main_id = threading.get_native_id()
    loop0 = thread_cpu(proc, [main_id])
    threads0 = {t.id: t.user_time + t.system_time for t in proc.threads()}
    peak_rss = proc.memory_info().rss
    loop = asyncio.get_running_loop()
    sids = []
    for n in range(calls):
        sids.append(await carrier.place(f"1390000{n:04d}", "", {}))
    for sid in sids:
        call = carrier.call(sid)
        assert call is not None
        loop.call_later(seconds + 2, lambda c=call: asyncio.ensure_future(c.hangup()))
    media = {sid: carrier.call(sid) for sid in sids}
    while any(c is not None and c.ended is None for c in media.values()):
        peak_rss = max(peak_rss, proc.memory_info().rss)
        await asyncio.sleep(0.5)
    wall = time.monotonic() - t0
    cpu1, sig1 = proc.cpu_times(), thread_cpu(proc, signalling_threads())
    loop_cores = (thread_cpu(proc, [main_id]) - loop0) / wall
    decode_ids = [
        t.native_id
        for t in threading.enumerate()
        if t.name.startswith("vosk-decode") and t.native_id is not None
    ]
    # the decode threads outlive a row (one pool per process): only this row's CPU
    decode_cores = (
        sum(
            t.user_time + t.system_time - threads0.get(t.id, 0.0)
            for t in proc.threads()
            if t.id in decode_ids
        )
        / wall
    )
    ok = sum(
        1 for c in media.values() if c is not None and c.ended and c.ended.cause == "local_hangup"
    )
    await carrier.stop()
    sink.send_signal(signal.SIGTERM)
    sink.wait(30)
    try:
        sipp_rc = sipp.wait(30)
    except subprocess.TimeoutExpired:
        sipp.kill()
        sipp_rc = -1
    data = json.loads(sink_out.read_text())
    shutil.rmtree(work, ignore_errors=True)
    devs = np.concatenate([np.array(d) for d in data["devs"]]) if data["devs"] else np.zeros(1)
    greet, turns = [], []
    for sid, c in media.items():
        if c is None:
            continue
        tap = TAPS.get(id(c.media))
        if tap is None or tap.first_audio is None or sid not in answered:
            continue
        greet.append(tap.first_audio - answered[sid])
        port = c.media.local_port
        for end in data["reply_ends"].get(f"{HOST}:{port}", []):
            later = [p for p in tap.prompt_starts if p >= end]
            if later and later[0] - end < 5:
                turns.append(later[0] - end)
    taps = [TAPS[id(c.media)] for c in media.values() if c is not None and id(c.media) in TAPS]
    cores = ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system)) / wall
    return {
        "calls": calls,
        "ok": ok,
        "sipp rc": sipp_rc,
        "greet p50/p95 ms": f"{1000 * _pct(greet, 0.5):.0f}/{1000 * _pct(greet, 0.95):.0f}",
        "turn p50/p95 ms": f"{1000 * _pct(turns, 0.5):.0f}/{1000 * _pct(turns, 0.95):.0f}"
        f" (n={len(turns)})",
        "underruns": f"{sum(t.underruns for t in taps)} / {sum(t.audio_frames for t in taps)} fr",
        "jitter p99 ms": f"{float(np.percentile(devs, 99)):.2f}",
        "jitter p95/p99.9/max ms": f"{float(np.percentile(devs, 95)):.1f}/"
        f"{float(np.percentile(devs, 99.9)):.1f}/{float(devs.max()):.0f}",
        "catch-ups": sum(c.media.stats.pacer_catch_up for c in media.values() if c is not None),
        "sig CPU ms/call": f"{(sig1 - sig0) * 1000 / calls:.1f}",
        "cores": f"{cores:.2f}",
        "core/call": f"{cores / calls:.3f}",
        "loop thread cores": f"{loop_cores:.2f}",
        "loop ms/call-s": f"{1000 * loop_cores / calls:.1f}",
        "decode cores": f"{decode_cores:.2f}",
        "RSS MB": f"{peak_rss / 2**20:.0f}",
    }


async def main_async(counts: list[int], seconds: float, cps: float) -> list[dict[str, Any]]:
    configure_logging("WARNING")
    runtime = grammar_runtime()
    await runtime.warm_up(["ko-KR"])
    tap_pacer()
    rows = []
    for n in counts:
        rows.append(await run(n, seconds, cps, runtime))
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--calls", type=int, nargs="+", default=[40])
    ap.add_argument("--seconds", type=float, default=60.0, help="each call's length")
    ap.add_argument("--cps", type=float, default=5.0, help="calls per second while ramping up")
    ap.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sink:
        run_sink(args.sink, args.seconds, args.out)
        return
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian package sip-tester)")
    rows = asyncio.run(main_async(args.calls, args.seconds, args.cps))
    load = ", ".join(f"{x:.1f}" for x in psutil.getloadavg())
    table = Table(
        title=f"SIP calls with the full pipeline, one process ({args.seconds:.0f} s calls; "
        f"load average {load} on {psutil.cpu_count()} cores)"
    )
    for col in rows[0]:
        table.add_column(col, justify="left" if col == "underruns" else "right")
    for r in rows:
        table.add_row(*(str(v) for v in r.values()))
    Console(width=240).print(table)


if __name__ == "__main__":
    main()
