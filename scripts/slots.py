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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scripts.matching import base_language

# Usual hour for a part of day when no time is said, and how an hour is read in it.
_PART_DEFAULT = {"dawn": 6, "am": 10, "noon": 12, "pm": 15, "dusk": 18, "evening": 19}
MIN_LEAD = timedelta(minutes=1)


@dataclass(frozen=True)
class SlotResult:
    value: datetime | None
    reason: str | None = None
    approximate: bool = False


@dataclass
class _Parts:
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


def _fail(reason: str) -> SlotResult:
    return SlotResult(None, reason)


# ---------------------------------------------------------------------------- numerals
_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _zh_number(s: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十五 -> 25, 三十 -> 30; None for a run that is no numeral
    (十十, 二十十: a misrecognition), which is then left as it was heard."""
    if "十" in s:
        tens, _, ones = s.partition("十")
        if (tens and tens not in _ZH_DIGITS) or (ones and ones not in _ZH_DIGITS):
            return None
        return (_ZH_DIGITS[tens] if tens else 1) * 10 + (_ZH_DIGITS[ones] if ones else 0)
    n = 0
    for ch in s:
        n = n * 10 + _ZH_DIGITS[ch]
    return n


def _zh_digit_run(m: re.Match[str]) -> str:
    n = _zh_number(m.group())
    return m.group() if n is None else str(n)


def _zh_digits(text: str) -> str:
    return re.sub(r"[零〇一二两三四五六七八九十]+", _zh_digit_run, text)


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


# ------------------------------------------------------------------------------ Chinese
_ZH_WEEKDAY = r"(?:周|星期|礼拜)([1-7日天])"
_ZH_RANGE = re.compile(r"([一两二三四五六七八])([两二三四五六七八九])(?=个?(?:点|时|小时|钟头))")
_ZH_ORDER = "一二三四五六七八九"


def _zh_range_first(m: re.Match[str]) -> str:
    """八九 in 八九点 -> 八 (a range of two neighbouring numerals); else as heard."""
    first, second = (d.replace("两", "二") for d in m.groups())
    if _ZH_ORDER.index(second) == _ZH_ORDER.index(first) + 1:
        return m.group(1)
    return m.group()


_ZH_A_BIT = r"(?:慢|快|大声|小声|大|小|清楚|清晰|详细|简单|仔细|响|高|低|多|少|近|远|轻)一?点儿?"


def _parse_zh(text: str, today: date) -> _Parts:
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"[\s,，。.!！?？、]+", "", s)
    s = s.replace("點", "点").replace("後", "后").replace("週", "周").replace("鐘", "钟")
    # 一点 after a word of manner is "a bit" (慢一点 slower, 大声一点 louder), not 1 o'clock;
    # 晚一点 / 早一点 are "a bit later / earlier"
    s = re.sub(r"([晚早])一(?:点|些)", r"\1点", s)
    s = re.sub(_ZH_A_BIT, "", s)
    # recognition spells 午 (上午, 下午, 中午) as its homophone 五 or 舞
    s = re.sub(r"([上下中])[五舞](?![个天周月分点时号钟])", r"\1午", s)
    # and 周末 as 周磨/周莫/周默, 礼拜 as 里拜/理拜
    s = re.sub(r"周[磨莫默]", "周末", s)
    s = re.sub(r"[里理]拜", "礼拜", s)
    # two neighbouring numerals are a range (八九点, 两三个小时): its first
    s = re.sub(_ZH_RANGE, _zh_range_first, s)
    s = _zh_digits(s)
    p = _Parts(set(), set())

    # 两个小时后, and 过两个钟头 (再打) with 过 in front instead of 后 after
    m = re.search(r"(\d+|半)个?(小时|钟头)(以后|之后|后)", s) or re.search(
        r"过(\d+|半)个?(小时|钟头)", s
    )
    if m:
        half = m.group(1) == "半"
        p.relative = timedelta(minutes=30) if half else timedelta(hours=int(m.group(1)))
        return p
    m = re.search(r"(\d+)分钟(?:以后|之后|后)", s) or re.search(r"过(\d+)分钟", s)
    if m:
        p.relative = timedelta(minutes=int(m.group(1)))
        return p

    for word, off in (
        ("大后天", 3),
        ("后天", 2),
        ("今天", 0),
        ("今晚", 0),
        ("今早", 0),
        ("明天", 1),
        ("明儿", 1),
        ("明晚", 1),
        ("明早", 1),
        ("明日", 1),
    ):
        if word in s:
            p.days.add(off)
            s = s.replace(word, "#" + word[1:] if word in ("今晚", "明晚", "今早", "明早") else "#")
    window = _zh_window(s, today)
    if window is not None:
        p.window, s = window
    m = re.search(r"下(?:个)?" + _ZH_WEEKDAY, s)
    if m:
        wd = 7 if m.group(1) in "日天" else int(m.group(1))
        monday_next = today - timedelta(days=today.weekday()) + timedelta(days=7)
        p.days.add((monday_next + timedelta(days=wd - 1) - today).days)
        s = s.replace(m.group(), "#")
    else:
        m = re.search(r"(?:这|本)?" + _ZH_WEEKDAY, s)
        if m:
            wd = 7 if m.group(1) in "日天" else int(m.group(1))
            off = (wd - 1 - today.weekday()) % 7
            if p.window and off < min(p.window):
                off += 7  # 下周末，周日下午: the weekday of the span named before it
            p.days.add(off)
            p.weekday_today = off == 0 and not re.match(r"[这本]", m.group())
            s = s.replace(m.group(), "#")
    m = re.search(r"(?:(\d{1,2})月)?(\d{1,2})(号|日)", s)
    if m:
        month = int(m.group(1)) if m.group(1) else today.month
        later = not m.group(1) and re.search(r"下个?月", s) is not None  # 下个月20号
        try:
            d = date(today.year, month, int(m.group(2)))
            if later:
                d = _next_month(d)
            elif d < today:
                d = date(today.year + 1, month, d.day) if m.group(1) else _next_month(d)
            p.dates.add(d)
        except ValueError:
            p.vague = True
        s = s.replace(m.group(), "#")

    s = re.sub(r"早(?=[就已都不没换用])", "", s)  # 早就, 早不用了: long ago, no morning
    for vague in ("晚点", "晚些", "早点"):
        if vague in s:
            s = s.replace(vague, "")
            p.vague = True
    for words, part in (
        (("凌晨",), "dawn"),
        (("早上", "早晨", "上午", "早"), "am"),
        (("中午",), "noon"),
        (("下午",), "pm"),
        (("傍晚",), "dusk"),
        (("晚上", "晚", "夜里"), "evening"),
    ):
        if any(w in s for w in words):
            p.part = part
            break

    m = re.search(r"(\d{1,2})[:：](\d{2})", s) or re.search(
        r"(\d{1,2})(?:点|时)(?:钟)?(半|1刻|3刻|(\d{1,2})分?)?", s
    )
    if m:
        p.hour = int(m.group(1))
        tail = m.group(2)
        if tail == "半":
            p.minute = 30
        elif tail == "1刻":
            p.minute = 15
        elif tail == "3刻":
            p.minute = 45
        elif tail:
            p.minute = int(re.sub(r"\D", "", tail))
    if not p.days and not p.dates and p.hour is None and p.part is None:
        p.vague = p.vague or bool(re.search(r"等会|一会|1会|改天|有空|过几天|回头", s))
    return p


def _weekend(today: date, next_week: bool) -> tuple[int, ...]:
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


def _next_monday(today: date) -> int:
    return 7 - today.weekday()


def _month_end(today: date) -> tuple[int, ...]:
    first_next = _next_month(today.replace(day=1))
    end = first_next - timedelta(days=1)
    end_next = _next_month(first_next) - timedelta(days=1)
    return ((end - today).days, (end_next - today).days)


def _next_month_first(today: date) -> tuple[int, ...]:
    return ((_next_month(today.replace(day=1)) - today).days,)


# A span named without a day -> the day offsets to try, in order; the longer words first
# (下周末 before 周末 and 下周). 下个月 with a day number (下个月20号) is that date, not a span.
_ZH_WINDOWS: tuple[tuple[str, Callable[[date], tuple[int, ...]]], ...] = (
    (r"下(?:个)?(?:周末|礼拜末|星期末)", lambda today: _weekend(today, next_week=True)),
    (r"(?:这个?|本)?(?:周末|礼拜末|星期末)", lambda today: _weekend(today, next_week=False)),
    (r"下(?:个)?(?:周|星期|礼拜)(?![1-7日天])", lambda today: (_next_monday(today),)),
    (r"下(?:个)?月初?|月初", _next_month_first),
    (r"月底|月末", _month_end),
    (r"过(?:几|些)天", lambda _: (3,)),
    (r"过(?:两|2)天", lambda _: (2,)),
    (r"改天|改日|换一?天", lambda _: (1,)),
)
_ZH_DAY_NUMBER = re.compile(r"\d{1,2}(?:号|日)")


def _zh_window(s: str, today: date) -> tuple[tuple[int, ...], str] | None:
    """A span named without a day, and the text with it taken out."""
    for pattern, days in _ZH_WINDOWS:
        m = re.search(pattern, s)
        if m and not (days is _next_month_first and _ZH_DAY_NUMBER.search(s)):
            return days(today), s.replace(m.group(), "#", 1)
    return None


def _next_month(d: date) -> date:
    y, mth = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return date(y, mth, d.day)


# ------------------------------------------------------------------------------ English
_EN_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _parse_en(text: str, today: date) -> _Parts:
    s = " " + re.sub(r"[^\w:'\- ]+", " ", unicodedata.normalize("NFKC", text).lower()) + " "
    s = s.replace("a.m", "am").replace("p.m", "pm")
    p = _Parts(set(), set())
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
            p.window = _weekend(today, next_week=True)
        elif re.search(r"\bweekend\b", s):
            p.window = _weekend(today, next_week=False)
        elif re.search(r"next week", s):
            p.window = (_next_monday(today),)
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
def _parse_ko(text: str, today: date) -> _Parts:
    s = re.sub(r"[\s,.!?]+", "", unicodedata.normalize("NFKC", text))
    p = _Parts(set(), set())
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
        p.window = _weekend(today, next_week=True)
    elif "주말" in s:
        p.window = _weekend(today, next_week=False)
    elif "다음주" in s:
        p.window = (_next_monday(today),)
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
    parser = {"zh": _parse_zh, "en": _parse_en, "ko": _parse_ko}.get(lang)
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
