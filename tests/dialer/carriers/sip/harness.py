"""A per-test harness: SIPp peers and trunks that are always torn down, with leak checks."""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.sippy_thread import SippyThread
from dialer.carriers.sip.ua import SipTrunk
from tests.dialer.carriers.sip.peers import HOST, Sipp, free_udp_port, rtp_range, tone, write_pcap


@dataclass
class Harness:
    workdir: Path
    sipps: list[Sipp] = field(default_factory=list)
    trunks: list[SipTrunk] = field(default_factory=list)
    threads_before: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        SippyThread.get()
        self.threads_before = {t.ident for t in threading.enumerate() if t.ident is not None}
        self.tone_pcap = self.workdir / "tone1k.pcap"
        write_pcap(self.tone_pcap, tone(1.0, 1000.0))

    async def sipp(self, scenario: str, **kwargs: Any) -> Sipp:
        d = self.workdir / f"sipp{len(self.sipps)}"
        d.mkdir()
        kwargs.setdefault("pcap", self.tone_pcap)
        sipp = Sipp(scenario, d, **kwargs)
        self.sipps.append(sipp)
        return await sipp.start()

    async def trunk(self, sipp: Sipp | None = None, **overrides: Any) -> SipTrunk:
        low, high = rtp_range(8)
        args: dict[str, Any] = {
            "host": HOST,
            "port": sipp.port if sipp is not None else 5060,
            "local_host": HOST,
            "local_port": free_udp_port(),
            "rtp_port_min": low,
            "rtp_port_max": high,
            "max_concurrent_calls": 8,
            "max_calls_per_second": 50.0,
            "caller_id": "10086",
            "rtp_timeout": 10.0,
        }
        args.update(overrides)
        trunk = SipTrunk(TrunkConfig(**args))
        self.trunks.append(trunk)
        await trunk.start()
        return trunk

    async def close(self) -> list[str]:
        """Stop everything; return what leaked."""
        leaks: list[str] = []
        for trunk in self.trunks:
            await trunk.stop()
            if trunk.rtp_ports_in_use:
                leaks.append(f"RTP ports still in use: {sorted(trunk.rtp_ports_in_use)}")
            if trunk.calls():
                leaks.append(f"live calls after stop: {trunk.calls()}")
        for sipp in self.sipps:
            await sipp.stop()
        # asyncio's child watcher threads end on their own just after the process is reaped
        extra = [
            t
            for t in threading.enumerate()
            if t.ident not in self.threads_before and not t.name.startswith("asyncio-waitpid")
        ]
        for t in extra:
            t.join(timeout=1.0)
        extra = [t for t in extra if t.is_alive()]
        if extra:
            leaks.append(f"threads left running: {[t.name for t in extra]}")
        return leaks


def check_digest(log_text: str, header: str, password: str, method: str = "INVITE") -> bool:
    """Verify the first ``header`` digest (MD5, qop=auth) in a SIPp message log."""
    m = re.search(rf"^{header}: Digest (.*)$", log_text, re.MULTILINE | re.IGNORECASE)
    if m is None:
        return False
    params = dict(re.findall(r'(\w+)="?([^",]*)"?', m.group(1)))

    def md5(s: str) -> str:
        return hashlib.md5(s.encode()).hexdigest()

    ha1 = md5(f"{params['username']}:{params['realm']}:{password}")
    ha2 = md5(f"{method}:{params['uri']}")
    want = md5(f"{ha1}:{params['nonce']}:{params['nc']}:{params['cnonce']}:{params['qop']}:{ha2}")
    return bool(want == params["response"])
