"""The SIP trunk's settings: one frozen, validated value per trunk."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

#: Codecs this layer can encode and decode (G.711 only, 8 kHz).
SUPPORTED_CODECS = ("PCMA", "PCMU")
#: Transports that are named for later but refused now.
FUTURE_TRANSPORTS = ("tls", "wss", "srtp")


class ConfigError(ValueError):
    """A trunk setting is wrong; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"TrunkConfig.{field_name}: {message}")
        self.field = field_name


def _check_port(name: str, value: int, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 65535:
        raise ConfigError(name, f"must be an integer port in {low}..65535, got {value!r}")


def _check_host(name: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in " \t\r\n<>;@"):
        raise ConfigError(name, f"must be a host name or IP address, got {value!r}")


def _check_ip(name: str, value: str) -> None:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ConfigError(name, f"must be an IP address, got {value!r}") from None


def _check_positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(name, f"must be a positive number, got {value!r}")


@dataclass(frozen=True)
class TrunkConfig:
    """How to reach one SIP trunk and how to behave towards it.

    Only UDP signalling with plain RTP is supported (sippy 2.5 has no TCP); TCP, TLS and
    SRTP are refused with a clear error rather than silently sending in clear.
    """

    host: str
    port: int = 5060
    transport: str = "udp"
    #: Address and port our SIP socket binds to (an IP address, not 0.0.0.0: it goes in Via).
    local_host: str = "127.0.0.1"
    local_port: int = 5060
    #: Send every request here instead of to ``host`` ("host" or "host:port").
    outbound_proxy: str | None = None
    username: str | None = None
    password: str | None = None
    #: Only answer digest challenges from this realm (any realm when unset).
    realm: str | None = None
    register: bool = False
    register_expires: int = 3600
    codecs: tuple[str, ...] = SUPPORTED_CODECS
    ptime: int = 20
    #: The calling number used when a call gives none.
    caller_id: str | None = None
    max_concurrent_calls: int = 30
    max_calls_per_second: float = 5.0
    #: Seconds of ringing without an answer before we CANCEL (outcome no_answer).
    ring_timeout: float = 45.0
    #: Seconds without any inbound RTP on an answered call before we hang up.
    rtp_timeout: float = 20.0
    rtp_port_min: int = 20000
    rtp_port_max: int = 20999
    #: The address put in SDP and Contact when we sit behind NAT (default: ``local_host``).
    advertised_address: str | None = None
    #: Offer RFC 4028 session timers (Supported: timer) and honour the trunk's.
    session_timers: bool = True
    session_expires: int = 1800
    dtmf_payload_type: int = 101
    user_agent: str = "tailcall"
    extra_headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self._check_signalling()
        self._check_auth()
        self._check_media()
        self._check_limits()

    def _check_signalling(self) -> None:
        _check_host("host", self.host)
        _check_port("port", self.port)
        transport = self.transport.lower() if isinstance(self.transport, str) else self.transport
        if transport in FUTURE_TRANSPORTS:
            raise ConfigError("transport", f"{self.transport!r} is not supported yet; use 'udp'")
        if transport == "tcp":
            raise ConfigError(
                "transport", "'tcp' is not supported: the signalling stack (sippy 2.5) is UDP only"
            )
        if transport != "udp":
            raise ConfigError("transport", f"must be 'udp', got {self.transport!r}")
        if transport != self.transport:
            object.__setattr__(self, "transport", transport)
        _check_ip("local_host", self.local_host)
        if ipaddress.ip_address(self.local_host).is_unspecified:
            raise ConfigError("local_host", "must be a concrete address (it goes in Via/Contact)")
        _check_port("local_port", self.local_port, allow_zero=True)
        if self.outbound_proxy is not None:
            host, _, port = self.outbound_proxy.rpartition(":")
            if not host or not port.isdigit():
                host, port = self.outbound_proxy, "5060"
            _check_host("outbound_proxy", host)
            _check_port("outbound_proxy", int(port))
        if self.advertised_address is not None:
            _check_ip("advertised_address", self.advertised_address)
        if not self.user_agent or "\n" in self.user_agent or "\r" in self.user_agent:
            raise ConfigError("user_agent", "must be one non-empty line")
        for name, value in self.extra_headers:
            if not name or any(c in name + value for c in "\r\n") or ":" in name:
                raise ConfigError("extra_headers", f"bad header {name!r}: {value!r}")

    def _check_auth(self) -> None:
        if (self.username is None) != (self.password is None):
            raise ConfigError(
                "password" if self.password is None else "username",
                "digest authentication needs both username and password",
            )
        if self.register and self.username is None:
            raise ConfigError("username", "register=True needs username and password")
        if self.register and not 60 <= self.register_expires <= 86400:
            raise ConfigError(
                "register_expires", f"must be 60..86400 seconds, got {self.register_expires!r}"
            )

    def _check_media(self) -> None:
        if not self.codecs:
            raise ConfigError("codecs", "name at least one codec")
        upper = tuple(c.upper() for c in self.codecs)
        unknown = [c for c in upper if c not in SUPPORTED_CODECS]
        if unknown:
            raise ConfigError(
                "codecs", f"unsupported {unknown}; supported: {', '.join(SUPPORTED_CODECS)}"
            )
        if len(set(upper)) != len(upper):
            raise ConfigError("codecs", f"duplicate codec in {self.codecs!r}")
        if upper != self.codecs:
            object.__setattr__(self, "codecs", upper)
        if self.ptime not in (10, 20, 30, 40):
            raise ConfigError("ptime", f"must be 10, 20, 30 or 40 ms, got {self.ptime!r}")
        _check_port("rtp_port_min", self.rtp_port_min)
        _check_port("rtp_port_max", self.rtp_port_max)
        if self.rtp_port_min < 1024:
            raise ConfigError("rtp_port_min", "must be 1024 or above")
        if self.rtp_port_max - self.rtp_port_min < 1:
            raise ConfigError("rtp_port_max", "the RTP port range must hold at least one even port")
        if not 96 <= self.dtmf_payload_type <= 127:
            raise ConfigError(
                "dtmf_payload_type", f"must be dynamic (96..127), got {self.dtmf_payload_type!r}"
            )

    def _check_limits(self) -> None:
        if isinstance(self.max_concurrent_calls, bool) or not (
            isinstance(self.max_concurrent_calls, int) and self.max_concurrent_calls >= 1
        ):
            raise ConfigError("max_concurrent_calls", "must be an integer >= 1")
        _check_positive("max_calls_per_second", self.max_calls_per_second)
        _check_positive("ring_timeout", self.ring_timeout)
        _check_positive("rtp_timeout", self.rtp_timeout)
        if self.session_timers and self.session_expires < 90:
            raise ConfigError("session_expires", "must be at least 90 seconds (RFC 4028 Min-SE)")
        if self.caller_id is not None:
            check_caller_id("caller_id", self.caller_id)
        ports = (self.rtp_port_max - self.rtp_port_min) // 2 + 1
        if ports < self.max_concurrent_calls:
            raise ConfigError(
                "rtp_port_max",
                f"the RTP range has {ports} even ports, fewer than max_concurrent_calls "
                f"({self.max_concurrent_calls})",
            )

    @property
    def sdp_address(self) -> str:
        """The address the far end should send RTP to."""
        return self.advertised_address or self.local_host

    @property
    def next_hop(self) -> tuple[str, int]:
        """Where requests go: the outbound proxy when set, else the trunk."""
        if self.outbound_proxy is None:
            return self.host, self.port
        host, _, port = self.outbound_proxy.rpartition(":")
        if not host or not port.isdigit():
            return self.outbound_proxy, 5060
        return host, int(port)


def check_caller_id(field_name: str, value: str) -> str:
    """A caller id is a SIP user part: digits, '+', and the unreserved characters."""
    allowed = set("0123456789+-_.!~*'()abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not value or any(c not in allowed for c in value):
        raise ConfigError(field_name, f"must be a phone number or SIP user part, got {value!r}")
    return value
