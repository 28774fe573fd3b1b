"""SDP offer and answer for one G.711 audio stream with RFC 4733 DTMF (pure).

Written here rather than taken from a library: the offer is fixed, and parsing the answer
needs only c=, m=audio, rtpmap, fmtp, ptime and the direction, with errors that name the line.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

#: Static RTP payload types of the codecs we speak (RFC 3551).
STATIC_PT = {"PCMU": 0, "PCMA": 8}
_PT_NAME = {pt: name for name, pt in STATIC_PT.items()}
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


class SdpError(ValueError):
    """The far end's SDP cannot be used; the message says why."""


@dataclass(frozen=True)
class SdpOffer:
    """What we offer: codecs in preference order, DTMF payload type and where to send RTP."""

    address: str
    port: int
    codecs: tuple[str, ...] = ("PCMA", "PCMU")
    dtmf_pt: int = 101
    ptime: int = 20
    session_id: int = 1
    version: int = 1

    def render(self) -> str:
        """The offer as SDP text (CRLF line ends)."""
        ip6 = ipaddress.ip_address(self.address).version == 6
        net = "IN IP6" if ip6 else "IN IP4"
        pts = [STATIC_PT[c] for c in self.codecs]
        lines = [
            "v=0",
            f"o=tailcall {self.session_id} {self.version} {net} {self.address}",
            "s=tailcall",
            f"c={net} {self.address}",
            "t=0 0",
            f"m=audio {self.port} RTP/AVP {' '.join(str(p) for p in [*pts, self.dtmf_pt])}",
        ]
        lines += [f"a=rtpmap:{STATIC_PT[c]} {c}/8000" for c in self.codecs]
        lines += [
            f"a=rtpmap:{self.dtmf_pt} telephone-event/8000",
            f"a=fmtp:{self.dtmf_pt} 0-16",
            f"a=ptime:{self.ptime}",
            "a=sendrecv",
        ]
        return "\r\n".join(lines) + "\r\n"


@dataclass(frozen=True)
class SdpAnswer:
    """What the far end chose: codec and payload type, where to send RTP, DTMF and ptime."""

    codec: str
    payload_type: int
    address: str
    port: int
    dtmf_pt: int | None
    ptime: int
    direction: str

    @property
    def rtp_addr(self) -> tuple[str, int]:
        return self.address, self.port

    @property
    def far_end_sends(self) -> bool:
        """Whether the far end will send us RTP (not sendonly from our side's view)."""
        return self.direction in ("sendrecv", "sendonly")

    @property
    def on_hold(self) -> bool:
        """The far end put the call on hold (0.0.0.0 or inactive/recvonly)."""
        return self.address in ("0.0.0.0", "::") or self.direction in ("inactive", "recvonly")


def _connection(value: str, where: str) -> str:
    parts = value.split()
    if len(parts) < 3 or parts[0] != "IN" or parts[1] not in ("IP4", "IP6"):
        raise SdpError(f"bad c= line at {where}: {value!r}")
    addr = parts[2].split("/")[0]
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        raise SdpError(f"c= address at {where} is not an IP address: {addr!r}") from None
    return addr


def parse_answer(text: str, offer: SdpOffer) -> SdpAnswer:
    """Parse the far end's SDP (from a 183 or a 200) against our offer.

    Picks the first audio format of the answer that we offered (RFC 3264: the answerer's
    order is its preference). Raises :class:`SdpError` naming the problem.
    """
    if not text or not text.strip():
        raise SdpError("empty SDP body")
    session_c: str | None = None
    session_ptime: int | None = None
    session_dir: str | None = None
    media: list[dict[str, object]] = []
    current: dict[str, object] | None = None
    for n, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        if len(line) < 2 or line[1] != "=":
            raise SdpError(f"line {n} is not '<type>=<value>': {line[:40]!r}")
        kind, value = line[0], line[2:].strip()
        if kind == "m":
            parts = value.split()
            if len(parts) < 4 or not parts[1].split("/")[0].isdigit():
                raise SdpError(f"bad m= line {n}: {value!r}")
            current = {
                "media": parts[0],
                "port": int(parts[1].split("/")[0]),
                "proto": parts[2],
                "fmts": parts[3:],
                "rtpmap": {},
                "c": None,
                "ptime": None,
                "dir": None,
            }
            media.append(current)
        elif kind == "c":
            addr = _connection(value, f"line {n}")
            if current is None:
                session_c = addr
            else:
                current["c"] = addr
        elif kind == "a":
            name, _, arg = value.partition(":")
            if name == "rtpmap":
                pt_s, _, enc = arg.partition(" ")
                if not pt_s.strip().isdigit() or "/" not in enc:
                    raise SdpError(f"bad a=rtpmap at line {n}: {value!r}")
                if current is not None:
                    rtpmap = current["rtpmap"]
                    assert isinstance(rtpmap, dict)
                    rtpmap[int(pt_s)] = enc.strip()
            elif name == "ptime":
                if not arg.strip().isdigit() or not 5 <= int(arg) <= 200:
                    raise SdpError(f"bad a=ptime at line {n}: {value!r}")
                if current is None:
                    session_ptime = int(arg)
                else:
                    current["ptime"] = int(arg)
            elif name in DIRECTIONS:
                if current is None:
                    session_dir = name
                else:
                    current["dir"] = name
    audio = [m for m in media if m["media"] == "audio"]
    if not audio:
        raise SdpError("no m=audio line in the answer")
    live = [m for m in audio if m["port"] != 0]
    if not live:
        raise SdpError("the answer rejected the audio stream (m=audio port 0)")
    m = live[0]
    proto = str(m["proto"])
    if proto.upper() != "RTP/AVP":
        raise SdpError(
            f"unsupported media transport {proto!r} (only RTP/AVP; SRTP is not supported)"
        )
    address = m["c"] or session_c
    if address is None:
        raise SdpError("no c= connection address for the audio stream")
    fmts = m["fmts"]
    rtpmap = m["rtpmap"]
    assert isinstance(fmts, list) and isinstance(rtpmap, dict)
    offered = {STATIC_PT[c]: c for c in offer.codecs}
    chosen: tuple[str, int] | None = None
    dtmf_pt: int | None = None
    for fmt in fmts:
        if not str(fmt).isdigit():
            raise SdpError(f"bad payload type {fmt!r} in m=audio")
        pt = int(fmt)
        mapping = str(rtpmap.get(pt, "")).split("/")
        name = mapping[0].upper() if mapping[0] else _PT_NAME.get(pt, "")
        rate = mapping[1] if len(mapping) > 1 else "8000"
        if name == "TELEPHONE-EVENT" and rate == "8000":
            dtmf_pt = pt if dtmf_pt is None else dtmf_pt
            continue
        if chosen is None and name in offered.values() and rate == "8000":
            chosen = (name, pt)
    if chosen is None:
        got = ", ".join(f"{f}={rtpmap.get(int(f), _PT_NAME.get(int(f), '?'))}" for f in fmts)
        raise SdpError(
            f"no common codec: we offered {'/'.join(offer.codecs)}, the answer has {got}"
        )
    ptime = m["ptime"] or session_ptime or 20
    direction = m["dir"] or session_dir or "sendrecv"
    assert isinstance(ptime, int) and isinstance(direction, str)
    return SdpAnswer(
        codec=chosen[0],
        payload_type=chosen[1],
        address=str(address),
        port=int(str(m["port"])),
        dtmf_pt=dtmf_pt,
        ptime=ptime,
        direction=direction,
    )
