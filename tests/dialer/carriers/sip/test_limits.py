"""Calls-per-second token bucket."""

from __future__ import annotations

from dialer.carriers.sip.limits import TokenBucket


def test_bucket_spaces_calls() -> None:
    b = TokenBucket(rate=2.0, burst=1)
    assert b.reserve(0.0) == 0.0
    assert b.reserve(0.0) == 0.5
    assert b.reserve(0.0) == 1.0
    assert b.reserve(10.0) == 0.0
    b.refund()
    assert b.reserve(10.0) == 0.0
