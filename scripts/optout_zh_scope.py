"""What narrows a Chinese reply about the calls to less than "never call again", as the
opt-out rules (``scripts.optout_zh``) read it.

- A when-clause scopes the negated call (开会的时候别打; 别老在我忙的时候打): at those times
  only, as 今天别打了 is today only.
- The manner of the call, not the call, is what is asked (以后早上别打那么早; 打电话能不能说
  慢点).
- A request denied (我没说以后不要打; 我不是不让你们打): the customer says it was not made.
- No need to call, as the matter is done already or the customer will go in person
  (不用打给我了，我已经在app上弄好了; 不用你们打，我自己会去网点办): this call's purpose,
  with no prohibition (别再打了，我自己去 still forbids) and no 以后.
- A threat conditioned on the caller not being the bank (不是的话我要报警; 要是骗子我就报警):
  said to an impostor, not to the bank's calls.
- Not narrowed: a call for a purpose forbidden again or for reminders (别再打电话提醒我积分了,
  别打电话提醒我了), as a series of calls is refused, unlike 不用打电话确认 (this call).
- A product or a reminder service unsubscribed (退订一个理财产品, 我要unsubscribe那个短信
  提醒), the calls not named.
- Calls that are someone else's or asked about with no refusal (外卖小哥打了三个电话; 前几天
  有个号码一直打给我，是你们银行吗; 我一天接三个诈骗电话，你们银行管不管) and another channel
  with no call named (app一天给我推送三条): the learned model is not asked then.

Each function returns the veto's name or ``False``/``None``. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_negation import zh_clauses, zh_negations
from scripts.optout_zh_others import unknown_caller_asked
from scripts.optout_zh_words import ZhRules, find_words, has_words, py_words

# a when-clause's end (开会的时候, 我忙的时候, 上班那会儿)
_WHEN = py_words("的时候|那会儿|那会")
# the manner after the call (打那么早, 打这么晚, 打太早)
_MANNER_AFTER = py_words("那么早|这么早|太早|那么晚|这么晚|太晚|那么勤|这么勤|那么频繁|这么频繁")
# how to talk on the call (说慢点, 大声点): asked of the caller, no call refused
_HOW_TO_TALK = py_words(
    "说慢点|慢点说|说慢一点|慢一点说|大声点|大声一点|声音大点|声音大一点|说清楚点|说清楚一点|"
    "讲慢点|慢点讲|说简单点|别说那么快|别那么快"
)
# a request denied by the one who would have made it (我没说不要打, 我不是不让你们打)
_DENIED_REQUEST = py_words(
    "没说|没有说|不是说|我不是不让|不是不让|并不是不让|我没让|没叫你们别|没让你们别|不是不要"
)


def when_scoped(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A negated call in a clause that a when-clause scopes: the when-clause before the
    negation (开会的时候别打) or between it and the call (别在我忙的时候打)."""
    for clause in zh_clauses(tokens):
        for s, e in zh_negations(clause, rules):
            if has_words(clause[:s], _WHEN):
                return True
            calls = [cs for cs, _ in find_words(clause[e:], py_words("打|联系|来电"))]
            if calls and has_words(clause[e : e + calls[0]], _WHEN):
                return True
    return False


def manner_asked(tokens: Sequence[str], rules: ZhRules) -> bool:
    """The call's time of day or pace is what is objected to (别打那么早), or how the caller
    talks is asked (打电话能不能说慢点): the calls themselves are not refused."""
    if has_words(tokens, _HOW_TO_TALK):
        return True
    for _s, e in zh_negations(tokens, rules):
        rest = tokens[e : e + 3]
        if "da" in rest:
            k = e + rest.index("da") + 1
            if any(ms == 0 for ms, _ in find_words(tokens[k : k + 3], _MANNER_AFTER)):
                return True
    return False


