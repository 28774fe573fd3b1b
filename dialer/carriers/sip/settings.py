"""The SIP trunk's settings from the environment (``TAILCALL_SIP_*``), for ``TAILCALL_CARRIER=sip``.

Lists are comma-separated (``TAILCALL_SIP_CODECS=PCMA,PCMU``). ``trunk_config()`` checks
them all through ``TrunkConfig`` and names the variable of a bad one. Only UDP signalling
with plain RTP exists today; ``tcp``, ``tls`` and SRTP are named and refused with a clear
error (sippy 2.5 has no TCP or TLS; SRTP needs a key exchange not built yet).
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from dialer.carriers.sip.config import ConfigError, TrunkConfig, check_caller_id

ENV_PREFIX = "TAILCALL_SIP_"
#: The one deployment a SIP trunk runs in (what a worker or a split ``serve`` refuses with):
#: the trunk's RTP and every answered call's pipeline share the process that holds it.
SUPPORTED_DEPLOYMENT = (
    "with TAILCALL_CARRIER=sip, run one `tailcall serve` with its dial loop and media "
    "(no --no-dialer, no --no-media): it holds the SIP trunk, dials through it and runs every "
    "answered call's audio and pipeline; dialer and media workers are for the REST carrier"
)


class SipSettingsError(ValueError):
    """A ``TAILCALL_SIP_*`` value is wrong; the message names the variable."""


def _items(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


class SipSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    host: str = Field(default="", description="the trunk (carrier SBC or PBX): host or IP")
    port: int = 5060
    transport: str = Field(default="udp", description="udp (tcp, tls: not supported yet)")
    srtp: bool = Field(default=False, description="SRTP media (not supported yet)")
    local_host: str = Field(default="127.0.0.1", description="our SIP/RTP address (an IP)")
    local_port: int = 5060
    advertised_address: str = Field(default="", description="our address as seen past NAT")
    outbound_proxy: str = Field(default="", description="host[:port] every request goes to")
    username: str = ""
    password: SecretStr = SecretStr("")
    realm: str = ""
    # (not named ``register``: that shadows a BaseSettings attribute)
    registration: bool = Field(default=False, validation_alias="TAILCALL_SIP_REGISTER")
    register_expires: int = 3600
    codecs: str = Field(default="PCMA,PCMU", description="in order of preference")
    ptime: int = 20
    caller_id: str = Field(default="", description="when a campaign names none")
    caller_ids: str = Field(
        default="", description="caller ids the trunk allows (empty: any the campaign names)"
    )
    max_calls: int = Field(default=30, description="the trunk's concurrent calls")
    calls_per_second: float = 5.0
    ring_timeout_s: float = 45.0
    rtp_timeout_s: float = 20.0
    rtp_port_min: int = 20000
    rtp_port_max: int = 20999
    session_timers: bool = True
    session_expires: int = 1800

    @property
    def allowed_caller_ids(self) -> frozenset[str]:
        return frozenset(_items(self.caller_ids))

    def trunk_config(self) -> TrunkConfig:
        """The validated trunk settings; a bad value raises ``SipSettingsError``."""
        if not self.host:
            raise SipSettingsError(f"{ENV_PREFIX}HOST must name the trunk when the carrier is sip")
        if self.srtp:
            raise SipSettingsError(f"{ENV_PREFIX}SRTP: SRTP is not supported yet; use plain RTP")
        try:
            for value in _items(self.caller_ids):
                check_caller_id("caller_ids", value)
            return TrunkConfig(
                host=self.host,
                port=self.port,
                transport=self.transport,
                local_host=self.local_host,
                local_port=self.local_port,
                outbound_proxy=self.outbound_proxy or None,
                username=self.username or None,
                password=self.password.get_secret_value() or None,
                realm=self.realm or None,
                register=self.registration,
                register_expires=self.register_expires,
                codecs=_items(self.codecs),
                ptime=self.ptime,
                caller_id=self.caller_id or None,
                max_concurrent_calls=self.max_calls,
                max_calls_per_second=self.calls_per_second,
                ring_timeout=self.ring_timeout_s,
                rtp_timeout=self.rtp_timeout_s,
                rtp_port_min=self.rtp_port_min,
                rtp_port_max=self.rtp_port_max,
                advertised_address=self.advertised_address or None,
                session_timers=self.session_timers,
                session_expires=self.session_expires,
            )
        except ConfigError as exc:
            name = _ENV_NAME.get(exc.field, exc.field.upper())
            message = str(exc).split(": ", 1)[-1]
            raise SipSettingsError(f"{ENV_PREFIX}{name}: {message}") from None


# TrunkConfig field -> the TAILCALL_SIP_ variable that sets it
_ENV_NAME = {
    "max_concurrent_calls": "MAX_CALLS",
    "max_calls_per_second": "CALLS_PER_SECOND",
    "ring_timeout": "RING_TIMEOUT_S",
    "rtp_timeout": "RTP_TIMEOUT_S",
}
