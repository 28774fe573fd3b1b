"""Calls-per-second token bucket and the RTP latch."""

from __future__ import annotations

from dialer.sip.latch import RtpLatch
from dialer.sip.limits import TokenBucket


def test_bucket_spaces_calls() -> None:
    b = TokenBucket(rate=2.0, burst=1)
    assert b.reserve(0.0) == 0.0
    assert b.reserve(0.0) == 0.5
    assert b.reserve(0.0) == 1.0
    assert b.reserve(10.0) == 0.0
    b.refund()
    assert b.reserve(10.0) == 0.0


def test_latch() -> None:
    latch = RtpLatch()
    assert not latch.accept(("10.0.0.9", 4000))
    assert latch.target is None
    latch.set_sdp(("10.0.0.1", 4000))
    assert latch.target == ("10.0.0.1", 4000)
    assert latch.accept(("203.0.113.7", 31000))
    assert latch.target == ("203.0.113.7", 31000)
    assert latch.accept(("10.0.0.1", 4000))
    assert not latch.accept(("198.51.100.1", 4000))
    assert latch.rejected == 2
    latch.set_sdp(("10.0.0.1", 4000))
    assert latch.target == ("203.0.113.7", 31000)
    latch.set_sdp(("10.0.0.2", 4002))
    assert latch.target == ("10.0.0.2", 4002)
