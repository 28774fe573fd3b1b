"""Slot parsing from speech: the callback time. Pure: ``now`` and the zone are passed in.

``parse_callback_time("明天下午三点", now, "Asia/Shanghai", "zh-CN")`` gives a timezone-aware
datetime in the customer's zone, or ``value=None`` with a ``reason`` when the text names no
usable time (nothing found, in the past, two different days).
A day without a time gets the part of day's usual hour (10:00 when none is said) and is
flagged ``approximate``.

A span named without a day is read as its first usable day, also ``approximate``: the
weekend (周末, "this weekend", 주말) is the coming Saturday (Sunday when Saturday's time has
passed; on a Sunday, that day, then the next Saturday), next weekend (下周末) the Saturday
of next week, next week (下周, 下个礼拜, "next week", 다음주) its Monday, 改天 (another day)
tomorrow, 过两天 in two days, 过几天 / 过些天 in three, 月底 (month end) the month's last
day (the next month's when today's time has passed), 下个月 / 月初 the 1st of next month.
Bare "later" words (晚点, 有空, 回头, 等会) stay vague: they name no day. A day named with
a span that holds it is that day (周末吧，周六上午; 下周末，周日 is that weekend's Sunday).

A weekday named alone that is today (周六 said on a Saturday) is next week's once its time
has passed (这周六 is not). Two neighbouring numerals are a range, read as its first (八九点
8:00, 一两个小时 one hour); 午 misheard as 五 (下五三点) is read as 午.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scripts.matching import base_language
from scripts.slot_parts import Parts, next_monday, weekend
from scripts.slots_zh import parse_zh

# Usual hour for a part of day when no time is said, and how an hour is read in it.
_PART_DEFAULT = {"dawn": 6, "am": 10, "noon": 12, "pm": 15, "dusk": 18, "evening": 19}
MIN_LEAD = timedelta(minutes=1)


@dataclass(frozen=True)
class SlotResult:
    value: datetime | None
    reason: str | None = None
    approximate: bool = False


def _fail(reason: str) -> SlotResult:
    return SlotResult(None, reason)


# ---------------------------------------------------------------------------- numerals
_EN_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "an": 1,
    "a": 1,
}
_KO_NATIVE = {
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "여덟": 8,
    "아홉": 9,
    "열": 10,
    "열한": 11,
    "열두": 12,
}
_KO_SINO = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}


def _ko_sino(s: str) -> int:
    if s.isdigit():
        return int(s)
    if "십" in s:
        tens, _, ones = s.partition("십")
        return (_KO_SINO[tens] if tens else 1) * 10 + (_KO_SINO[ones] if ones else 0)
    return _KO_SINO[s]


def _ko_hour(s: str) -> int:
    return int(s) if s.isdigit() else _KO_NATIVE[s]


# ------------------------------------------------------------------------------ English
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _parse_en(text: str, today: date) -> Parts:
    s = " " + re.sub(r"[^\w:'\- ]+", " ", unicodedata.normalize("NFKC", text).lower()) + " "
    s = s.replace("a.m", "am").replace("p.m", "pm")
    p = Parts(set(), set())
    num = r"(\d{1,2}|" + "|".join(sorted(_EN_NUMBERS, key=len, reverse=True)) + r")"

    def n(tok: str) -> int:
        return int(tok) if tok.isdigit() else _EN_NUMBERS[tok]

    m = re.search(r"in (half an hour|" + num + r" (hours?|minutes?|mins?))", s)
    if m:
        if m.group(1) == "half an hour":
            p.relative = timedelta(minutes=30)
        elif m.group(3).startswith("hour"):
            p.relative = timedelta(hours=n(m.group(2)))
        else:
            p.relative = timedelta(minutes=n(m.group(2)))
        return p
    if "day after tomorrow" in s:
        p.days.add(2)
        s = s.replace("day after tomorrow", " ")
    for word, off in ((" today ", 0), (" tonight ", 0), (" tomorrow ", 1)):
        if word in s:
            p.days.add(off)
            if word == " tonight ":
                p.part = "evening"
    for i, wd in enumerate(_EN_WEEKDAYS):
        m = re.search(r"(next |this |on )?" + wd, s)
        if m:
            monday = today - timedelta(days=today.weekday())
            if (m.group(1) or "").strip() == "next":
                p.days.add((monday + timedelta(days=7 + i) - today).days)
            else:
                p.days.add((i - today.weekday()) % 7)
                p.weekday_today = i == today.weekday() and (m.group(1) or "").strip() != "this"
    if not p.days:
        if re.search(r"next weekend", s):
            p.window = weekend(today, next_week=True)
        elif re.search(r"\bweekend\b", s):
            p.window = weekend(today, next_week=False)
        elif re.search(r"next week", s):
            p.window = (next_monday(today),)
    for word, part in (
        ("morning", "am"),
        ("noon", "noon"),
        ("afternoon", "pm"),
        ("evening", "evening"),
        ("night", "evening"),
    ):
        if re.search(r"\b" + word + r"\b", s):
            p.part = part
            break
    m = re.search(r"half past " + num, s)
    if m:
        p.hour, p.minute = n(m.group(1)), 30
    else:
        m = (
            re.search(r"\b(\d{1,2}):(\d{2})\s*(am|pm)?\b", s)
            or re.search(r"\b" + num + r"\s*(am|pm|o'clock|oclock)\b", s)
            or re.search(r"\b(?:at|after|around|about|by) " + num + r"\b", s)
        )
        if m:
            p.hour = n(m.group(1))
            groups = m.groups()
            if len(groups) == 3:
                p.minute = int(groups[1])
            suffix = groups[-1] if len(groups) > 1 else None
            if suffix == "pm":
                p.part = "pm" if p.hour < 12 else p.part
            elif suffix == "am":
                p.part = "am"
    if re.search(r"\bnoon\b", s) and p.hour is None:
        p.hour = 12
    if not p.days and p.hour is None and p.part is None:
        p.vague = bool(re.search(r"later|another time|some other time|sometime", s))
    return p


# ------------------------------------------------------------------------------- Korean
def _parse_ko(text: str, today: date) -> Parts:
    s = re.sub(r"[\s,.!?]+", "", unicodedata.normalize("NFKC", text))
    p = Parts(set(), set())
    native = "|".join(sorted(_KO_NATIVE, key=len, reverse=True))
    sino = r"(\d{1,2}|[일이삼사오육칠팔구]?십[일이삼사오육칠팔구]?|[일이삼사오육칠팔구])"
    m = re.search(r"(\d{1,2}|" + native + r")시간(후|뒤|있다가)", s)
    if m:
        p.relative = timedelta(hours=_ko_hour(m.group(1)))
        return p
    m = re.search(sino + r"분(후|뒤|있다가)", s)
    if m:
        p.relative = timedelta(minutes=_ko_sino(m.group(1)))
        return p
    for word, off in (("오늘", 0), ("내일", 1), ("모레", 2), ("글피", 3)):
        if word in s:
            p.days.add(off)
    days = "월화수목금토일"
    m = re.search(r"(다음주|이번주)?([" + days + r"])요일", s)
    if m:
        wd = days.index(m.group(2))
        if m.group(1) == "다음주":
            monday = today - timedelta(days=today.weekday())
            p.days.add((monday + timedelta(days=7 + wd) - today).days)
        else:
            p.days.add((wd - today.weekday()) % 7)
            p.weekday_today = wd == today.weekday() and m.group(1) != "이번주"
    elif "다음주말" in s:
        p.window = weekend(today, next_week=True)
    elif "주말" in s:
        p.window = weekend(today, next_week=False)
    elif "다음주" in s:
        p.window = (next_monday(today),)
    for words, part in (
        (("새벽",), "dawn"),
        (("아침", "오전"), "am"),
        (("점심",), "noon"),
        (("오후",), "pm"),
        (("저녁", "밤"), "evening"),
    ):
        if any(w in s for w in words):
            p.part = part
            break
    m = re.search(r"(\d{1,2}|" + native + r")시(?!간)(반|" + sino + r"분)?", s)
    if m:
        p.hour = _ko_hour(m.group(1))
        if m.group(2) == "반":
            p.minute = 30
        elif m.group(3):
            p.minute = _ko_sino(m.group(3))
    if not p.days and p.hour is None and p.part is None:
        p.vague = bool(re.search(r"나중|다음에|이따가", s))
    return p


# ------------------------------------------------------------------------------ resolve
def _hour24(hour: int, part: str | None) -> int | None:
    if hour > 24:
        return None
    if hour > 12:
        return hour if part in (None, "pm", "dusk", "evening", "noon") else None
    if part in ("pm", "dusk", "evening"):
        return hour + 12 if hour < 12 else 12
    if part == "noon":
        return 12 if hour == 12 else (hour + 12 if hour <= 2 else hour)
    if part in ("am", "dawn"):
        return 0 if hour == 12 and part == "dawn" else hour
    # No part of day: callbacks are daytime, so 1-6 means the afternoon.
    return hour + 12 if 1 <= hour <= 6 else hour


def parse_callback_time(text: str, now: datetime, timezone: str, language: str) -> SlotResult:
    """Parse a callback time said by the customer; see the module doc."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tz = ZoneInfo(timezone)
    local_now = now.astimezone(tz)
    today = local_now.date()
    lang = base_language(language)
    parser = {"zh": parse_zh, "en": _parse_en, "ko": _parse_ko}.get(lang)
    if parser is None:
        return _fail(f"callback times are not understood in {language}")
    p = parser(text, today)
    if p.relative is not None:
        return SlotResult(local_now + p.relative)
    days = {today + timedelta(days=d) for d in p.days} | p.dates
    off = (min(days) - today).days if len(days) == 1 else -1
    # a day in the span said with it (周末吧，周六上午); a one-day window (下周, 过两天) spans a week
    if p.window and min(p.window) <= off <= max(p.window) + (6 if len(p.window) == 1 else 0):
        p.window = ()
    if len(days) > 1 or (days and p.window):
        return _fail("more than one day was named")
    if p.hour is None and p.part is None and not days and not p.window:
        return _fail("vague: no day or time named" if p.vague else "no time found")
    approximate = p.hour is None
    if p.hour is None:
        hour = _PART_DEFAULT[p.part or "am"]
    else:
        h = _hour24(p.hour, p.part)
        if h is None or h == 24 or p.minute >= 60:
            return _fail("not a valid time of day")
        hour = h
    at = time(hour, p.minute)
    if p.window:
        for off in p.window:
            value = datetime.combine(today + timedelta(days=off), at, tzinfo=tz)
            if value >= local_now + MIN_LEAD:
                return SlotResult(value, None, True)
        return _fail("that time is in the past")
    if days:
        (day,) = days
        value = datetime.combine(day, at, tzinfo=tz)
        if value < local_now + MIN_LEAD and p.weekday_today:
            value += timedelta(days=7)
        if value < local_now + MIN_LEAD:
            return _fail("that time is in the past")
    else:
        value = datetime.combine(today, at, tzinfo=tz)
        if value < local_now + MIN_LEAD:
            value = datetime.combine(today + timedelta(days=1), at, tzinfo=tz)
    return SlotResult(value, None, approximate)


