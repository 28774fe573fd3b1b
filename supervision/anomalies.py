"""Anomalies of a day against the previous seven: pure, no I/O.

A day's rate is compared with the mean of the previous days that had enough calls: a
connect-rate drop, an opt-out or complaint spike, a rise of recognition failures. Each
rule needs a minimum volume on the day, so three calls at night raise nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean


@dataclass(frozen=True)
class DayRates:
    calls: int  # dialed
    connect_rate: float | None  # answered / dialed
    opt_out_rate: float | None  # opt-outs / human answers
    complaint_rate: float | None
    recognition_failure_rate: float | None  # no-match turns / customer turns


@dataclass(frozen=True)
class Anomaly:
    code: str
    today: float
    baseline: float
    message_zh: str
    message_en: str


MIN_CALLS = 30
_RULES = (
    # code, field, direction (-1 drop, +1 rise), min absolute change, min relative change
    ("connect_rate_drop", "connect_rate", -1, 0.10, 0.25),
    ("opt_out_spike", "opt_out_rate", +1, 0.02, 1.0),
    ("complaint_spike", "complaint_rate", +1, 0.01, 1.0),
    ("recognition_failures", "recognition_failure_rate", +1, 0.05, 0.5),
)
_TEXT = {
    "connect_rate_drop": ("接通率下降", "connect rate dropped"),
    "opt_out_spike": ("拒绝再联系激增", "opt-outs spiked"),
    "complaint_spike": ("投诉激增", "complaints spiked"),
    "recognition_failures": ("识别失败增多", "recognition failures rose"),
}


def anomalies(today: DayRates, previous: Sequence[DayRates]) -> list[Anomaly]:
    """The rules ``today`` breaks against the mean of ``previous`` (days with volume)."""
    if today.calls < MIN_CALLS:
        return []
    found: list[Anomaly] = []
    for code, field, direction, min_abs, min_rel in _RULES:
        value = getattr(today, field)
        past = [getattr(d, field) for d in previous if d.calls >= MIN_CALLS]
        past = [p for p in past if p is not None]
        if value is None or not past:
            continue
        base = mean(past)
        change = (value - base) * direction
        if change >= min_abs and (base == 0 or change / base >= min_rel):
            zh, en = _TEXT[code]
            found.append(
                Anomaly(
                    code,
                    round(value, 4),
                    round(base, 4),
                    f"{zh}：{value:.1%}（前7日均值 {base:.1%}）",
                    f"{en}: {value:.1%} (previous 7 days {base:.1%})",
                )
            )
    return found
