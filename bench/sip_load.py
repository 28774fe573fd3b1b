"""SIP trunk load check: N concurrent calls against SIPp for T seconds, RTP both ways.

    python bench/sip_load.py --calls 50 --seconds 20

SIPp (bench/sip_load_uas.xml) answers every call with SDP that points our RTP at a sink
process run by this script. The sink timestamps each packet in the kernel (SO_TIMESTAMPNS),
measures our pacing per stream and sends a 20 ms PCMA stream back to each caller. Printed:
calls ok, signalling CPU per call (the sippy thread and its UDP threads), process CPU, RTP TX
pacing jitter p99 at the sink, packets lost each way, and peak RSS. Needs ``sipp``.
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
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.sippy_thread import SippyThread
from dialer.carriers.sip.ua import SipCall, SipTrunk

HOST = "127.0.0.1"
SCENARIO = Path(__file__).with_name("sip_load_uas.xml")
#: Linux SO_TIMESTAMPNS (not exported by the socket module): kernel receive time in ns.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


# ----- the sink (a separate process) ---------------------------------------------------------


def run_sink(port: int, seconds: float, out: Path) -> None:
    """Record arrival times per SSRC; reflect 20 ms PCMA to every source; write JSON."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((HOST, port))
    sock.settimeout(0.005)
    arrivals: dict[int, list[tuple[int, float]]] = {}
    sources: dict[tuple[str, int], list[int]] = {}  # addr -> [seq, ts]
    payload = bytes([0xD5]) * 160
    next_tx = time.monotonic()
    end = time.monotonic() + seconds
    stop = False

    def on_term(*_a: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    sent_back = 0
    while not stop and time.monotonic() < end:
        now = time.monotonic()
        if now >= next_tx:
            for addr, st in sources.items():
                hdr = struct.pack(
                    "!BBHII", 0x80, 8, st[0] & 0xFFFF, st[1] & 0xFFFFFFFF, 0x5EED0000 + addr[1]
                )
                sock.sendto(hdr + payload, addr)
                st[0] += 1
                st[1] += 160
                sent_back += 1
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
        _b0, b1, seq, _rts, ssrc = struct.unpack("!BBHII", data[:12])
        if b1 & 0x7F != 8:
            continue
        arrivals.setdefault(ssrc, []).append((seq, ts))
        if addr not in sources:
            sources[addr] = [0, 0]
    streams = []
    for ssrc, pkts in arrivals.items():
        seqs = np.array([s for s, _ in pkts], dtype=np.int64)
        times = np.array([t for _, t in pkts])
        unwrapped = np.concatenate([[0], np.cumsum(((np.diff(seqs) + 32768) % 65536) - 32768)])
        expected = int(unwrapped.max() - unwrapped.min() + 1)
        gaps = np.diff(times) * 1000 if len(times) > 1 else np.array([20.0])
        streams.append(
            {
                "ssrc": ssrc,
                "packets": len(pkts),
                "lost": max(0, expected - len(pkts)),
                "dev_ms": np.abs(gaps - 20.0).tolist(),
                "max_gap_ms": float(gaps.max()),
            }
        )
    out.write_text(json.dumps({"streams": streams, "sent_back": sent_back}))


# ----- the caller -----------------------------------------------------------------------------


def signalling_threads() -> list[int]:
    """Native ids of the sippy thread and its UDP sender/receiver threads."""
    ids = []
    for t in threading.enumerate():
        kind = type(t).__name__
        ours = t.name == "sippy-ed2" or kind in ("AsyncSender", "AsyncReceiver")
        if ours and t.native_id is not None:
            ids.append(t.native_id)
    return ids


def thread_cpu(proc: psutil.Process, ids: list[int]) -> float:
    return sum(t.user_time + t.system_time for t in proc.threads() if t.id in ids)


async def one_call(
    trunk: SipTrunk, n: int, seconds: float, results: dict[str, int]
) -> SipCall | None:
    call = await trunk.invite(f"1390000{n:04d}")
    if not await call.wait_answered():
        results["failed"] += 1
        return call
    call.media.tx_times = []
    tone = (np.sin(np.arange(1600) * 2 * np.pi * (300 + n) / 8000) * 6000).astype("<i2").tobytes()
    end = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < end and call.ended is None:
        if call.media.queued_ms < 400:
            call.media.send_pcm16(tone)  # 200 ms at a time, as a TTS would
        await asyncio.sleep(0.1)
    ended = await call.hangup()
    results["ok" if ended.cause == "local_hangup" else "failed"] += 1
    return call


async def run(calls: int, seconds: float, cps: float) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="sip_load_"))
    sip_port, sink_port, media_port = free_port(), free_port(), free_port()
    sink_out = work / "sink.json"
    sink = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--sink",
            str(sink_port),
            "--seconds",
            str(seconds + calls / cps + 15),
            "--out",
            str(sink_out),
        ]
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
            f"{int(seconds + calls / cps + 60)}s",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    await asyncio.sleep(0.5)
    proc = psutil.Process()
    SippyThread.get()
    cfg = TrunkConfig(
        host=HOST,
        port=sip_port,
        local_host=HOST,
        local_port=free_port(),
        rtp_port_min=30000,
        rtp_port_max=30000 + 4 * calls + 1,
        max_concurrent_calls=calls,
        max_calls_per_second=cps,
        caller_id="10086",
        rtp_timeout=10.0,
        session_timers=False,
    )
    trunk = SipTrunk(cfg)
    await trunk.start()
    sig_ids = signalling_threads()
    cpu0, sig0, t0 = proc.cpu_times(), thread_cpu(proc, sig_ids), time.monotonic()
    peak_rss = proc.memory_info().rss
    results = {"ok": 0, "failed": 0}
    tasks = [asyncio.ensure_future(one_call(trunk, n, seconds, results)) for n in range(calls)]
    while not all(t.done() for t in tasks):
        peak_rss = max(peak_rss, proc.memory_info().rss)
        await asyncio.sleep(0.5)
    done = [t.result() for t in tasks]
    wall = time.monotonic() - t0
    sig_ids = signalling_threads()
    cpu1, sig1 = proc.cpu_times(), thread_cpu(proc, sig_ids)
    rx_got = sum(c.media.stats.packets_received for c in done if c is not None)
    rx_lost = sum(c.media.stats.lost for c in done if c is not None)
    tx_sent = sum(c.media.stats.packets_sent for c in done if c is not None)
    resync = sum(c.media.stats.pacer_resyncs for c in done if c is not None)
    loop_devs = np.concatenate(
        [np.abs(np.diff(c.media.tx_times) * 1000 - 20.0) for c in done if c and c.media.tx_times]
    )
    await trunk.stop()
    sink.send_signal(signal.SIGTERM)
    sink.wait(30)
    try:
        sipp_rc = sipp.wait(30)
    except subprocess.TimeoutExpired:
        sipp.kill()
        sipp_rc = -1
    sink_data = json.loads(sink_out.read_text())
    devs = (
        np.concatenate([np.array(s["dev_ms"]) for s in sink_data["streams"]])
        if sink_data["streams"]
        else np.zeros(1)
    )
    per_stream_p99 = [
        float(np.percentile(s["dev_ms"], 99)) for s in sink_data["streams"] if s["dev_ms"]
    ]
    shutil.rmtree(work, ignore_errors=True)
    return {
        "calls": calls,
        "seconds": seconds,
        "calls_ok": results["ok"],
        "sipp_rc": sipp_rc,
        "wall_s": wall,
        "signalling_cpu_ms_per_call": (sig1 - sig0) * 1000 / calls,
        "process_cpu_pct_of_core": ((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system))
        / wall
        * 100,
        "tx_packets_sent": tx_sent,
        "tx_packets_at_sink": sum(s["packets"] for s in sink_data["streams"]),
        "tx_lost_at_sink": sum(s["lost"] for s in sink_data["streams"]),
        "tx_jitter_p99_ms": float(np.percentile(devs, 99)),
        "tx_jitter_p99_ms_worst_stream": max(per_stream_p99, default=0.0),
        "tx_max_gap_ms": max((s["max_gap_ms"] for s in sink_data["streams"]), default=0.0),
        "tx_jitter_p99_ms_at_sender": float(np.percentile(loop_devs, 99))
        if len(loop_devs)
        else 0.0,
        "tx_pacer_resyncs": resync,
        "rx_packets_sent_by_sink": sink_data["sent_back"],
        "rx_packets_received": rx_got,
        "rx_lost": rx_lost,
        "peak_rss_mb": peak_rss / 2**20,
        "gil_switch_interval_ms": sys.getswitchinterval() * 1000,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--cps", type=float, default=25.0, help="calls per second while ramping up")
    ap.add_argument("--json", action="store_true", help="print JSON instead of the table")
    ap.add_argument(
        "--switch-ms",
        type=float,
        default=None,
        help="sys.setswitchinterval in ms (Python's default is 5 ms)",
    )
    ap.add_argument("--sink", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.sink:
        run_sink(args.sink, args.seconds, args.out)
        return
    if args.switch_ms is not None:
        sys.setswitchinterval(args.switch_ms / 1000)
    if shutil.which("sipp") is None:
        sys.exit("sipp is not installed (Debian package sip-tester)")
    result = asyncio.run(run(args.calls, args.seconds, args.cps))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    width = max(len(k) for k in result)
    print(f"SIP load check on {os.cpu_count()} cores (SIPp, sink and caller on one machine)")
    for key, value in result.items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        print(f"  {key:<{width}}  {shown}")


if __name__ == "__main__":
    main()
