"""Symmetric RTP latching."""

from __future__ import annotations

from dialer.carriers.sip.latch import RtpLatch


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
