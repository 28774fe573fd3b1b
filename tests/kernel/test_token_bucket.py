"""The token bucket (``kernel.token_bucket``): whole tokens for the dial loop, spaced
reservations for the SIP trunk."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.token_bucket import TokenBucket


def test_take_follows_rate_and_burst() -> None:
    b = TokenBucket(rate=2.0, now=0.0)
    assert b.take(5, 0.0) == 2
    assert b.take(5, 0.4) == 0
    assert b.take(5, 1.0) == 2
    assert b.take(5, 100.0) == 2  # burst caps the refill
    b.give_back(1)
    assert b.available(100.0) == 1


@given(rate=st.floats(0.1, 50), steps=st.lists(st.floats(0, 2), min_size=1, max_size=50))
def test_take_never_exceeds_the_rate(rate: float, steps: list[float]) -> None:
    b = TokenBucket(rate=rate, now=0.0)
    t, granted = 0.0, 0
    for dt in steps:
        t += dt
        granted += b.take(1000, t)
    assert granted <= b.burst + rate * t + 1e-6


def test_reservations_space_calls_and_start_full_at_the_first_time() -> None:
    b = TokenBucket(rate=2.0, burst=1)
    assert b.reserve(1000.0) == 0.0
    assert b.reserve(1000.0) == 0.5
    assert b.reserve(1000.0) == 1.0
    assert b.reserve(1010.0) == 0.0
    b.give_back()
    assert b.reserve(1010.0) == 0.0


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate=0.0)
