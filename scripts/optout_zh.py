"""The opt-out rules of Chinese (``scripts.optout`` holds the matcher and the grammar phrases).

Chinese is compared in toneless pinyin syllables (``scripts.pinyin``), so the recogniser's
homophone errors (别在打了, 别大了, 来点话, 头诉, 扫扰, 删出) and traditional characters read
as what was meant; dialect and written negations (唔好, 覅, 咪再, 莫要, 勿, 表) are turned
into Mandarin first. Each match gives the rule and the words that made the reply an opt-out,
as ``scripts.optout.OptOutHit`` reads them; each negation rule that says a reply is *not*
one is added to ``vetoes`` (the learned model is not asked then). Pure, no I/O; the pinyin
table is loaded on first use.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_grievance import grievance
from scripts.optout_zh_idioms import idiom_da
from scripts.optout_zh_negation import clause_before, zh_clauses, zh_negations
from scripts.optout_zh_others import (
    STAFF,
    asked_about_calls,
    impostor_reported,
    not_the_bank,
    phone_setting,
    someone_else_calls,
    spam_elsewhere_told,
)
from scripts.optout_zh_removal import denied, not_complaining, removal
from scripts.optout_zh_repeated import repeated_calls
from scripts.optout_zh_scope import (
    narrowed,
    not_the_banks_calls,
    recurring_purpose_forbidden,
    service_unsubscribed,
    threat_to_impostor,
)
from scripts.optout_zh_slots import (
    fixed_line,
    other_channel,
    third_party_spared,
    time_slot,
    told_before,
)
from scripts.optout_zh_words import (
    COUNTS,
    DENIED_BA,
    DIALECT,
    DIALECT_ANY,
    EARLIER_COMPLAINT,
    GET_LOST,
    TALK_LATER,
    TELLING,
    THREATENED,
    VIOLATIONS,
    ZhRules,
    ZhWords,
    clause_gap,
    find_words,
    has_words,
    py_words,
    zh_rules,
    zh_tokens,
)

Found = tuple[str, str]  # (rule, words)


def _lasting(tokens: Sequence[str], rules: ZhRules) -> bool:
    for s, _e in find_words(tokens, rules.lasting):
        if (
            s > 0
            and tokens[s - 1] in rules.time_before_after
            and tokens[s] == "yi"
            and (tokens[s - 1] != "dian" or _clock(tokens, s - 1))
        ):
            continue  # 四点以后打: "after four" (not 回电以后: 电)
        if tokens[s] == "dou" and any(te == s for _, te in find_words(tokens, rules.temporary)):
            continue  # 这周都别打, 今天都不要打: 都 within the time said, not for ever
        return True
    return False


# the numerals before a clock's 点 (四点, 十二点, 几点; not 回电, 来电)
_NUMERALS = frozenset(
    ("yi", "er", "liang", "san", "si", "wu", "liu", "qi", "ba", "jiu", "shi", "ji")
)


def _clock(tokens: Sequence[str], i: int) -> bool:
    """The syllable dian at ``i`` is a clock's 点: a numeral before it."""
    return i > 0 and tokens[i - 1] in _NUMERALS


