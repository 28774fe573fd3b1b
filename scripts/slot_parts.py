"""What a language's callback-time parser finds in a reply (``Parts``), and the calendar
spans a reply may name without a day (the weekend, next week, the month's end), as day
offsets from today. Pure; ``scripts.slots`` resolves the parts to a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass
class Parts:
    days: set[int]  # day offsets from today (several different ones is ambiguous)
    dates: set[date]
    part: str | None = None
    hour: int | None = None
    minute: int = 0
    relative: timedelta | None = None
    # a span named without a day (周末, 下周, 月底): the day offsets to try in order, the
    # first whose time is still ahead is taken
    window: tuple[int, ...] = ()
    vague: bool = False
    # the day is a weekday named alone (周六, "saturday", 토요일) that is today: once its time
    # has passed, the same weekday next week is meant
    weekday_today: bool = False


def weekend(today: date, next_week: bool) -> tuple[int, ...]:
    """Day offsets of "the weekend": the coming Saturday then Sunday (on a Sunday: today,
    then the next Saturday); next week's Saturday and Sunday for "next weekend"."""
    wd = today.weekday()
    if next_week:
        saturday = 7 - wd + 5
        return (saturday, saturday + 1)
    if wd == 6:
        return (0, 6)
    saturday = 5 - wd
    return (saturday, saturday + 1)


def next_monday(today: date) -> int:
    return 7 - today.weekday()


def month_end(today: date) -> tuple[int, ...]:
    first_next = next_month(today.replace(day=1))
    end = first_next - timedelta(days=1)
    end_next = next_month(first_next) - timedelta(days=1)
    return ((end - today).days, (end_next - today).days)


def next_month_first(today: date) -> tuple[int, ...]:
    return ((next_month(today.replace(day=1)) - today).days,)


def next_month(d: date) -> date:
    y, mth = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return date(y, mth, d.day)
