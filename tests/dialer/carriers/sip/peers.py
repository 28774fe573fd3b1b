"""Real SIP peers for the tests: SIPp scenarios and an auto-answering baresip, plus helpers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dialer.carriers.sip import g711

SCENARIOS = Path(__file__).parent / "scenarios"
HOST = "127.0.0.1"


def free_udp_port(pair: bool = False) -> int:
    """A free UDP port on loopback (with ``pair``: an even one whose +1 and +2 are free too)."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((HOST, 0))
            port: int = s.getsockname()[1]
        if not pair:
            return port
        port -= port % 2
        if port + 3 > 65535:
            continue
        socks = []
        try:
            for p in range(port, port + 4):
                t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(t)
                t.bind((HOST, p))
            return port
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise RuntimeError("no free UDP port found")


def rtp_range(n_pairs: int = 8) -> tuple[int, int]:
    """A block of free even RTP port pairs for one trunk."""
    for _ in range(200):
        base = free_udp_port(pair=True)
        if base + 2 * n_pairs > 65535:
            continue
        socks = []
        try:
            for p in range(base, base + 2 * n_pairs):
                t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(t)
                t.bind((HOST, p))
            return base, base + 2 * n_pairs - 1
        except OSError:
            continue
        finally:
            for t in socks:
                t.close()
    raise RuntimeError("no free RTP port block found")


def tone(seconds: float, freq: float, amplitude: float = 8000.0) -> bytes:
    n = int(8000 * seconds)
    return (np.sin(np.arange(n) * 2 * np.pi * freq / 8000) * amplitude).astype("<i2").tobytes()


def dominant_hz(pcm: bytes) -> float:
    """The strongest frequency in 8 kHz PCM16 audio."""
    x = np.frombuffer(pcm, "<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    spectrum[:5] = 0
    return float(np.argmax(spectrum) * 8000 / len(x))


def write_pcap(path: Path, pcm: bytes, codec: str = "PCMA", pt: int = 8) -> None:
    """An RTP pcap (Ethernet/IPv4/UDP) of ``pcm`` in 20 ms G.711 packets, as SIPp plays it."""
    payload = g711.encode(codec, pcm)
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for n in range(len(payload) // 160):
        rtp = struct.pack("!BBHII", 0x80, pt | (0x80 if n == 0 else 0), n, n * 160, 0xC0FFEE)
        rtp += payload[n * 160 : (n + 1) * 160]
        udp = struct.pack("!HHHH", 6000, 7000, 8 + len(rtp), 0) + rtp
        ip = (
            struct.pack(
                "!BBHHHBBH4s4s",
                0x45,
                0,
                20 + len(udp),
                n,
                0,
                64,
                17,
                0,
                socket.inet_aton("10.0.0.1"),
                socket.inet_aton("10.0.0.2"),
            )
            + udp
        )
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        usec = n * 20000
        out += (
            struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame), len(frame))
            + frame
        )
    path.write_bytes(bytes(out))


async def wait_bound(
    port: int, timeout: float = 5.0, proc: asyncio.subprocess.Process | None = None
) -> None:
    """Until something listens on UDP ``port`` (our own bind fails).

    With ``proc``, a process that exits before binding fails at once instead of
    waiting out the timeout.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind((HOST, port))
            except OSError:
                return
        if proc is not None and proc.returncode is not None:
            raise TimeoutError(
                f"process exited ({proc.returncode}) before binding UDP {HOST}:{port}"
            )
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"nothing bound UDP {HOST}:{port} within {timeout} s")
        await asyncio.sleep(0.02)


async def start_retrying(
    what: str,
    once: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[None]],
    log: Callable[[], str],
    tries: int = 3,
) -> None:
    """``once()`` until a start binds (``TimeoutError`` otherwise), stopping the failed
    process in between; all failures, with the peer's log, in the final error."""
    failures: list[str] = []
    for _ in range(tries):
        try:
            await once()
            return
        except TimeoutError as exc:
            failures.append(f"{exc}\n{log()}")
            await stop()
    raise TimeoutError(f"{what} did not start:\n" + "\n---\n".join(failures))


