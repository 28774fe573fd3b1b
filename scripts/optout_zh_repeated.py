"""Calls again and again, as the Chinese opt-out rules (``scripts.optout_zh``) read them.

Exasperation at being called over and over (有完没完, 第几次了，还打, 天天给我打, 老打老打,
接了你们四个电话了) is a request not to be called again; the customer's own calls (我打了好几次客服,
打不通) and calls missed and asked about (是不是打了好几次？我没接到) are not. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_others import someone_else_calls, unknown_caller_asked
from scripts.optout_zh_words import (
    COUNTS,
    EXASPERATED,
    FREQUENT,
    TO_ME_FILLER,
    ZhRules,
    find_words,
    has_words,
    py_words,
)


def repeated_calls(tokens: Sequence[str], rules: ZhRules) -> tuple[int, int] | None:
    """Exasperation at being called again and again (这是第几次了，还打; 一天打好几个),
    not at the customer's own calls (我打了好几次客服) nor at someone else's (我儿子天天打
    电话给我要钱, 有人冒充你们银行天天给我打)."""
    found = _repeated(tokens, rules)
    if found is None or someone_else_calls(tokens, found[0]) or unknown_caller_asked(tokens):
        return None
    return found


def _repeated(tokens: Sequence[str], rules: ZhRules) -> tuple[int, int] | None:
    if "da" not in tokens and not has_words(tokens, py_words("电话|来电")):
        # said to the caller, of nothing else: 你们还有完没完了; 怎么又是你们，能不能消停点
        if has_words(tokens, py_words("你们|又是你")) and not has_words(tokens, rules.other_topics):
            found = find_words(tokens, EXASPERATED)
            if found:
                return found[0]
        return None
    customer = py_words(
        "我老打|我给你们打|打不通|打不进|没打通|没打进|没人接|客服|热线|占线|没接到|没接着|漏接"
    )  # also the customer asking about calls missed (是不是打了好几次？我没接到)
    if has_words(tokens, customer) or any(
        s == 0 or tokens[s - 1] not in ("gei", "wang")
        for s, _ in find_words(tokens, py_words("我打"))
    ):
        return None  # the customer's own calls (我打了好几次; not 给我打)
    found = find_words(tokens, rules.repeated)
    if found:
        return found[0]
    for s, e in find_words(tokens, _HOW_MANY):
        if has_words(tokens[:s], py_words("你们")):
            return (s, e)  # 你们到底要打多少次才罢休: how many calls it will take
    counted = _counted_in_a_period(tokens) or _counted_at_times(tokens)
    if counted is not None:
        return counted
    for s, e in find_words(tokens, py_words("还打|又打|还在打|还来电|又来电")):
        # called again after being told, or reproached: 我都说了不要你们还打; 怎么又打
        if (tokens[e : e + 1] and tokens[e] in rules.not_after_call) or tokens[s - 1 : s] == ["wo"]:
            continue  # 又打错了; 我还打过去: the customer's call
        if has_words(tokens[:s], py_words("说了|说过|讲了|讲过|怎么|为什么|咋|挂")) or has_words(
            tokens[e : e + 6], _REPROACHED
        ):
            return (s, e)  # also 我接一次挂一次，还打，有意思吗
    for s, e in find_words(tokens, FREQUENT):
        # the bank's calls said to come all the time: 天天给我打, 老是往我这打, 每天都来电话
        rest = tokens[e : e + 5]
        for k, t in enumerate(rest):
            if t not in TO_ME_FILLER:
                called = t == "da" or rest[k : k + 2] in (["lai", "dian"], ["dian", "hua"])
                if (
                    called
                    and tokens[e + k + 1 : e + k + 2] != ["bu"]
                    and (s == 0 or tokens[s - 1] != "wo")
                ):
                    return (s, e + k + 1)
                break
    found_short = _short_adverb(tokens)
    if found_short is not None:
        return found_short
    for i, t in enumerate(tokens[:-2]):
        # a count of calls said as a grievance: 接了你们四个电话了, 这周三次了 (not 一次, nor
        # 收到两个电话，什么事: no 了 closing the count)
        ordinal = tokens[i - 1 : i] == ["di"]  # 第三次, 第二个
        if (t not in COUNTS and not (ordinal and t == "er")) or tokens[i + 1] not in _MEASURES:
            continue
        called = tokens[i + 2 : i + 4] == ["dian", "hua"]  # 三个电话, 三次电话
        if not called and not {"da", "lai", "di"} & set(tokens[max(0, i - 3) : i]):
            continue  # 问了三次了: a count of something else
        end = i + 4 if called else i + 2
        if tokens[end : end + 1] == ["le"]:
            return (i, end + 1)
        if (
            ordinal
            and tokens[end : end + 1] in (["jie"], ["da"])
            and "le" in tokens[end + 1 : end + 3]
        ):
            return (i, end + 1)  # 这是我第三次接了吧: the calls received counted
        if not called and tokens[end : end + 1] == ["da"] and "le" in tokens[end + 1 : end + 4]:
            return (i, end + 1)  # 第五回打了, 三次打过来了
    return None


# a call reproached right after it (还打，有意思吗; 又打，什么意思)
_REPROACHED = py_words("有意思吗|有意思么|什么意思|啥意思|有病|干嘛|干什么|烦不烦|有完没完")
# how many calls the bank will make (你们要打多少次)
_HOW_MANY = py_words("打多少次|打多少遍|打多少回|打多少个|打几次才|打几遍才")
# a span of time (一个礼拜, 一上午) and the bank's calls in it (打我, 接了你们)
_PERIOD = py_words(
    "一天|一周|一个礼拜|一个星期|一礼拜|一星期|一上午|一个上午|一下午|一个下午|一晚上|一个月|"
    "这礼拜|这星期|这周|今天|今天上午|今天下午|半天|一早上|一月|这个月"
)
_BANK_CALLS = py_words("打我|给我打|打给我|接了你们|接你们|你们打|你们来")
_MEASURES = frozenset(("ge", "ci", "hui", "bian", "tong"))


def _counted_in_a_period(tokens: Sequence[str]) -> tuple[int, int] | None:
    """So many calls from the bank in a span of time (一个礼拜打我五六回, 一个上午接了你们
    两个电话): a grievance, with or without 了; not 一次, nor other people's calls."""
    for ps, pe in find_words(tokens, _PERIOD):
        window = tokens[pe : pe + 9]
        if "," in window:
            window = window[: window.index(",")]
        bank = find_words(window, _BANK_CALLS)
        if bank:
            start = bank[0][1]
        elif tokens[max(0, ps - 2) : ps] == ["ni", "men"] and window[:1] in (["da"], ["lai"]):
            start = 1  # 你们一个月打十几次: the bank named before the span
        elif window[2:4] == ["dian", "hua"] and has_words(tokens, py_words("你们")):
            start = 0  # 一个下午三个电话，你们到底想干嘛: the calls counted, the bank named
        else:
            continue
        for k in range(start, len(window) - 1):
            if window[k] in COUNTS and window[k + 1] in _MEASURES | COUNTS:
                return (ps, pe + k + 2)
    return None