def request_denied(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A denial of the request comes right before a negation (我没说以后不要打, 我不是不让
    你们打)."""
    for _s, e in find_words(tokens, _DENIED_REQUEST):
        if tokens[e : e + 1] in (["le"], ["guo"], ["hao"]):
            continue  # 我不是说了吗，不要再打: a reminder of the request, not its denial
        rest = tokens[e : e + 6]
        if "," in rest:
            rest = rest[: rest.index(",")]
        if has_words(rest, rules.negations) or has_words(rest, py_words("让|打|接")):
            return True
    return False


def narrowed(tokens: Sequence[str], rules: ZhRules) -> bool:
    """A when-clause, the manner, a denial or a matter done narrows the reply to less than
    an opt-out."""
    return (
        when_scoped(tokens, rules)
        or manner_asked(tokens, rules)
        or request_denied(tokens, rules)
        or already_done(tokens, rules)
    )


# the matter done already (已经弄好了, 已经办完了)
_ALREADY = py_words("已经|早就|早都|都已经")
_DONE = py_words("好了|完了|办了|弄了|处理了|解决了|还了|还清了|搞定|交了|改了")
# the customer going in person (我自己去网点, 我自己会过去)
_IN_PERSON = py_words("我自己去|我自己会去|我自己过去|我自己到|我自己跑一趟")


def already_done(tokens: Sequence[str], rules: ZhRules) -> bool:
    """Every negation is "no need" (不用, 不必), none forbids, nothing lasting is said, and
    the matter is said done already or the customer will go in person."""
    negations = zh_negations(tokens, rules)
    if not negations or has_words(tokens, rules.lasting):
        return False
    if any(has_words(tokens[s:e], rules.prohibitions) for s, e in negations):
        return False
    return has_words(tokens, _IN_PERSON) or any(
        has_words(tokens[e : e + 8], _DONE) for _, e in find_words(tokens, _ALREADY)
    )


# a reminder service (短信提醒, 动账提醒): unsubscribed, no call refused
_SERVICES = py_words("提醒|短信提醒|动账提醒|通知服务|提醒服务|账单提醒")
_UNSUBSCRIBE = ({"tui", "ding"}, {"unsubscribe"})


def service_unsubscribed(tokens: Sequence[str], s: int, e: int, rules: ZhRules) -> bool:
    """The 退订 (unsubscribe) at ``s``-``e`` has a product or a reminder service for its
    object, and no marketing or call is named (退订短信 alone is the marketing texts)."""
    if set(tokens[s:e]) not in _UNSUBSCRIBE:
        return False
    if has_words(tokens, py_words("电话|营销|推销|来电|广告")):
        return False
    if has_words(tokens, _SERVICES):
        return True
    return has_words(tokens, rules.products) and not has_words(tokens, py_words("短信|通知"))


# the caller doubted (不是的话, 要是骗子) before a threat (报警, 举报)
_IF_NOT_THE_BANK = py_words(
    "不是的话|要不是的话|如果不是|要是不是|要是骗子|是骗子的话|如果是骗子|是诈骗的话|"
    "要是诈骗|如果是诈骗|假的话|是假的"
)


def threat_to_impostor(tokens: Sequence[str], s: int) -> bool:
    """The complaint word at ``s`` is conditioned on the caller being no bank (打电话的是你们
    银行的吗，不是的话我要报警了)."""
    return has_words(tokens[max(0, s - 8) : s], _IF_NOT_THE_BANK)


# callers who are not the bank (外卖, 快递, a relative)
_OTHER_CALLERS = py_words(
    "外卖|快递|小哥|司机|老婆|老公|爱人|儿子|女儿|闺女|我妈|我爸|老伴|朋友|同事|领导|房东|"
    "中介|诈骗|骗子"
)
_CALLED = py_words("打|电话|来电|推送")
# another channel than the calls (推送, 短信, 邮件) said with no call
_CHANNEL = py_words("推送|发短信|短信|邮件|发消息|广告短信")
_ANY_CALL = py_words("打|电话|来电|联系|骚扰|推销|营销|找我|call")


def not_the_banks_calls(tokens: Sequence[str], rules: ZhRules) -> bool:
    """Without a negation: calls told as someone else's (外卖小哥打了三个电话; 我老婆天天给
    我打电话), an unknown caller asked about (有个号码一直打给我，是你们银行吗), the
    customer's own call back (我回拨过去), or another channel with no call named (app一天给我
    推送三条)."""
    if zh_negations(tokens, rules):
        return False
    if not has_words(tokens, _ANY_CALL):
        return has_words(tokens, _CHANNEL)
    if unknown_caller_asked(tokens):
        return True
    if has_words(tokens, py_words("我回拨|我回过去|我打回去|我拨回去")):
        return True
    for s, e in find_words(tokens, _OTHER_CALLERS):
        before = tokens[max(0, s - 3) : s]
        if has_words(before, py_words("你们|你")) or "gei" in before:
            continue  # 你们给我老婆打: the bank's call to a relative
        if has_words(tokens[e : e + 6], _CALLED):
            return True
    return False


# a purpose that comes as a series of calls (the reminders themselves)
_RECURRING = py_words("提醒|通知|推销|推荐")


def recurring_purpose_forbidden(
    tokens: Sequence[str], s: int, e: int, ce: int, rules: ZhRules
) -> bool:
    """The negation at ``s``-``e`` forbids (别, 不要, not 不用) the call ending at ``ce`` for
    a purpose, and either says 再 (别再打电话提醒我) or the purpose recurs (提醒, 通知): the
    calls of that kind are refused, not one call whose purpose is done."""
    if not has_words(tokens[s:e], rules.prohibitions):
        return False
    return "zai" in tokens[s : e + 1] or has_words(tokens[ce : ce + 4], _RECURRING)