@dataclass
class Sipp:
    """One SIPp UAS run: ``await start()``, then ``await result()`` for its exit code."""

    scenario: str
    workdir: Path
    port: int = 0
    media_port: int = 0
    rtp_echo: bool = False
    pcap: Path | None = None
    timeout_s: int = 45
    calls: int = 1
    proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Sipp:
        """Start SIPp; a start that does not bind (a port taken meanwhile, a slow start on
        a fresh machine) is tried again on fresh ports (those not given)."""
        port, media_port = self.port, self.media_port

        async def once() -> None:
            self.port = port or free_udp_port()
            self.media_port = media_port or free_udp_port(pair=True)
            await self._start_once()

        await start_retrying("SIPp", once, self.stop, self.log)
        return self

    async def _start_once(self) -> None:
        src = SCENARIOS / f"{self.scenario}.xml"
        scen = self.workdir / src.name
        shutil.copy(src, scen)
        args = [
            "sipp",
            "-sf",
            str(scen),
            "-i",
            HOST,
            "-p",
            str(self.port),
            "-mp",
            str(self.media_port),
            "-m",
            str(self.calls),
            "-l",
            "1000",
            "-timeout",
            f"{self.timeout_s}s",
            "-nostdin",
            "-trace_msg",
            "-trace_err",
            "-trace_screen",
        ]
        if self.rtp_echo:
            args.append("-rtp_echo")
        if self.pcap is not None:
            args += ["-key", "pcap", str(self.pcap)]
        self.proc = await asyncio.create_subprocess_exec(
            *args,
            cwd=self.workdir,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        await wait_bound(self.port, timeout=10.0, proc=self.proc)

    async def result(self, timeout: float = 20.0) -> int:
        """SIPp's exit code (0: the scenario completed, every expectation met)."""
        assert self.proc is not None
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.kill()
            raise

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    async def stop(self) -> None:
        """Kill SIPp if it still runs, and reap it."""
        self.kill()
        if self.proc is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 5)

    def log(self) -> str:
        """SIPp's message and error traces, for failure messages."""
        parts = []
        for f in (
            sorted(self.workdir.glob("*_messages.log"))
            + sorted(self.workdir.glob("*_errors.log"))
            + sorted(self.workdir.glob("*_screen.log"))
        ):
            parts.append(f"== {f.name}\n{f.read_text(errors='replace')[-6000:]}")
        return "\n".join(parts)


@dataclass
class Baresip:
    """An auto-answering baresip that echoes our audio back (Debian's package); with
    ``play``, it plays that WAV (8 kHz mono) instead and records what it hears under
    ``workdir/heard`` (``sndfile``: ``dump-*-dec.wav``)."""

    workdir: Path
    port: int = 0
    proc: asyncio.subprocess.Process | None = None
    play: Path | None = None
    user: str = "bot"

    async def start(self) -> Baresip:
        """Start baresip; a start that does not bind (a port taken meanwhile, a slow
        first start on a fresh machine) is retried on fresh ports, with its log kept."""
        fixed = self.port

        async def once() -> None:
            self.port = fixed or free_udp_port()
            await self._start_once()

        await start_retrying("baresip", once, self.stop, self.log)
        return self

    async def _start_once(self) -> None:
        conf = self.workdir / ".baresip"
        conf.mkdir(parents=True, exist_ok=True)
        rtp_low = free_udp_port(pair=True)
        source = "aubridge,echo"
        extra = ""
        if self.play is not None:
            heard = self.workdir / "heard"
            heard.mkdir(exist_ok=True)
            source = f"aufile,{self.play}"
            extra = f"module\t\t\taufile.so\nmodule\t\t\tsndfile.so\nsnd_path\t\t{heard}\n"
        (conf / "config").write_text(
            f"sip_listen\t\t{HOST}:{self.port}\n"
            f"net_interface\t\t{HOST}\n"
            f"rtp_ports\t\t{rtp_low}-{rtp_low + 3}\n"
            "audio_player\t\taubridge,echo\n"
            f"audio_source\t\t{source}\n"
            "audio_alert\t\taubridge,echo\n"
            "module_path\t\t/usr/lib/baresip/modules\n"
            "module\t\t\tg711.so\n"
            "module\t\t\taubridge.so\n"
            f"{extra}"
            "module_tmp\t\tuuid.so\n"
            "module_tmp\t\taccount.so\n"
            "module_app\t\tmenu.so\n"
        )
        (conf / "accounts").write_text(
            f"<sip:{self.user}@{HOST}:{self.port}>;regint=0;answermode=auto;audio_codecs=PCMA,PCMU\n"
        )
        (conf / "contacts").write_text("")
        env = {**os.environ, "HOME": str(self.workdir)}
        self.stdout = self.workdir / "baresip.log"
        self._out = self.stdout.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            "baresip",
            "-f",
            str(conf),
            "-t",
            "60",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._out,
            stderr=asyncio.subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        await wait_bound(self.port, timeout=15.0, proc=self.proc)

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self._out.close()

    async def stop(self) -> None:
        self.kill()
        if self.proc is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 5)

    def log(self) -> str:
        return self.stdout.read_text(errors="replace")[-6000:]
