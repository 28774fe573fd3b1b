"""TrunkConfig validation: every bad field is named."""

from __future__ import annotations

from typing import Any

import pytest

from dialer.carriers.sip.config import ConfigError, TrunkConfig


def test_defaults_and_normalisation() -> None:
    c = TrunkConfig(host="sip.example.net", codecs=("pcmu", "pcma"), transport="UDP")
    assert c.codecs == ("PCMU", "PCMA")
    assert c.transport == "udp"
    assert c.next_hop == ("sip.example.net", 5060)
    assert c.sdp_address == "127.0.0.1"
    assert TrunkConfig(host="h", outbound_proxy="10.0.0.1:5070").next_hop == ("10.0.0.1", 5070)
    assert TrunkConfig(host="h", outbound_proxy="proxy").next_hop == ("proxy", 5060)
    assert TrunkConfig(host="h", advertised_address="203.0.113.5").sdp_address == "203.0.113.5"


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"host": ""}, "host", "host name"),
        ({"port": 0}, "port", "port"),
        ({"transport": "tls"}, "transport", "not supported yet"),
        ({"transport": "tcp"}, "transport", "UDP only"),
        ({"transport": "sctp"}, "transport", "must be"),
        ({"local_host": "0.0.0.0"}, "local_host", "concrete"),
        ({"local_host": "example"}, "local_host", "IP address"),
        ({"username": "u"}, "password", "both"),
        ({"password": "p"}, "username", "both"),
        ({"register": True}, "username", "register"),
        (
            {"register": True, "username": "u", "password": "p", "register_expires": 5},
            "register_expires",
            "60",
        ),
        ({"codecs": ()}, "codecs", "at least one"),
        ({"codecs": ("G729",)}, "codecs", "unsupported"),
        ({"codecs": ("PCMA", "pcma")}, "codecs", "duplicate"),
        ({"ptime": 25}, "ptime", "20"),
        ({"rtp_port_min": 80}, "rtp_port_min", "1024"),
        ({"rtp_port_min": 30000, "rtp_port_max": 30000}, "rtp_port_max", "even port"),
        ({"rtp_port_min": 30000, "rtp_port_max": 30010}, "rtp_port_max", "max_concurrent_calls"),
        ({"max_concurrent_calls": 0}, "max_concurrent_calls", ">= 1"),
        ({"max_calls_per_second": 0}, "max_calls_per_second", "positive"),
        ({"ring_timeout": -1}, "ring_timeout", "positive"),
        ({"rtp_timeout": 0}, "rtp_timeout", "positive"),
        ({"session_expires": 30}, "session_expires", "90"),
        ({"caller_id": "12 34"}, "caller_id", "phone number"),
        ({"advertised_address": "nat.example"}, "advertised_address", "IP address"),
        ({"outbound_proxy": "a b:5060"}, "outbound_proxy", "host"),
        ({"dtmf_payload_type": 8}, "dtmf_payload_type", "dynamic"),
        ({"extra_headers": (("X-A", "1\r\nInjected: 1"),)}, "extra_headers", "bad header"),
    ],
)
def test_bad_fields_are_named(kwargs: dict[str, Any], field: str, words: str) -> None:
    args: dict[str, Any] = {"host": "sip.example.net", **kwargs}
    with pytest.raises(ConfigError) as info:
        TrunkConfig(**args)
    assert info.value.field == field
    assert f"TrunkConfig.{field}" in str(info.value)
    assert words in str(info.value)


def test_frozen() -> None:
    c = TrunkConfig(host="h")
    with pytest.raises(AttributeError):
        c.host = "x"  # type: ignore[misc]