def _temporary(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A time scopes the request (今天别打了, 别这个点打) or invites a later call; not a time
    of the telling (我现在就跟你说清楚，别打了)."""
    for s, e in find_words(tokens, rules.temporary):
        if s > 0 and tokens[s - 1] in ("chu", "fa", "biao") and tokens[s:e] == ["xian", "zai"]:
            continue  # 出现在, 发现在: not 现在
        if has_words(tokens[e : e + 8], TELLING):
            continue  # 我今天把话说清楚: the time of the telling
        if tokens[s] == "xian" and tokens[e : e + 1] in (["shuo"], ["jiang"], ["nian"]):
            continue  # 你先别说了: this talk stopped, not a time scoping the calls
        if e >= len(tokens) or tokens[e] != "hua":  # 这个点 is not 这个电(话)
            return True
    for cs, e in find_words(tokens, rules.callback):
        if tokens[cs] == "dian" and not _clock(tokens, cs):
            continue  # 回电以后别打: 电, not a clock's 点
        # a later time followed by a call: 改天再打, 下班后再打, 中午打
        rest = tokens[e : e + 4]
        if "da" in rest or "lian" in rest or any(ts == 0 for ts, _ in find_words(rest, TALK_LATER)):
            return True  # also 晚点说, 回头再聊: the talk deferred
    return False


def _redirected(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A clause without a negation asks to be called elsewhere (别打座机，打我手机) or by
    someone else (别让机器人打，换个真人来)."""
    for clause in zh_clauses(tokens):
        if (
            (
                has_words(clause, rules.redirect)
                or _calls_elsewhere(clause, rules)
                or (
                    has_words(clause, rules.welcome)
                    and has_words(clause, py_words("打|联系|电话"))
                    and not has_words(
                        clause, py_words("我自己|我打|我去|我来")
                    )  # the customer's call
                )
                or any(
                    "ren" in clause[e : e + 3]
                    and clause[e : e + 1] != ["ying"]
                    and has_words(clause[e : e + 6], py_words("打|来|跟|说|联系|讲|给"))
                    for _, e in find_words(clause, py_words("换"))
                )
            )
            and not zh_negations(clause, rules)
            and "shao" not in clause
        ):
            return True
    return _redirected_unbroken(tokens, rules)


def _redirected_unbroken(tokens: Sequence[str], rules: ZhRules) -> bool:
    """The same when the recogniser left the comma out (别给我打办公室电话打手机): a 打
    outside every negation's reach followed by another line or person."""
    negations = zh_negations(tokens, rules)
    if not negations or has_words(tokens, rules.reproach) or _lasting(tokens, rules):
        return False
    for i, t in enumerate(tokens):
        reached = [e for _, e in negations if 0 <= i - e <= 3]
        if t != "da" or any(
            not {"zhao", "da", "le"} & set(tokens[e:i]) for e in reached
        ):  # 别给我打: the negated call (not 别找我打她, 别打座机打手机, 别寄信了打电话)
            continue
        if any(s <= i < e for s, e in negations) or "shao" in tokens[max(0, i - 2) : i]:
            continue
        after = tokens[i + 1 : i + 6]
        if has_words(after[: after.index(",")] if "," in after else after, rules.other_line):
            return True
    return False


def _calls_elsewhere(clause: Sequence[str], rules: ZhRules) -> bool:
    """打 with another line or person a few words on (打她电话, 打我办公室座机), not
    reproached (打我手机干嘛)."""
    if any(
        clause[rs:re_] != ["you"] or clause[re_ : re_ + 1] in (["da"], ["lai"])
        for rs, re_ in find_words(clause, rules.reproach)
    ):
        return False  # (you as 又 only before the call: 有事打我爱人电话 is no reproach)
    return any(
        tokens_after and has_words(tokens_after, rules.other_line)
        for tokens_after in (clause[i + 1 : i + 6] for i, t in enumerate(clause) if t == "da")
    )


# the words allowed between a negation and the call it governs (不要再给我打)
_TO_THE_CALL = frozenset(("zai", "gei", "wo", "lai", "hai", "ye", "dou", "wang", "zhe", "li"))


def _negated_enough(tokens: Sequence[str], e: int, cs: int, ce: int, rules: ZhRules) -> bool:
    """就行 closes the negated call itself (不要再打我电话就行了: not calling is all that is
    asked), not a second call that is welcome (别发短信打电话就行, 别打座机打手机就行)."""
    if not set(tokens[e:cs]) <= _TO_THE_CALL:
        return False
    welcome = find_words(tokens[ce:], rules.welcome)
    return bool(welcome) and "da" not in tokens[ce : ce + welcome[0][0]]


def _prohibited_call(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A call to the customer is forbidden in so many words (你们别打过来了, 不要再打我电话),
    which "I will call you myself" does not undo."""
    for s, e in zh_negations(tokens, rules):
        if has_words(tokens[s:e], rules.prohibitions) and any(
            clause_gap(tokens, e, cs, 3) for cs, _ in find_words(tokens, rules.to_customer)
        ):
            return True
    return False


def _stop_clause(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A clause of its own forbids calling again (我这个月接了四个了，不要再打了) and no later
    call is asked for: a time said in another clause does not scope it."""
    if has_words(tokens, rules.callback):
        return False
    clauses = zh_clauses(tokens)
    if len(clauses) < 2:
        return False
    for clause in clauses:
        if _temporary(clause, rules):
            continue
        for s, e in zh_negations(clause, rules):
            if (
                "zai" in clause[s:e]
                and has_words(clause[s:e], rules.prohibitions)
                and any(clause_gap(clause, e, cs, 4) for cs, _ in find_words(clause, rules.calls))
            ):
                return True
    return False


def _topic_call(tokens: Sequence[str], rules: ZhRules) -> str | None:
    """The call named first as the clause's topic and forbidden to come after it, with no
    call verb of its own (这种电话以后一个都别给我来, 你们的电话别再来了)."""
    for clause in zh_clauses(tokens):
        for s, e in zh_negations(clause, rules):
            if not has_words(clause[s:e], rules.prohibitions) or not has_words(
                clause[:s], py_words("电话|来电")
            ):
                continue
            rest = clause[e : e + 4]
            if "lai" in rest and not has_words(rest, py_words("来说|来讲|来办|来看|来找|来问")):
                return " ".join(clause[s : e + rest.index("lai") + 1])
    return None


# 回 as someone else's call only as 回电, 回打, 回拨, 回访 or ending the window
_CALL_BACK_AFTER: tuple[list[str], ...] = (["dian"], ["da"], ["bo"], ["fang"], [])
# 一会, 等会, 消停会: the syllable hui as 会 (a while)
_HUI_AS_WHILE: tuple[list[str], ...] = (["yi"], ["deng"], ["ting"])
# other numbers counted after a standing word (拉黑了好几个, 屏蔽了很多)
COUNTED = py_words("好几|很多|一堆|不少|好多|那些|几个|几家")


def _someone_else_before(tokens: Sequence[str], s: int, rules: ZhRules) -> bool:
    """Someone else named right before the negation in its clause (经理不用给我打了); 回
    only as 回电/回拨/回访, as its syllable is also 会 (我自己会去, 机会)."""
    window = list(tokens[max(0, s - 3) : s])
    if "," in window:
        window = window[len(window) - window[::-1].index(",") :]
    for ws, we in find_words(window, rules.someone_else):
        if window[ws:we] == ["hui"] and (
            window[we : we + 1] not in _CALL_BACK_AFTER or window[ws - 1 : ws] in _HUI_AS_WHILE
        ):
            continue  # 消停会别打了, 等会: 会 (a while), not 回
        return True
    return False


def _other_topic(tokens: Sequence[str], rules: ZhRules) -> bool:
    """Something other than the calls is talked of (收费, 柜员, 积分); not a place where the
    complaint is made (去网点投诉, 到营业厅投诉你们, 去银行柜台当面投诉)."""
    return any(
        not (
            {"qu", "dao"} & set(tokens[max(0, s - 3) : s])  # 去银行柜台当面投诉
            and has_words(tokens[e : e + 4], rules.complaints)
        )
        for s, e in find_words(tokens, rules.other_topics)
    )


def zh_match(text: str, phrases: ZhWords, vetoes: list[str]) -> Found | None:
    """The rule that makes ``text`` an opt-out; each negation rule that says it is not one
    is added to ``vetoes`` (the learned model is not asked then). ``phrases``: the
    script's own, as ``zh_words`` of their pinyin."""
    rules = zh_rules()
    if DIALECT_ANY.search(text):  # without one, no replace below changes the text
        for a, b in DIALECT:
            text = text.replace(a, b)
    tokens = zh_tokens(text)
    if not tokens:
        return None
    if not_the_bank(tokens):
        vetoes.append("someone_else")
        return None  # 我说的是那些贷款的电话别打了，不是说你们
    denied_words: set[tuple[str, ...]] = set()
    for s, e in find_words(tokens, rules.complaints):
        word = tuple(tokens[s:e])
        if word == ("xiao", "bao") and tokens[s - 1 : s] == ["tui"]:
            continue  # 推销保险: 销保 is no 消保
        if (
            denied(tokens, s, rules.not_before_word)
            or denied(tokens, s, rules.not_asked)  # 我不是要投诉，就问问
            or word in denied_words  # 我没有投诉过，怎么说我投诉了: the denied word repeated
            or (word in VIOLATIONS and s > 0 and tokens[s - 1] in ("bu", "mei"))
            or not_complaining(tokens, s, e)
        ):
            vetoes.append("denied")
            denied_words.add(word)
            continue  # 我不会投诉的
        if (
            has_words(tokens[max(0, s - 4) : s], py_words("上次|上回|之前|那次"))
            or has_words(tokens[e:], EARLIER_COMPLAINT)
            or tokens[e : e + 2] in (["de", "shi"], ["de", "wen"])  # 我投诉的事, 的问题
        ) and not has_words(tokens, rules.calls_to_me):
            vetoes.append("earlier_complaint")
            continue  # 我上回的投诉到现在没回复
        if (impostor_reported(tokens) or threat_to_impostor(tokens, s)) and not has_words(
            tokens, rules.calls_to_me
        ):
            vetoes.append("other_topic")
            continue  # 我要举报一个诈骗短信，冒充你们的: an impostor, not the bank
        if word in VIOLATIONS and not has_words(clause_before(tokens, s), rules.calls):
            vetoes.append("other_topic")
            continue  # 这个违法吗: unlawful, but not said of the calls
        if _other_topic(tokens, rules) and not has_words(tokens, rules.calls_to_me):
            vetoes.append("other_topic")
            break  # 我要投诉这个收费: a complaint about something else
        return ("complaint", " ".join(tokens[s:e]))
    if any(
        (
            tokens[e : e + 1] == ["tai"]
            or tokens[e : e + 2] in (["na", "me"], ["zhe", "me"], ["da", "tai"])
        )
        and ("da" in tokens[e : e + 5] or tokens[e + 2 : e + 3] in (["zao"], ["wan"]))
        for _, e in find_words(tokens, rules.negations)
    ):  # also 你们打电话能不能别这么早: the call named before
        vetoes.append("manner")  # 别太早打: how to call (a rule may still read a request)
    dare = find_words(
        tokens,
        py_words(
            "再打|还打|再来电|再这么打|再这样打|还这么打|还这样打|这样打下去|这么打下去|"
            "再接一次|再接到|再让我接到|再让我听到"  # 这种电话再接一次我就把卡注销
        ),
    )
    if any(has_words(tokens[e : e + 5], py_words("试试|试一下|试一试")) for _, e in dare):
        return ("standing_word", "zai da shi shi")  # 再打一个试试: a dare, not an invitation
    for _, e in dare:
        then = find_words(
            tokens[e : e + 8], py_words("我就|我可就|我真就|就别怪|我直接|我马上|我立马")
        )
        if then and has_words(tokens[e + then[0][1] : e + then[0][1] + 8], THREATENED):
            return ("standing_word", "zai da wo jiu")  # 再打一个我就去银行门口闹: a threat
    repeated = repeated_calls(tokens, rules)
    if repeated is not None:
        return ("repeated_calls", " ".join(tokens[repeated[0] : repeated[1]]))
    pleaded = grievance(tokens)
    if pleaded is not None:
        return ("standing_word", " ".join(tokens[pleaded[0] : pleaded[1]]))
    for s, e in find_words(tokens, rules.cancels):
        for ms, me in find_words(tokens, rules.marketing):
            if clause_gap(tokens, e, ms, 6) or 0 <= s - me <= 6:
                return ("standing_word", " ".join(tokens[min(s, ms) : max(e, me)]))
    spam_elsewhere = has_words(tokens, rules.spam_topic) and spam_elsewhere_told(
        tokens, rules, bool(zh_negations(tokens, rules))
    )
    for s, e in find_words(tokens, rules.standing):
        if (
            has_words(tokens[max(0, s - 5) : s], rules.counterfactual)
            or has_words(
                tokens[e : e + 10], py_words("还以为|以为")
            )  # 骚扰电话太多，我还以为你也是
            or denied(tokens, s, rules.not_before_word)
            or denied(tokens, s, rules.not_asked)  # 我没说要拉黑你们
            or has_words(clause_before(tokens, s)[-6:], DENIED_BA)  # 我没把你们拉黑啊
            or has_words(tokens[e : e + 10], rules.reversal)
            or has_words(tokens[e : e + 10], py_words("不是你们|不是你|不是说你们|不是说你"))
            or has_words(tokens[e:], py_words("你们不是吧|你不是吧|你们不会也是|你不会也是"))
        ):
            vetoes.append("counterfactual")
            continue  # 本来想拉黑你们的; 这不算骚扰; 拉黑过，后来放出来了
        counted = tokens[e + 1 : e + 4]
        if tokens[e : e + 1] == ["le"] and (
            find_words(counted, COUNTED)[:1] == [(0, 2)]
            or (counted[:1] and counted[0] in COUNTS and counted[1:2] in (["ge"], ["jia"]))
        ):
            vetoes.append("other_topic")
            continue  # 我拉黑了好几个推销号码: other numbers counted, not the bank's
        if spam_elsewhere or someone_else_calls(tokens, s) or phone_setting(tokens, e):
            vetoes.append("other_topic")
            continue  # 我老接到骚扰电话; 我儿子天天打电话给我要钱; 手机开了免打扰模式
        if tokens[e - 1] == "da" and tokens[e : e + 2] in (["bu", "tong"], ["bu", "jin"]):
            vetoes.append("customer_calls")
            continue  # 客服电话老是打不通: the customer's calls failing
        if service_unsubscribed(tokens, s, e, rules):
            vetoes.append("other_topic")
            continue  # 退订一个理财产品, 退订短信提醒: a product or service, not the calls
        return ("standing_word", " ".join(tokens[s:e]))
    for s, e in find_words(tokens, GET_LOST):
        if has_words(tokens, rules.call_nouns):
            return ("standing_word", " ".join(tokens[s:e]))  # 打电话推销的都给我滚
    for s, e in find_words(tokens, rules.no_marketing):
        window = tokens[max(0, s - 6) : s]
        if has_words(window, py_words("不需要|不要|不接受|不用")) and "," not in window:
            return ("no_calls_wanted", " ".join(tokens[max(0, s - 6) : e]))
    removed = removal(tokens, rules, vetoes)
    if removed is not None:
        return removed
    lasting = _lasting(tokens, rules)  # both read several times below: each once
    timed = _temporary(tokens, rules)
    if not lasting:
        for _s, e in find_words(tokens, rules.concession):
            if has_words(tokens[e : e + 3], py_words("说|讲|继续")) or has_words(
                tokens[e : e + 8], py_words("听听|听一下|想听|可以听|了解一下")
            ):
                vetoes.append("concession")
                return None  # 我一般不接推销的，但你说吧: the call goes on
    temporary = timed and not lasting and not _stop_clause(tokens, rules)
    if (
        temporary
        or _redirected(tokens, rules)
        or third_party_spared(tokens, rules)
        or time_slot(tokens, rules)
        or narrowed(tokens, rules)  # 开会的时候别打, 别打那么早, 我没说以后不要打
    ):
        vetoes.append("temporary" if temporary else "redirected")
        return None
    if (
        has_words(tokens, rules.invitation)
        and not has_words(tokens, rules.threat)
        and not zh_negations(tokens, rules)
        and not has_words(tokens, rules.unwanted)
        and not has_words(tokens, py_words("老是|总是|天天|一直|干嘛|为什么"))
    ):
        vetoes.append("welcome")
        return None  # 以后有好的理财你们再打给我: a call asked for
    if (
        has_words(tokens, rules.customer_will_call)
        and not lasting
        and not _prohibited_call(tokens, rules)
    ):
        vetoes.append("customer_calls")
        return None  # 不用你们打，我自己打过去问 (not 我自己打给你们，你们别打过来)
    reach = 10 if lasting else 6
    if told_before(tokens, rules):
        vetoes.append("past")
        return None  # 我上次说不要再打了是因为在忙: an earlier request explained away
    for s, e in zh_negations(tokens, rules):
        if (
            s > 0
            and tokens[s - 1] == "wo"
            and tokens[s:e][:2] in (["bu", "yong"], ["bu", "xu"])
            and not (  # 我不需要你们任何电话: the bank's calls as a noun (not 你们打电话)
                tokens[e : e + 2] == ["ni", "men"]
                and tokens[e + 2 : e + 3] in (["de"], ["ren"], ["zhe"], ["na"], ["dian"])
            )
        ):
            vetoes.append("customer_calls")
            continue  # 我不用再打电话: the customer need not call
        if _someone_else_before(tokens, s, rules):
            vetoes.append("someone_else")
            continue  # 经理不用给我打了
        if has_words(tokens[e : e + 2], rules.partial):
            vetoes.append("partial")
            continue  # 不用每次都打电话: not every call
        if (
            tokens[max(0, s - 2) : s] == ["le", "jiu"]
            and not lasting
            and not has_words(tokens[s:e], rules.prohibitions)
        ):
            vetoes.append("conditional")
            continue  # 钱到账了就不用再打了: no need once it is done
        for cs, ce in find_words(tokens, rules.calls):
            if not clause_gap(tokens, e, cs, reach):
                continue
            if "gua" in tokens[e:cs]:
                continue  # 别挂(我)电话: hanging up, not calling
            if tokens[cs:ce] == ["hui", "fang"] and not lasting:
                continue  # 不用回访了: this matter's follow-up call (以后都不要回访了 is all)
            if has_words(tokens[ce : ce + 7], py_words("经理|专员|客服")):
                vetoes.append("someone_else")
                continue  # 不用联系我的客户经理: someone else is to be called
            if has_words(tokens[ce : ce + 5], rules.customer_calls):
                vetoes.append("customer_calls")
                continue  # 打电话给你们: the customer calling the bank
            if (
                has_words(tokens[ce : ce + 4], rules.purpose)
                and not lasting
                and not recurring_purpose_forbidden(tokens, s, e, ce, rules)
            ):
                vetoes.append("one_purpose")
                continue  # 不用给我打电话确认: this call's purpose is done
            if (
                not has_words(tokens[s:e], rules.prohibitions)
                and has_words(tokens[ce : ce + 5], py_words("说|讲"))
                and not lasting
            ):
                vetoes.append("one_purpose")
                continue  # 不用打过来再说一遍了: no need to call to tell it (not 别打来说)
            if has_words(tokens[cs : cs + 6], rules.welcome) and not _negated_enough(
                tokens, e, cs, ce, rules
            ):
                vetoes.append("welcome")
                continue  # 别发短信，打电话就行: the call is welcome
            if tokens[cs : cs + 2] == ["da", "rao"] and has_words(
                tokens[cs + 2 : cs + 5], rules.disturbed_other
            ):
                vetoes.append("disturbed_other")
                continue  # 别打扰我女儿, 不要打扰我开会
            if tokens[cs:ce] == ["tui", "xiao"] and not (
                lasting or has_words(tokens, py_words("电话|打"))
            ):
                continue  # 别推销了: stop this pitch, not the calls
            if tokens[cs:ce] == ["da"] and ce < len(tokens) and tokens[ce] in rules.not_after_call:
                continue
            if tokens[cs:ce] == ["da"] and not lasting and fixed_line(tokens, ce):
                vetoes.append("redirected")
                continue  # 你别打我座机，座机没人: that line, not every call
            if tokens[cs:ce] == ["da"] and idiom_da(tokens, cs):
                vetoes.append("idiom")
                continue  # 别打我卡的主意, 别给我打折了: no call
            gap = tokens[e:cs]
            if (
                has_words(gap, rules.someone_else)
                or (cs > 0 and tokens[cs - 1] == "hui")
                or tokens[ce : ce + 1] == ["hui"]
            ):
                vetoes.append("someone_else")
                continue  # 不用经理给我打电话, 不用给我回电话
            return ("negated_call", " ".join(tokens[s:ce]))
    topic = _topic_call(tokens, rules)
    if topic is not None:
        return ("negated_call", topic)
    if lasting and not timed:
        # 以后不打, 以后少打我电话: "from now on" makes it a request (not 打不打, an A-not-A)
        for s, e in find_words(tokens, rules.bare):
            if e < len(tokens) and tokens[e] in rules.not_after_call:
                continue
            if s > 0 and tokens[s - 1] == tokens[e - 1]:
                continue
            if (s > 0 and tokens[s - 1] == "wo") or has_words(
                tokens[e : e + 3], py_words("你们|客服")
            ):
                vetoes.append("customer_calls")
                continue  # 我以后不打你们客服了
            return ("negated_call", " ".join(tokens[s:e]))
    for s, e in find_words(tokens, rules.unwanted):
        if tokens[max(0, s - 2) : s] in (["bu", "shi"], ["mei", "you"]) or has_words(
            tokens[max(0, s - 5) : s], py_words("没说|不是说|没有说")
        ):
            vetoes.append("double_negation")
            continue  # 我不是不接你们电话
        if tokens[e : e + 1] == ["ting"] and tokens[e + 1 : e + 2] != ["dao"]:
            vetoes.append("listening")
            continue  # 不想听经理推销: the pitch heard now, not the calls (不想再听到 is)
        if has_words(clause_before(tokens, s)[-4:], STAFF):
            vetoes.append("someone_else")
            continue  # 你们客服一直不接电话: the staff's answering, not the calls
        if has_words(tokens[e : e + 6], py_words("的时候")) and not lasting:
            vetoes.append("conditional")
            continue  # 我不想被打扰的时候会关机的: a when-clause
        if has_words(tokens[max(0, s - 4) : s], rules.habitual) and not lasting:
            vetoes.append("habit")
            continue  # 我一般不接这种电话: a habit told
        if has_words(tokens[max(0, s - 5) : s], rules.past) and has_words(
            tokens[e : e + 6], py_words("了|过")
        ):
            vetoes.append("past")
            continue  # 我上次拒接了你们电话
        for cs, ce in find_words(tokens, rules.call_nouns):
            if tokens[max(0, cs - 2) : cs] == ["mo", "sheng"]:
                continue  # 我不接陌生电话
            if clause_gap(tokens, e, cs, 10) and not (cs > 0 and tokens[cs - 1] == "hui"):
                return ("no_calls_wanted", " ".join(tokens[s:ce]))
    for cs, ce in find_words(tokens, rules.call_nouns):
        for s, e in find_words(tokens, rules.refusals_after):
            if clause_gap(tokens, ce, s, 4) and tokens[cs:ce] != ["da"]:
                return ("no_calls_wanted", " ".join(tokens[cs:e]))
    for s, e in find_words(tokens, phrases):
        return ("phrase", " ".join(tokens[s:e]))
    if other_channel(tokens, rules):
        vetoes.append("other_channel")  # 以后不要给我寄广告了: mail, not calls
    if asked_about_calls(tokens) and not zh_negations(tokens, rules):
        vetoes.append("question")  # 你们以后还会打过来吗: asked, not refused
    if not_the_banks_calls(tokens, rules):
        vetoes.append("someone_else")  # 外卖小哥打了三个电话我都没接到
    return None
