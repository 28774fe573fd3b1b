"""``tailcall carrier check``: a test call against SIPp, reported in plain words."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from dialer.carriers.cli import carrier_app
from dialer.carriers.sip.check import check_call
from dialer.carriers.sip.config import TrunkConfig
from tests.dialer.carriers.sip.harness import Harness
from tests.dialer.carriers.sip.peers import HOST, free_udp_port, rtp_range


def _config(port: int) -> TrunkConfig:
    low, high = rtp_range(2)
    return TrunkConfig(
        host=HOST,
        port=port,
        local_host=HOST,
        local_port=free_udp_port(),
        rtp_port_min=low,
        rtp_port_max=high,
        max_concurrent_calls=2,
        caller_id="10086",
    )


@pytest.mark.sip
async def test_an_answered_call_reports_codec_audio_and_the_end(harness: Harness) -> None:
    sipp = await harness.sipp("answer_play")
    report = await check_call(_config(sipp.port), "13800000000", hold_s=1.0)
    text = "\n".join(report.lines)
    assert report.answered and report.codec == "PCMA", text
    assert "180 Ringing" in text and "answered; codec PCMA" in text
    assert "received" in text and "NO audio" not in text
    assert "outcome answered" in text and "we hung up" in text
    assert await sipp.result() == 0


@pytest.mark.sip
async def test_early_media_then_unavailable_is_reported(harness: Harness) -> None:
    sipp = await harness.sipp("early_480")
    report = await check_call(_config(sipp.port), "13800000000", hold_s=1.0)
    text = "\n".join(report.lines)
    assert not report.answered and report.outcome == "powered_off", text
    assert "with early media" in text and report.early_media_s > 0.5
    assert "480" in text and "outcome powered_off" in text


def test_check_needs_the_sip_carrier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILCALL_CARRIER", "twilio")
    result = CliRunner().invoke(carrier_app, ["check", "13800000000"])
    assert result.exit_code == 2 and "TAILCALL_CARRIER=sip" in result.output


def test_check_names_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAILCALL_CARRIER", "sip")
    monkeypatch.delenv("TAILCALL_SIP_HOST", raising=False)
    result = CliRunner().invoke(carrier_app, ["check", "13800000000"])
    assert result.exit_code == 2 and "TAILCALL_SIP_HOST" in result.output
