"""A trunk that never answers: Timer B (32 s) ends the call as failed, retryable."""

from __future__ import annotations

import asyncio

import pytest

from dialer.carriers.sip.outcomes import Outcome
from tests.dialer.carriers.sip.harness import Harness

pytestmark = [pytest.mark.sip, pytest.mark.timeout(60)]


async def test_silent_trunk_times_out(harness: Harness) -> None:
    sipp = await harness.sipp("silent_trunk")
    trunk = await harness.trunk(sipp)
    call = await trunk.invite("13800000031")
    ended = await asyncio.wait_for(call.wait_ended(), 40)
    assert (ended.outcome, ended.result.code, ended.result.retryable) == (Outcome.FAILED, 408, True)
    assert "Timer B" in ended.result.reason
    assert ended.hangup_by is None
    assert trunk.rtp_ports_in_use == frozenset()
    # Timer A: the INVITE went out 7 times (0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s)
    assert sipp.log().count("INVITE sip:") >= 6
    sipp.kill()
