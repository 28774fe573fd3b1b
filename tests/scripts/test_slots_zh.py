"""What a Chinese callback reply says about the day and the hour, before it is resolved."""

from __future__ import annotations

from datetime import date, timedelta

from scripts.slots_zh import parse_zh

MONDAY = date(2026, 1, 5)


def test_a_weekday_of_next_week_with_a_part_of_day_and_an_hour() -> None:
    p = parse_zh("下周三下午三点半", MONDAY)
    assert p.days == {9} and p.part == "pm" and (p.hour, p.minute) == (3, 30)


def test_a_span_without_a_day_is_a_window() -> None:
    p = parse_zh("周末吧", MONDAY)
    assert p.window == (5, 6) and not p.days


def test_hours_from_now_are_relative() -> None:
    assert parse_zh("过两个钟头再打", MONDAY).relative == timedelta(hours=2)


def test_a_range_of_neighbouring_numerals_is_its_first() -> None:
    assert parse_zh("明天八九点", MONDAY).hour == 8


def test_later_words_alone_are_vague() -> None:
    p = parse_zh("回头有空再说", MONDAY)
    assert p.vague and not p.days and p.hour is None
