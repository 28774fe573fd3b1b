"""Callback-time parsing in the customer's zone, with an injected now."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.slots import describe_time, parse_callback_time

# Wednesday 2026-01-07 10:00 in Shanghai and Seoul is 11:00; New York is Tuesday 21:00.
NOW = datetime(2026, 1, 7, 2, 0, tzinfo=UTC)


def at(text: str, tz: str = "Asia/Shanghai", lang: str = "zh-CN") -> str | None:
    r = parse_callback_time(text, NOW, tz, lang)
    return r.value.isoformat() if r.value else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下午三点", "2026-01-08T15:00:00+08:00"),
        ("嗯，明天下午 3 点吧", "2026-01-08T15:00:00+08:00"),
        ("下周一上午", "2026-01-12T10:00:00+08:00"),
        ("后天晚上7点半", "2026-01-09T19:30:00+08:00"),
        ("三点以后", "2026-01-07T15:00:00+08:00"),
        ("两个小时以后", "2026-01-07T12:00:00+08:00"),
        ("半小时后", "2026-01-07T10:30:00+08:00"),
        ("12号下午2点", "2026-01-12T14:00:00+08:00"),
        ("周五", "2026-01-09T10:00:00+08:00"),
        ("礼拜天上午十点", "2026-01-11T10:00:00+08:00"),
        ("十点一刻", "2026-01-07T10:15:00+08:00"),
        ("八点", "2026-01-08T08:00:00+08:00"),  # 8:00 today has passed
        ("今晚八点", "2026-01-07T20:00:00+08:00"),
        ("明天中午", "2026-01-08T12:00:00+08:00"),
        ("明天下午3:30", "2026-01-08T15:30:00+08:00"),
        ("下个月5号", "2026-02-05T10:00:00+08:00"),
        ("下个月20号下午", "2026-02-20T15:00:00+08:00"),
        ("过两个小时再打", "2026-01-07T12:00:00+08:00"),  # 过 before a span: in two hours
        ("过半个小时吧", "2026-01-07T10:30:00+08:00"),
        ("过十分钟再打", "2026-01-07T10:10:00+08:00"),
        # a day of the weekend named with 周末 is that day, not a second day
        ("周末吧，星期天下午", "2026-01-11T15:00:00+08:00"),
        ("这周末，礼拜六上午", "2026-01-10T10:00:00+08:00"),
    ],
)
def test_chinese(text: str, expected: str) -> None:
    assert at(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("明天或者周末", "more than one day was named"),
        ("晚点再打", "vague: no day or time named"),
        ("今天上午九点", "that time is in the past"),
        ("明天后天", "more than one day was named"),
        ("下午25点", "not a valid time of day"),
        ("不知道", "no time found"),
        # 早 as an adverb (long ago) names no morning
        ("他早不用这个号了", "no time found"),
        ("我早就换过了", "no time found"),
    ],
)
def test_chinese_ambiguous(text: str, reason: str) -> None:
    r = parse_callback_time(text, NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is None and r.reason == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NOW is Wednesday 2026-01-07 10:00 in Shanghai
        ("周末", "2026-01-10T10:00:00+08:00"),  # the coming Saturday
        ("这周末下午吧", "2026-01-10T15:00:00+08:00"),
        ("下周末", "2026-01-17T10:00:00+08:00"),
        ("下周", "2026-01-12T10:00:00+08:00"),  # next Monday
        ("下个礼拜吧", "2026-01-12T10:00:00+08:00"),
        ("下星期下午", "2026-01-12T15:00:00+08:00"),
        ("改天吧", "2026-01-08T10:00:00+08:00"),
        ("过两天再打", "2026-01-09T10:00:00+08:00"),
        ("过几天吧", "2026-01-10T10:00:00+08:00"),
        ("月底", "2026-01-31T10:00:00+08:00"),
        ("下个月初吧", "2026-02-01T10:00:00+08:00"),
        ("下周三", "2026-01-14T10:00:00+08:00"),  # a day of next week is still that day
    ],
)
def test_chinese_span_without_a_day_is_its_first_day(text: str, expected: str) -> None:
    """A weekend, next week, a couple of days, the month's end: the span's first usable
    day, approximate (the customer named no day)."""
    r = parse_callback_time(text, NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is not None and r.value.isoformat() == expected
    assert r.approximate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("过两个小时吧", "2026-01-07T12:00:00+08:00"),
        ("再过半个钟头", "2026-01-07T10:30:00+08:00"),
        ("过二十分钟再打", "2026-01-07T10:20:00+08:00"),
    ],
)
def test_chinese_span_from_now_said_with_guo(text: str, expected: str) -> None:
    """过 before a number of hours or minutes is a span from now, as 以后 after it is."""
    assert at(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("周末吧，周六下午三点以后", "2026-01-10T15:00:00+08:00"),
        ("这周末，礼拜天上午", "2026-01-11T10:00:00+08:00"),
        ("下周末，周日上午", "2026-01-18T10:00:00+08:00"),  # that Sunday of next weekend
    ],
)
def test_chinese_day_inside_the_span_said_with_it_is_that_day(text: str, expected: str) -> None:
    """A weekend, then the day of it: that day (not two days named); a day outside the
    span (周末吧，周三) stays ambiguous."""
    assert at(text) == expected
    r = parse_callback_time("周末吧，周三", NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is None and r.reason == "more than one day was named"


def test_weekend_on_a_saturday_evening_is_sunday_then_on_sunday_the_next_saturday() -> None:
    saturday_evening = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    r = parse_callback_time("周末", saturday_evening, "Asia/Shanghai", "zh-CN")
    assert r.value is not None and r.value.isoformat() == "2026-01-11T10:00:00+08:00"
    sunday_evening = datetime(2026, 1, 11, 12, 0, tzinfo=UTC)
    r = parse_callback_time("周末", sunday_evening, "Asia/Shanghai", "zh-CN")
    assert r.value is not None and r.value.isoformat() == "2026-01-17T10:00:00+08:00"


def test_month_end_on_its_last_evening_is_next_month_end() -> None:
    last_evening = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    r = parse_callback_time("月底吧", last_evening, "Asia/Shanghai", "zh-CN")
    assert r.value is not None and r.value.isoformat() == "2026-02-28T10:00:00+08:00"


@pytest.mark.parametrize(
    ("text", "tz", "lang", "expected"),
    [
        ("next week", "America/New_York", "en-US", "2026-01-12T10:00:00-05:00"),
        ("this weekend", "America/New_York", "en-US", "2026-01-10T10:00:00-05:00"),
        ("다음 주", "Asia/Seoul", "ko-KR", "2026-01-12T10:00:00+09:00"),
        ("주말에", "Asia/Seoul", "ko-KR", "2026-01-10T10:00:00+09:00"),
    ],
)
def test_span_without_a_day_in_english_and_korean(
    text: str, tz: str, lang: str, expected: str
) -> None:
    assert at(text, tz, lang) == expected


@pytest.mark.parametrize("text", ["明天十十点", "二十十点", "十一十点", "十点十十分"])
def test_chinese_garbled_numerals_do_not_crash(text: str) -> None:
    """A run of numerals that is no number (several 十, as misrecognition makes) is not
    a time: the parser says so instead of raising."""
    r = parse_callback_time(text, NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is not None or r.reason


def test_day_without_time_is_approximate() -> None:
    r = parse_callback_time("明天吧", NOW, "Asia/Shanghai", "zh-CN")
    assert r.approximate and r.value is not None and r.value.hour == 10
    assert not parse_callback_time("明天下午三点", NOW, "Asia/Shanghai", "zh-CN").approximate


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow at 3pm", "2026-01-07T15:00:00-05:00"),
        ("next Monday morning", "2026-01-12T10:00:00-05:00"),
        ("in two hours", "2026-01-06T23:00:00-05:00"),
        ("half past 3 tomorrow", "2026-01-07T15:30:00-05:00"),
        ("friday at 10 am", "2026-01-09T10:00:00-05:00"),
        ("tomorrow at noon", "2026-01-07T12:00:00-05:00"),
    ],
)
def test_english(text: str, expected: str) -> None:
    assert at(text, "America/New_York", "en-US") == expected


def test_english_vague() -> None:
    r = parse_callback_time("call me later", NOW, "America/New_York", "en-US")
    assert r.value is None and r.reason and "vague" in r.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("내일 오후 세 시", "2026-01-08T15:00:00+09:00"),
        ("내일 오후 3시 반", "2026-01-08T15:30:00+09:00"),
        ("모레 오전", "2026-01-09T10:00:00+09:00"),
        ("다음 주 월요일", "2026-01-12T10:00:00+09:00"),
        ("두 시간 후", "2026-01-07T13:00:00+09:00"),
        ("저녁 일곱 시", "2026-01-07T19:00:00+09:00"),
    ],
)
def test_korean(text: str, expected: str) -> None:
    assert at(text, "Asia/Seoul", "ko-KR") == expected


def test_korean_again_is_not_an_hour() -> None:
    assert at("다시 전화 주세요", "Asia/Seoul", "ko-KR") is None


def test_result_is_in_customer_zone() -> None:
    r = parse_callback_time("明天下午三点", NOW, "Asia/Urumqi", "zh-CN")
    assert r.value is not None and r.value.utcoffset() is not None
    assert r.value.utcoffset().total_seconds() == 6 * 3600  # type: ignore[union-attr]


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_callback_time("明天", datetime(2026, 1, 7), "Asia/Shanghai", "zh-CN")


def test_unknown_language() -> None:
    r = parse_callback_time("demain", NOW, "Europe/Paris", "fr-FR")
    assert r.value is None and r.reason is not None


def test_describe() -> None:
    r = parse_callback_time("后天晚上7点半", NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is not None
    assert describe_time(r.value, NOW, "zh-CN") == "后天晚上7点半"
    r = parse_callback_time("내일 오후 3시 반", NOW, "Asia/Seoul", "ko-KR")
    assert r.value is not None
    assert describe_time(r.value, NOW, "ko-KR") == "내일 오후 3시 반"
    r = parse_callback_time("tomorrow at 3pm", NOW, "America/New_York", "en-US")
    assert r.value is not None
    assert describe_time(r.value, NOW, "en-US") == "tomorrow at 3 PM"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), st.sampled_from(["zh-CN", "en-US", "ko-KR"]))
def test_never_crashes_and_never_in_the_past(text: str, lang: str) -> None:
    r = parse_callback_time(text, NOW, "Asia/Shanghai", lang)
    if r.value is not None:
        assert r.value.tzinfo is not None and r.value > NOW
    else:
        assert r.reason


@pytest.mark.parametrize("text", ["你说慢一点", "能不能大声一点", "说清楚一点", "稍微快一点"])
def test_chinese_a_bit_is_not_one_oclock(text: str) -> None:
    """一点 after a word of manner is "a bit" (slower, louder), not 1 o'clock."""
    r = parse_callback_time(text, NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is None and r.reason == "no time found"


@pytest.mark.parametrize("text", ["晚一点吧", "晚一些再打", "早一点"])
def test_chinese_a_bit_later_is_vague(text: str) -> None:
    r = parse_callback_time(text, NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is None and r.reason == "vague: no day or time named"


def test_chinese_one_oclock_still_read() -> None:
    assert at("明天下午一点") == "2026-01-08T13:00:00+08:00"


@pytest.mark.parametrize(
    ("text", "tz", "lang", "expected"),
    [
        ("周三上午", "Asia/Shanghai", "zh-CN", "2026-01-14T10:00:00+08:00"),
        ("礼拜三", "Asia/Shanghai", "zh-CN", "2026-01-14T10:00:00+08:00"),
        ("周三下午", "Asia/Shanghai", "zh-CN", "2026-01-07T15:00:00+08:00"),  # still ahead
        ("수요일 오전", "Asia/Seoul", "ko-KR", "2026-01-14T10:00:00+09:00"),
    ],
)
def test_todays_weekday_named_alone_once_past_is_next_week(
    text: str, tz: str, lang: str, expected: str
) -> None:
    assert at(text, tz, lang) == expected


def test_todays_weekday_said_as_this_week_stays_in_the_past() -> None:
    r = parse_callback_time("这周三上午", NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is None and r.reason == "that time is in the past"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("晚上吧，八九点", "2026-01-07T20:00:00+08:00"),
        ("两三点", "2026-01-07T14:00:00+08:00"),
        ("一两个小时以后", "2026-01-07T11:00:00+08:00"),
        ("十一二点", "2026-01-07T11:00:00+08:00"),
    ],
)
def test_chinese_range_of_two_neighbouring_numerals_is_its_first(text: str, expected: str) -> None:
    assert at(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天下五三点", "2026-01-08T15:00:00+08:00"),
        ("明天上五", "2026-01-08T10:00:00+08:00"),
        ("明天中五", "2026-01-08T12:00:00+08:00"),
    ],
)
def test_chinese_wu_misheard_as_five_is_the_part_of_day(text: str, expected: str) -> None:
    assert at(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # NOW is Wednesday 2026-01-07 10:00 in Shanghai
        ("周末吧，周六上午", "2026-01-10T10:00:00+08:00"),  # the span, then its day
        ("下周末，周日下午", "2026-01-18T15:00:00+08:00"),  # that weekend's Sunday
        ("下周吧，周三下午", "2026-01-14T15:00:00+08:00"),
        ("过两天，周五下午", "2026-01-09T15:00:00+08:00"),
        ("过两个钟头再打", "2026-01-07T12:00:00+08:00"),  # 过 in front, no 后
        ("过半个小时", "2026-01-07T10:30:00+08:00"),
        ("周磨吧", "2026-01-10T10:00:00+08:00"),  # 周末 misheard
        ("下个里拜吧", "2026-01-12T10:00:00+08:00"),  # 礼拜 misheard
    ],
)
def test_chinese_a_day_inside_a_span_and_relative_with_guo(text: str, expected: str) -> None:
    assert at(text) == expected


def test_chinese_a_day_outside_the_span_is_still_two_days() -> None:
    r = parse_callback_time("下周末，明天", NOW, "Asia/Shanghai", "zh-CN")
    assert r.value is None and r.reason == "more than one day was named"
