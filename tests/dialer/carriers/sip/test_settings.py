"""TAILCALL_SIP_* settings: read from the environment, checked, a bad one named by its variable."""

from __future__ import annotations

import pytest

from dialer.carriers.sip.settings import SipSettings, SipSettingsError


def test_the_environment_makes_a_trunk_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "HOST": "sbc.carrier.cn",
        "CODECS": "pcma, pcmu",
        "USERNAME": "bank",
        "PASSWORD": "s3cret",
        "REGISTER": "true",
        "OUTBOUND_PROXY": "10.1.2.3:5070",
        "CALLER_IDS": "+8610955501,+8610955502",
        "MAX_CALLS": "40",
        "CALLS_PER_SECOND": "8",
    }.items():
        monkeypatch.setenv(f"TAILCALL_SIP_{name}", value)
    sip = SipSettings()
    config = sip.trunk_config()
    assert config.codecs == ("PCMA", "PCMU") and config.register and config.password == "s3cret"
    assert config.next_hop == ("10.1.2.3", 5070)
    assert (config.max_concurrent_calls, config.max_calls_per_second) == (40, 8.0)
    assert sip.allowed_caller_ids == {"+8610955501", "+8610955502"}
    assert "s3cret" not in repr(sip)


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({}, "TAILCALL_SIP_HOST must name the trunk"),
        ({"HOST": "h", "TRANSPORT": "tls"}, "TAILCALL_SIP_TRANSPORT: 'tls' is not supported yet"),
        ({"HOST": "h", "TRANSPORT": "tcp"}, "TAILCALL_SIP_TRANSPORT: 'tcp' is not supported"),
        ({"HOST": "h", "SRTP": "1"}, "TAILCALL_SIP_SRTP: SRTP is not supported yet"),
        ({"HOST": "h", "CODECS": "G729"}, "TAILCALL_SIP_CODECS: unsupported"),
        ({"HOST": "h", "MAX_CALLS": "0"}, "TAILCALL_SIP_MAX_CALLS"),
        ({"HOST": "h", "USERNAME": "u"}, "TAILCALL_SIP_PASSWORD"),
        ({"HOST": "h", "CALLER_IDS": "a b"}, "TAILCALL_SIP_CALLER_IDS"),
    ],
)
def test_a_bad_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], words: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(f"TAILCALL_SIP_{name}", value)
    with pytest.raises(SipSettingsError, match=words.replace("(", r"\(")):
        SipSettings().trunk_config()
