"""Chinese callback times: what a reply says about the day and the hour (``parse_zh``),
with Chinese numerals read as digits; ``scripts.slots`` resolves the parts. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta

from scripts.slot_parts import Parts, month_end, next_monday, next_month, next_month_first, weekend

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


def parse_zh(text: str, today: date) -> Parts:
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
    p = Parts(set(), set())

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
                d = next_month(d)
            elif d < today:
                d = date(today.year + 1, month, d.day) if m.group(1) else next_month(d)
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


# A span named without a day -> the day offsets to try, in order; the longer words first
# (下周末 before 周末 and 下周). 下个月 with a day number (下个月20号) is that date, not a span.
_ZH_WINDOWS: tuple[tuple[str, Callable[[date], tuple[int, ...]]], ...] = (
    (r"下(?:个)?(?:周末|礼拜末|星期末)", lambda today: weekend(today, next_week=True)),
    (r"(?:这个?|本)?(?:周末|礼拜末|星期末)", lambda today: weekend(today, next_week=False)),
    (r"下(?:个)?(?:周|星期|礼拜)(?![1-7日天])", lambda today: (next_monday(today),)),
    (r"下(?:个)?月初?|月初", next_month_first),
    (r"月底|月末", month_end),
    (r"过(?:几|些)天", lambda _: (3,)),
    (r"过(?:两|2)天", lambda _: (2,)),
    (r"改天|改日|换一?天", lambda _: (1,)),
)
_ZH_DAY_NUMBER = re.compile(r"\d{1,2}(?:号|日)")


def _zh_window(s: str, today: date) -> tuple[tuple[int, ...], str] | None:
    """A span named without a day, and the text with it taken out."""
    for pattern, days in _ZH_WINDOWS:
        m = re.search(pattern, s)
        if m and not (days is next_month_first and _ZH_DAY_NUMBER.search(s)):
            return days(today), s.replace(m.group(), "#", 1)
    return None
