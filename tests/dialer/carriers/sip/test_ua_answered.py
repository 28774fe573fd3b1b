"""Answered calls against SIPp: audio both ways, DTMF, hangups, auth, RTP timeout, timers."""

from __future__ import annotations

import asyncio
import socket

import pytest

from dialer.carriers.sip.outcomes import Outcome
from dialer.carriers.sip.ua import Answered, Ringing, SipCall
from tests.dialer.carriers.sip.harness import Harness, check_digest
from tests.dialer.carriers.sip.peers import dominant_hz, tone

pytestmark = [pytest.mark.sip, pytest.mark.timeout(60)]


async def until_answered(call: SipCall) -> list[object]:
    seen: list[object] = []
    async for event in call.events():
        seen.append(event)
        if isinstance(event, Answered):
            break
    return seen


async def test_answer_and_receive_the_far_ends_audio(harness: Harness) -> None:
    sipp = await harness.sipp("answer_play")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000001")
    assert trunk.calls() == [call]
    heard: list[bytes] = []
    call.media.on_audio = heard.append
    events = await until_answered(call)
    assert isinstance(events[0], Ringing) and events[0].code == 180
    assert isinstance(events[-1], Answered) and events[-1].answer.codec == "PCMA"
    await asyncio.sleep(1.3)
    ended = await call.hangup()
    assert (ended.outcome, ended.hangup_by, ended.cause) == (
        Outcome.ANSWERED,
        "local",
        "local_hangup",
    )
    assert await sipp.result() == 0
    assert 45 <= len(heard) <= 55  # 1 s of tone in 20 ms frames
    assert all(len(f) == 320 for f in heard)
    assert abs(dominant_hz(b"".join(heard)) - 1000) < 20
    assert call.media.stats.lost == 0
    assert trunk.calls() == []


async def test_what_we_send_arrives_and_dtmf_round_trips(harness: Harness) -> None:
    sipp = await harness.sipp("answer_echo", rtp_echo=True)
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000002")
    back: list[bytes] = []
    digits: list[str] = []
    call.media.on_audio = back.append
    call.media.on_dtmf = digits.append
    assert await call.wait_answered()
    call.media.send_pcm16(tone(0.6, 440.0))
    await asyncio.sleep(0.8)
    await asyncio.wait_for(call.send_dtmf("19#"), 3)
    await asyncio.sleep(0.2)
    await call.hangup()
    assert await sipp.result() == 0
    assert abs(dominant_hz(b"".join(back[5:30])) - 440) < 20
    assert digits == ["1", "9", "#"]


async def test_remote_bye(harness: Harness) -> None:
    sipp = await harness.sipp("remote_bye")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000003")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert (ended.outcome, ended.hangup_by, ended.cause) == (
        Outcome.ANSWERED,
        "remote",
        "remote_bye",
    )
    assert 1.0 < ended.duration < 3.0
    assert await sipp.result() == 0


@pytest.mark.parametrize(
    ("scenario", "header"), [("auth_401", "Authorization"), ("auth_407", "Proxy-Authorization")]
)
async def test_digest_challenge(harness: Harness, scenario: str, header: str) -> None:
    sipp = await harness.sipp(scenario)
    trunk = await harness.trunk(sipp, username="alice", password="s3cret", realm="tailcall.test")
    call = await trunk.invite("13800000004")
    assert await asyncio.wait_for(call.wait_answered(), 10)
    await call.hangup()
    assert await sipp.result() == 0
    assert check_digest(sipp.log(), header, "s3cret")


async def test_wrong_realm_is_auth_failed(harness: Harness) -> None:
    sipp = await harness.sipp("auth_401")
    trunk = await harness.trunk(sipp, username="alice", password="s3cret", realm="other.realm")
    call = await trunk.invite("13800000005")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert ended.outcome is Outcome.AUTH_FAILED
    assert "401" in ended.result.reason and "other.realm" in ended.result.reason
    sipp.kill()


async def test_challenge_without_credentials_is_auth_failed(harness: Harness) -> None:
    sipp = await harness.sipp("auth_407")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000025")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert (ended.outcome, ended.result.code) == (Outcome.AUTH_FAILED, 407)
    assert "no username/password" in ended.result.reason


