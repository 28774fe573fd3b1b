"""The script race's statistics against known values (scipy as the reference)."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest, norm

from dialer.campaigns.racing import calls_needed, two_proportion_p, verdict, wilson


@pytest.mark.parametrize(("k", "n"), [(0, 10), (1, 10), (81, 263), (50, 100), (10, 10), (3, 1000)])
def test_wilson_matches_scipy(k: int, n: int) -> None:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    r = wilson(k, n)
    assert r.low == pytest.approx(ci.low, abs=1e-9)
    assert r.high == pytest.approx(ci.high, abs=1e-9)


def test_wilson_known_value_and_no_trials() -> None:
    r = wilson(81, 263)  # a textbook example: 0.2553 .. 0.3662
    assert (round(r.low or 0, 4), round(r.high or 0, 4)) == (0.2553, 0.3662)
    assert wilson(0, 0).low is None and wilson(0, 0).value is None


def test_two_proportion_test_known_values() -> None:
    # 30/100 vs 20/100: z = 1.633, p = 0.1025
    assert two_proportion_p(30, 100, 20, 100) == pytest.approx(0.1025, abs=1e-4)
    z = (120 / 1000 - 90 / 1000) / ((210 / 2000) * (1 - 210 / 2000) * (2 / 1000)) ** 0.5
    assert two_proportion_p(120, 1000, 90, 1000) == pytest.approx(2 * norm.sf(z), rel=1e-9)
    assert two_proportion_p(0, 50, 0, 50) == 1.0


def test_calls_needed_known_value() -> None:
    # 10 % vs 15 %, alpha 0.05 two-sided, power 0.8: 686 per group (Fleiss, no correction)
    assert calls_needed(0.10, 0.15) == 686


def test_verdicts() -> None:
    win = verdict([("A", 20, 200), ("B", 45, 200)])
    assert (win.kind, win.leader, win.other) == ("win", "B", "A")
    assert win.p_value is not None and win.p_value < 0.01
    wait = verdict([("A", 22, 200), ("B", 30, 200)])
    assert wait.kind == "wait" and wait.leader == "B" and (wait.more_calls or 0) > 0
    assert verdict([("A", 1, 5), ("B", 2, 6)]).kind == "wait"  # too few calls for any verdict
    level = verdict([("A", 500, 5000), ("B", 500, 5000)])
    assert level.kind == "level"
    # lower is better (opt-outs): the variant with fewer wins
    assert verdict([("A", 40, 300), ("B", 10, 300)], higher_is_better=False).leader == "B"