# ------------------------------------------------------------------------------ speak it
_ZH_WEEKDAY_NAMES = "一二三四五六日"
_KO_WEEKDAY_NAMES = "월화수목금토일"


def describe_time(value: datetime, now: datetime, language: str) -> str:
    """How the bot says a callback time back: 明天下午3点半 / tomorrow at 3:30 PM."""
    local_now = now.astimezone(value.tzinfo)
    delta = (value.date() - local_now.date()).days
    lang = base_language(language)
    h, mi = value.hour, value.minute
    if lang == "zh":
        day = {0: "今天", 1: "明天", 2: "后天"}.get(delta)
        if day is None:
            same_week = value.isocalendar()[1] == local_now.isocalendar()[1]
            nxt = "" if same_week else "下"
            day = (
                f"{nxt}周{_ZH_WEEKDAY_NAMES[value.weekday()]}"
                if delta < 14
                else f"{value.month}月{value.day}日"
            )
        part = (
            "凌晨"
            if h < 6
            else "上午"
            if h < 12
            else "中午"
            if h < 13
            else "下午"
            if h < 18
            else "晚上"
        )
        h12 = h if h <= 12 else h - 12
        mins = "" if mi == 0 else "半" if mi == 30 else f"{mi}分"
        return f"{day}{part}{h12}点{mins}"
    if lang == "ko":
        day = {0: "오늘", 1: "내일", 2: "모레"}.get(delta) or f"{value.month}월 {value.day}일"
        part = "오전" if h < 12 else "오후"
        h12 = h if h <= 12 else h - 12
        mins = "" if mi == 0 else " 반" if mi == 30 else f" {mi}분"
        return f"{day} {part} {h12}시{mins}"
    day = {0: "today", 1: "tomorrow"}.get(delta) or (
        value.strftime("%A") if delta < 7 else value.strftime("%B ") + str(value.day)
    )
    h12 = h % 12 or 12
    clock = f"{h12}" if mi == 0 else f"{h12}:{mi:02d}"
    return f"{day} at {clock} {'AM' if h < 12 else 'PM'}"
