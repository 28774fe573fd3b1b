"""Calls that do not connect, against SIPp: busy, 503 storm, early media + 480, no answer,
our CANCEL, and the trunk's limits."""

from __future__ import annotations

import asyncio
import time

import pytest

from dialer.carriers.sip.config import ConfigError
from dialer.carriers.sip.outcomes import Outcome
from dialer.carriers.sip.ua import CallLimitExceeded, Ringing, SipTrunkError
from tests.dialer.carriers.sip.harness import Harness
from tests.dialer.carriers.sip.peers import dominant_hz

pytestmark = [pytest.mark.sip, pytest.mark.timeout(60)]


async def test_busy(harness: Harness) -> None:
    sipp = await harness.sipp("busy_486")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000011")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert (ended.outcome, ended.result.code, ended.result.retryable) == (Outcome.BUSY, 486, True)
    assert ended.result.reason == "busy (486 Busy Here)"
    assert await sipp.result() == 0  # our ACK arrived


async def test_503_storm_frees_everything(harness: Harness) -> None:
    sipp = await harness.sipp("unavailable_503", calls=6)
    trunk = await harness.trunk(sipp)
    calls = [await trunk.invite(f"1380000002{n}") for n in range(6)]
    ended = await asyncio.wait_for(asyncio.gather(*(c.wait_ended() for c in calls)), 10)
    assert {(e.outcome, e.result.code, e.result.retryable) for e in ended} == {
        (Outcome.FAILED, 503, True)
    }
    assert trunk.calls() == [] and trunk.rtp_ports_in_use == frozenset()
    assert await sipp.result() == 0


async def test_early_media_then_480(harness: Harness) -> None:
    sipp = await harness.sipp("early_480")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000012")
    early: list[bytes] = []
    answered_audio: list[bytes] = []
    call.media.on_early_audio = early.append
    call.media.on_audio = answered_audio.append
    events = [e async for e in call.events()]
    assert isinstance(events[0], Ringing) and events[0].code == 183 and events[0].early_media
    ended = call.ended
    assert ended is not None
    assert (ended.outcome, ended.result.code) == (Outcome.POWERED_OFF, 480)
    assert ended.result.label_zh == "关机/暂时无法接通"
    assert 45 <= len(early) <= 55 and answered_audio == []
    assert abs(dominant_hz(b"".join(early)) - 1000) < 20
    assert await sipp.result() == 0


async def test_ring_timeout_cancels(harness: Harness) -> None:
    sipp = await harness.sipp("cancel_487")
    trunk = await harness.trunk(sipp, ring_timeout=1.0)
    start = time.monotonic()
    call = await trunk.invite("13800000013")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert 0.9 < time.monotonic() - start < 3
    assert (ended.outcome, ended.result.code, ended.cause) == (
        Outcome.NO_ANSWER,
        487,
        "ring_timeout",
    )
    assert await sipp.result() == 0  # CANCEL answered, 487 ACKed


async def test_hangup_while_ringing_cancels(harness: Harness) -> None:
    sipp = await harness.sipp("cancel_487")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000014")
    async for event in call.events():
        assert isinstance(event, Ringing)
        break
    ended = await asyncio.wait_for(call.hangup(), 5)
    assert (ended.outcome, ended.result.code, ended.hangup_by) == (Outcome.NO_ANSWER, 487, "local")
    assert await sipp.result() == 0


async def test_limits(harness: Harness) -> None:
    sipp = await harness.sipp("cancel_487", calls=2)
    trunk = await harness.trunk(sipp, max_concurrent_calls=2, max_calls_per_second=4.0)
    t0 = time.monotonic()
    first = await trunk.invite("13800000015")
    second = await trunk.invite("13800000016")
    assert time.monotonic() - t0 >= 0.2  # 4 calls/s: the second waited for its token
    t1 = time.monotonic()
    with pytest.raises(CallLimitExceeded, match="max_concurrent_calls=2"):
        await trunk.invite("13800000017")
    assert time.monotonic() - t1 < 0.05  # at once, no hang
    assert len(trunk.calls()) == 2
    await asyncio.gather(first.hangup(), second.hangup())
    assert await sipp.result() == 0


async def test_bad_requests_are_refused_clearly(harness: Harness) -> None:
    sipp = await harness.sipp("busy_486")
    trunk = await harness.trunk(sipp)
    with pytest.raises(ValueError, match="to_number"):
        await trunk.invite("1380<evil>")
    with pytest.raises(ConfigError, match="caller_id"):
        await trunk.invite("13800000018", "10 086")
    with pytest.raises(ValueError, match="bad SIP header"):
        await trunk.invite("13800000018", headers={"X-A": "1\r\nInjected: yes"})
    await trunk.stop()
    with pytest.raises(SipTrunkError, match="not started"):
        await trunk.invite("13800000018")
    sipp.kill()


async def test_sip_port_in_use_is_a_clear_error(harness: Harness) -> None:
    sipp = await harness.sipp("busy_486")
    with pytest.raises(SipTrunkError, match=rf"cannot bind the SIP socket 127.0.0.1:{sipp.port}"):
        await harness.trunk(sipp, local_port=sipp.port)
    sipp.kill()


async def test_malformed_sdp_in_183_cancels_with_a_clear_reason(harness: Harness) -> None:
    sipp = await harness.sipp("early_bad_sdp")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000021")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert (ended.outcome, ended.result.code, ended.cause) == (Outcome.FAILED, 488, "sdp_error")
    assert "unusable SDP in 183 Session Progress" in ended.result.reason
    assert await sipp.result() == 0  # CANCEL sent, 487 ACKed
