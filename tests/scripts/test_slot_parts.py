"""The calendar spans a callback reply may name without a day, as day offsets from today."""

from __future__ import annotations

from datetime import date

from scripts.slot_parts import month_end, next_monday, next_month, next_month_first, weekend

MONDAY = date(2026, 1, 5)
SUNDAY = date(2026, 1, 11)


def test_the_weekend_is_the_coming_saturday_then_sunday() -> None:
    assert weekend(MONDAY, next_week=False) == (5, 6)
    assert weekend(MONDAY, next_week=True) == (12, 13)


def test_on_a_sunday_the_weekend_is_today_then_the_next_saturday() -> None:
    assert weekend(SUNDAY, next_week=False) == (0, 6)


def test_next_week_is_its_monday() -> None:
    assert next_monday(MONDAY) == 7
    assert next_monday(SUNDAY) == 1


def test_the_month_end_and_the_next_month() -> None:
    assert month_end(date(2026, 1, 30)) == (1, 29)  # 31 January, then 28 February
    assert next_month_first(date(2026, 12, 20)) == (12,)
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
