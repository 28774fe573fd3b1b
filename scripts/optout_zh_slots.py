"""When and where to call, as the Chinese opt-out rules (``scripts.optout_zh``) read it.

A call forbidden at one time and welcome at another, each in its own clause (以后晚上别打，
白天打可以; 周末别打，工作日打就行) is a standing preference of when to call, not a request
never to be called: 以后 widens the slot, not the prohibition. A call forbidden to a fixed
line (你别打我座机，座机没人; 别打办公室电话) is one of where: the mobile the bank calls is not
refused. Another channel forbidden (以后不要给我寄广告了) is no call refused, and a request
told as an earlier one explained away (我上次说不要再打了是因为在忙) is not made now.
Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_negation import zh_clauses, zh_negations
from scripts.optout_zh_words import ZhRules, find_words, has_words, py_words

# a time of day or week that may scope a call (not 以后, 现在: no slot)
_SLOTS = py_words(
    "早上|上午|中午|下午|晚上|夜里|半夜|白天|工作日|周末|节假日|上班时间|下班后|下班以后|"
    "休息日|礼拜天|星期天|周日|周六"
)
# what may close a welcome call in its clause (白天打可以, 工作日打吧, 白天可以)
_WELCOME_ENDS = py_words("可以|行|就行|就可以|没问题|没事|都行|都可以|随便|吧|再打")
# the words allowed between the slot and the call (白天再给我打)
_FILLER = frozenset(("zai", "gei", "wo", "de", "shi", "hou", "jiu", "ni", "men"))


def time_slot(tokens: Sequence[str], rules: ZhRules) -> bool:
    """One clause forbids calls at a time of day or week, another welcomes them at another
    time (a slot without a negation, then 打 or a welcome: 白天打可以, 工作日打)."""
    clauses = zh_clauses(tokens)
    forbidden = welcomed = False
    for clause in clauses:
        slots = find_words(clause, _SLOTS)
        if not slots:
            continue
        if zh_negations(clause, rules):
            forbidden = True
            continue
        rest = [t for t in clause[slots[0][1] :] if t not in _FILLER]
        if rest[:2] == ["ke", "yi"]:
            rest = rest[2:] or ["ke", "yi"]  # 白天可以打, 白天可以
        if rest[:1] == ["da"]:
            rest = rest[3:] if rest[1:3] == ["dian", "hua"] else rest[1:]
            welcomed = welcomed or not rest or has_words(rest[:2], _WELCOME_ENDS)
        else:
            welcomed = welcomed or (0 < len(rest) <= 2 and bool(find_words(rest, _WELCOME_ENDS)))
    return forbidden and welcomed


# a fixed line (not 手机: the line the bank calls) and what may come before it (我的, 这个)
_FIXED_LINES = py_words("座机|坐机|办公室|单位|家里电话|家里的电话|家里座机|固话|固定电话|宅电")
_OWNER = frozenset(("wo", "de", "ni", "men", "zhe", "na", "ge"))


def fixed_line(tokens: Sequence[str], e: int) -> bool:
    """The call ending at ``e`` goes to a fixed line named right after it (打我座机)."""
    k = e
    while k < min(len(tokens), e + 3) and tokens[k] in _OWNER:
        k += 1
    found = find_words(tokens[k : k + 4], _FIXED_LINES)
    return bool(found) and found[0][0] == 0


# another channel than the calls (给我寄, 发短信, 邮件; not 寄 alone: 惦记 reads ji too)
_CHANNELS = py_words(
    "给我寄|寄信|寄广告|寄资料|寄账单|寄卡|寄东西|寄过来|寄来|邮寄|发短信|发邮件|发信息|发消息|推送|发广告"
)
# the calls named anywhere (a channel with them is read by the rules)
_ANY_CALL = py_words("打|电话|来电|联系|骚扰|推销|营销|找我")


def other_channel(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A negation governs another channel within four words and the calls are not named."""
    if has_words(tokens, _ANY_CALL):
        return False
    return any(has_words(tokens[e : e + 4], _CHANNELS) for _, e in zh_negations(tokens, rules))


# an earlier telling (我上次说) and its explanation (是因为)
_TOLD_BEFORE = py_words("上次说|上回说|之前说|那次说|刚才说|以前说")
_EXPLAINED = py_words("是因为|那是因为|只是因为")


def told_before(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A negation said as an earlier telling and explained right after (我上次说不要再打了
    是因为在忙): the request is reported, not made."""
    for _s, e in find_words(tokens, _TOLD_BEFORE):
        negated = [ne for ns, ne in zh_negations(tokens, rules) if e <= ns <= e + 2]
        if negated and has_words(tokens[negated[0] : negated[0] + 8], _EXPLAINED):
            return True
    return False