async def test_rtp_stopping_mid_call_hangs_up(harness: Harness) -> None:
    sipp = await harness.sipp("rtp_stop")
    trunk = await harness.trunk(sipp, rtp_timeout=1.0)
    call = await trunk.invite("13800000006")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert (ended.outcome, ended.hangup_by, ended.cause) == (
        Outcome.ANSWERED,
        "local",
        "rtp_timeout",
    )
    assert 1.8 < ended.duration < 3.5  # 1 s of tone, then 1 s of nothing
    assert await sipp.result() == 0


async def test_unanswered_bye_still_ends_the_call_at_once(harness: Harness) -> None:
    sipp = await harness.sipp("bye_noreply")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000007")
    assert await call.wait_answered()
    ended = await asyncio.wait_for(call.hangup(), 2)
    assert ended.outcome is Outcome.ANSWERED
    assert trunk.rtp_ports_in_use == frozenset()
    assert await sipp.result() == 0
    assert sipp.log().count("BYE sip:") >= 2  # retransmitted


async def test_session_timer_refresh(harness: Harness) -> None:
    sipp = await harness.sipp("session_timer")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000008")
    assert await call.wait_answered()
    await asyncio.sleep(3.0)  # Session-Expires 4: we refresh after 2 s
    assert call.ended is None
    await call.hangup()
    assert await sipp.result() == 0


async def test_unusable_sdp_in_200_ends_with_a_clear_reason(harness: Harness) -> None:
    sipp = await harness.sipp("bad_sdp")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000009")
    ended = await asyncio.wait_for(call.wait_ended(), 10)
    assert (ended.outcome, ended.result.code, ended.cause) == (Outcome.FAILED, 488, "sdp_error")
    assert "no common codec" in ended.result.reason and "G729" in ended.result.reason
    assert await sipp.result() == 0


async def test_far_end_moves_media_and_refreshes_with_update(harness: Harness) -> None:
    sipp = await harness.sipp("peer_reinvite")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000010")
    assert await call.wait_answered()
    first = call.answer
    assert first is not None
    for _ in range(100):
        if call.answer is not None and call.answer.port != first.port:
            break
        await asyncio.sleep(0.02)
    assert call.answer is not None and call.answer.port == first.port + 2
    assert call.media.latch.sdp == (first.address, first.port + 2)
    await asyncio.sleep(0.5)  # the UPDATE
    assert call.ended is None
    await call.hangup()
    assert await sipp.result() == 0


async def test_trunk_stop_hangs_up_live_calls(harness: Harness) -> None:
    sipp = await harness.sipp("answer_echo", rtp_echo=True)
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000019")
    assert await call.wait_answered()
    await trunk.stop()
    assert call.ended is not None and call.ended.hangup_by == "local"
    assert trunk.calls() == [] and trunk.rtp_ports_in_use == frozenset()
    assert await sipp.result() == 0  # our BYE arrived


async def test_garbage_on_the_sip_port_is_logged_quietly(
    harness: Harness, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    sipp = await harness.sipp("answer_echo", rtp_echo=True)
    trunk = await harness.trunk(sipp)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(
            b"SIP/2.0 999999 Nonsense\r\nVia: broken\r\n\r\n" + b"x" * 40,
            ("127.0.0.1", trunk.sip_port),
        )
        s.sendto(
            b"INVITE sip:x SIP/2.0\r\nCSeq: banana\r\n\r\n" + b"y" * 40,
            ("127.0.0.1", trunk.sip_port),
        )
    await asyncio.sleep(0.2)
    call = await trunk.invite("13800000020")
    assert await call.wait_answered()
    await call.hangup()
    assert await sipp.result() == 0
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "sippy" not in out + err
    assert any("sippy" in r.getMessage() for r in caplog.records)


async def test_outbound_proxy_gets_every_request(harness: Harness) -> None:
    sipp = await harness.sipp("answer_echo", rtp_echo=True)
    trunk = await harness.trunk(
        sipp, host="carrier.example", port=5060, outbound_proxy=f"127.0.0.1:{sipp.port}"
    )
    call = await trunk.invite("13800000030")
    assert await asyncio.wait_for(call.wait_answered(), 5)
    await call.hangup()
    assert await sipp.result() == 0
    assert "INVITE sip:13800000030@carrier.example SIP/2.0" in sipp.log()
