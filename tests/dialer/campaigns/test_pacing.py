"""Pacing (pure): token bucket, handoff budget, concurrency budget."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialer.campaigns.pacing import (
    FixedAgentCapacity,
    Load,
    PacingConfig,
    dial_budget,
    handoff_budget,
    smoothed_rate,
)


@given(
    in_progress=st.integers(0, 200),
    h=st.floats(0.01, 1),
    a=st.floats(0.01, 1),
    free=st.integers(0, 50),
)
def test_handoff_budget_keeps_expected_handoffs_within_free_agents(
    in_progress: int, h: float, a: float, free: int
) -> None:
    n = handoff_budget(in_progress, h, a, free)
    assert n is not None and n >= 0
    if n > 0:
        assert h * a * (in_progress + n) <= free + 1e-6
        # And it is the largest such number.
    assert h * a * (in_progress + n + 1) > free - 1e-6 or n == 0


def test_handoff_budget_edges() -> None:
    assert handoff_budget(10, 0.0, 0.5, 0) is None  # nobody ever asks for a human
    assert handoff_budget(0, 0.5, 0.5, 0) == 0
    assert handoff_budget(3, 0.5, 0.5, 2) == 5


def test_dial_budget_takes_the_tightest_cap() -> None:
    cfg = PacingConfig(max_concurrent=10)
    assert dial_budget(cfg, Load(4, 4), 30) == 6
    assert dial_budget(cfg, Load(4, 28), 30) == 2
    assert dial_budget(cfg, Load(4, 4), 30, handoff=1) == 1
    assert dial_budget(cfg, Load(12, 12), 30) == 0


def test_smoothed_rate_and_fake_capacity() -> None:
    assert smoothed_rate(0, 0, 0.3, 20) == 0.3
    assert abs(smoothed_rate(100, 100, 0.0, 0) - 1.0) < 1e-9
    cap = FixedAgentCapacity(2, {"wealth": 1})
    assert cap.free_agents(None) == 2 and cap.free_agents("wealth") == 1
    assert cap.free_agents("cards") == 2
