"""Anomalies against the previous seven days."""

from __future__ import annotations

from supervision.anomalies import DayRates, anomalies

NORMAL = DayRates(200, 0.60, 0.01, 0.002, 0.10)


def test_drops_and_spikes_are_found() -> None:
    today = DayRates(220, 0.40, 0.05, 0.02, 0.30)
    codes = {a.code for a in anomalies(today, [NORMAL] * 7)}
    assert codes == {
        "connect_rate_drop",
        "opt_out_spike",
        "complaint_spike",
        "recognition_failures",
    }


def test_normal_days_and_small_days_raise_nothing() -> None:
    assert anomalies(DayRates(210, 0.57, 0.012, 0.003, 0.11), [NORMAL] * 7) == []
    assert anomalies(DayRates(10, 0.1, 0.5, 0.5, 0.9), [NORMAL] * 7) == []  # too few calls
    assert anomalies(DayRates(200, 0.1, 0.5, 0.5, 0.9), []) == []  # no baseline yet