# times of day at which calls are counted (上午打一个下午打一个)
_DAY_TIMES = py_words("早上|上午|中午|下午|晚上|半夜|夜里|白天|早晨|傍晚")


def _counted_at_times(tokens: Sequence[str]) -> tuple[int, int] | None:
    """A call counted at two or more times of day (上午打一个下午打一个, 早上一个晚上一个):
    the calls received told, not a time to call."""
    found = []
    for s, e in find_words(tokens, _DAY_TIMES):
        rest = [t for t in tokens[e : e + 4] if t not in ("da", "lai", "le", "you", "ye")]
        if (
            rest[:1]
            and (rest[0] in COUNTS or rest[0] == "yi")
            and rest[1:2]
            and rest[1] in _MEASURES
        ):
            found.append((s, e))
    return (found[0][0], found[-1][1]) if len(found) >= 2 else None


# one-syllable adverbs of "all the time" (老打, 总打): 老大 (the boss, the eldest) unless
# said twice or with the bank's calls around it
_SHORT_ADVERBS = frozenset(("lao", "zong"))


def _short_adverb(tokens: Sequence[str]) -> tuple[int, int] | None:
    """老/总 + 打 as "calling all the time": said twice (老打老打, also heard 老大老大), with the
    call between (老给我打, 总往我这打) or the bank named before 老打电话 (你们老打电话);
    not the customer's (我老打) nor 我家老大, 老总."""
    for i, t in enumerate(tokens[:-1]):
        if t not in _SHORT_ADVERBS or tokens[i - 1 : i] in (["wo"], ["jia"], ["lao"]):
            continue
        k = i + 1
        while k < len(tokens) and k - i <= 3 and tokens[k] in TO_ME_FILLER:
            k += 1
        if tokens[k : k + 1] != ["da"]:
            continue
        if tokens[k + 1 : k + 3] == [t, "da"]:
            return (i, k + 3)  # 老打老打
        if {"gei", "wang"} & set(tokens[i + 1 : k]):
            return (i, k + 1)  # 老给我打, 总往我这打
        if tokens[k + 1 : k + 3] == ["dian", "hua"] and has_words(
            tokens[max(0, i - 3) : i], py_words("你们|你")
        ):
            return (i, k + 3)  # 你们老打电话
    return None
