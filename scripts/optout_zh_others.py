"""Calls that are not the bank's, and calls asked about, as the Chinese opt-out rules
(``scripts.optout_zh``, ``scripts.optout_zh_repeated``) read them.

A request or a grievance said of someone else's calls (我儿子天天打电话给我要钱, 有人冒充你们
银行天天给我打, 那些贷款的电话别打了，不是说你们, 我老接到骚扰电话，你们能帮我拦一下吗), of the
staff's answering (客服一直不接电话) or of the phone's own setting (手机开了免打扰模式) is no
opt-out, and nor is a question whether, when or how often the bank calls (你们以后还会打过来吗,
你们一般多久打一次). Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_words import ZhRules, find_words, has_words, py_words

# who else calls over and over (有人, 骗子, 催收, a relative: two syllables, as 把/吧 read
# as 爸 and 马/吗 as 妈) and an impostor (冒充你们银行)
_OTHER_CALLERS = py_words(
    "有人|有个人|别人|人家|骗子|催收|中介|贷款的|卖保险的|儿子|女儿|老婆|老公|爸爸|妈妈|老爸|"
    "老妈|爱人|家人|孩子|父母|朋友|同事|他们|她们|"
    # other businesses (那些贷款公司, 推销的), not 你们公司
    "公司|推销的|卖东西的|平台|网贷|中介的"
)
_IMPOSTOR = py_words("冒充|假冒|假装成")


def someone_else_calls(tokens: Sequence[str], s: int) -> bool:
    """The calls at ``s`` are someone else's: an impostor, or another caller or a relative
    is the subject of the clause before them and the bank (你们) is not named after it."""
    if has_words(tokens, _IMPOSTOR):
        return True
    before = tokens[:s]
    if "," in before:
        before = before[len(before) - before[::-1].index(",") :]
    return any(
        not has_words(before[e:], py_words("你们|你"))
        and not has_words(before[max(0, cs - 5) : cs], py_words("你们|你这|你"))
        for cs, e in find_words(before, _OTHER_CALLERS)
    )


# "not you" (不是说你们, 我说的不是你们) and what may close it
_NOT_YOU = py_words("不是说你们|不是说你|不是你们|不是你|没说你们|没说你|不是指你们|不是指你")
_CLOSING = frozenset((",", "a", "ya", "ha", "o", "la", "ou"))


def not_the_bank(tokens: Sequence[str]) -> bool:
    """What was said is said of other callers, not the bank: a "not you" closing its clause
    (那些贷款电话别打了，不是说你们), not one that goes on (不是说你们不好; 不是说你，是你们
    银行 names the bank) nor a question (打电话的是不是你们)."""
    for s, e in find_words(tokens, _NOT_YOU):
        rest = tokens[e:]
        if (
            rest[:1] == ["men"]
            or (rest and rest[0] not in _CLOSING)
            or tokens[s - 1 : s] == ["shi"]
        ):
            continue  # 不是你们的问题; 是不是你们 (a question)
        if not has_words(rest, py_words("是你们|你们银行|你们别|你们不要|你们再")):
            return True
    return False


# will the bank call again (还会打吗, 会不会再打), did it call (是不是你们打过), how often
# or when it calls (多久打一次, 一般什么时候打)
_WILL = py_words("还会|会不会|会再|还要再|以后会|下次会|还打不打|还会不会")
_DID = py_words("是不是|有没有|是你们")
_WHEN = py_words("多久|多长时间|什么时候|几点|一般")
_CALL = py_words("打|来电|联系|致电|通知")
_REFUSED = py_words(
    "烦|够了|受不了|不想|不接|有完没完|没完没了|骚扰|拉黑|投诉|老是|总是|天天|好几|多少|搞错|又"
)


def asked_about_calls(tokens: Sequence[str]) -> bool:
    """A question whether the bank will call again (你们以后还会打过来吗, 会不会再联系我),
    whether it called (上周是不是你们给我打过电话) or how often it calls (你们这样的电话一般
    多久打一次), with no refusal or exasperation in it: asked, not refused."""
    if has_words(tokens, _REFUSED):
        return False
    said = [t for t in tokens if t != ","]
    asked = said[-1:] in (["ma"], ["me"]) or has_words(tokens, py_words("会不会|打不打"))
    if asked and any(has_words(tokens[e : e + 4], _CALL) for _, e in find_words(tokens, _WILL)):
        return True
    if any(
        has_words(tokens[e : e + 6], py_words("打过|来过|联系过"))
        for _, e in find_words(tokens, _DID)
    ):
        return True
    return any(has_words(tokens[e : e + 3], _CALL) for _, e in find_words(tokens, _WHEN))


# the bank's staff or lines, whose not answering is no refusal (客服一直不接电话)
STAFF = py_words("客服|经理|专员|人工|热线|柜台|没人")
# the phone's own setting or calls missed (手机开了免打扰模式，所以没接到)
_SETTING = py_words("模式|功能")
_MISSED = py_words("没接到|没接着|漏接|没听到|没看到")


def phone_setting(tokens: Sequence[str], e: int) -> bool:
    """The standing word ending at ``e`` is the phone's own setting (免打扰模式), asked how
    to set (怎么设置免打扰), or calls missed are told (设了免打扰，所以刚才没接到): not a
    request to the bank."""
    return (
        has_words(tokens[e : e + 3], _SETTING)
        or has_words(tokens[max(0, e - 8) : e], _HOW_TO_SET)
        or has_words(tokens, _MISSED)
    )


_HOW_TO_SET = py_words("怎么设置|如何设置|怎么开|怎么弄|在哪设置|在哪里设置|怎样设置")
# an impostor or a fraud reported (冒充你们的, 诈骗短信): not the bank's calls
_IMPOSTOR_REPORTED = py_words("冒充|假冒|冒用|诈骗短信|诈骗信息|诈骗链接|诈骗网站|骗子")


def impostor_reported(tokens: Sequence[str]) -> bool:
    """An impostor or a fraud is what the complaint is about (我要举报一个诈骗短信，冒充你们的)."""
    return has_words(tokens, _IMPOSTOR_REPORTED)


def spam_elsewhere_told(tokens: Sequence[str], rules: ZhRules, negated: bool) -> bool:
    """Spam calls talked of as other people's (我手机老接到骚扰电话，你们能帮我查一下吗):
    received or the bank asked to help, no negation, and the bank's own calls not named."""
    if not has_words(tokens, rules.spam_topic) or negated:
        return False
    if has_words(
        tokens,
        py_words("你们打|你们老|你们一直|你们天天|你们总|你们再|你们的电话|你们电话|你们也|你也"),
    ):
        return False
    return any(
        not has_words(tokens[max(0, s - 5) : s], py_words("你们|你这|你"))
        for s, _ in find_words(tokens, rules.spam)
    )
