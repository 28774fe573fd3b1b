"""Grievances at the calls said without a prohibition, as the Chinese opt-out rules
(``scripts.optout_zh``) read them.

- a plea for mercy with the calls named (一天三个电话，放过我吧; 电话打得我头疼，饶了我吧),
  each call refused as it comes (你们的电话我看见一个挂一个), never to hear the bank again
  (以后别让我再听到你们这个开场白), the customer as gone (就当没我这个人), the bank
  blocked on the phone (把你们银行设成拦截了);
- the block told to outlast a new number (你们换号码打也没用，我不会接的);
- an account or card closed because of the calls (因为你们这电话，我这卡不想用了，销了算了).

A plea or a closure without the calls named (饶了我吧，我真不懂这些; 年费太贵，卡销了) is
not one. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_words import find_words, has_words, py_words

# the bank's calls received (打来, 打爆, 给我打, a count: 三个电话; not 电话 alone: 电话里说不清)
_CALLS = py_words(
    "来电|铃声|打爆|打来|打过来|打给我|打我|给我打|一天打|天天打|老打|个电话|通电话|次电话|"
    "你们的电话|你们这电话|你们电话|你们这个电话|银行的电话|银行电话|这种电话|这些电话|"
    "营销电话|推销电话"
)
# the customer's own calls (我打电话过去一个挂一个, 客服都不接)
_OWN_CALLS = py_words("我打|打过去|打给你们|给你们打|客服")
_PLEAS = py_words("放过我|饶了我|饶过我|放我一马|高抬贵手|求你们放过|饶命")
# each call refused as it comes (看见一个挂一个, 接一次挂一次)
_EACH_ONE = py_words(
    "一个挂一个|一次挂一次|一个拉黑一个|一个删一个|一个挂掉一个|一通挂一通|一回挂一回"
)
# never to hear the bank again (别让我再听到你们的声音)
_NEVER_HEAR = py_words(
    "别让我再听到|不要让我再听到|别再让我听到|不要再让我听到|别让我听到|再也不想听到|不想再听到"
)
_THE_BANK = py_words("你们|声音|开场白|这个号|铃声|电话")
# the customer as gone (就当没我这个人, 当我不存在)
_NO_SUCH_ME = py_words("当没我|当没有我|当我不存在|当我死了|当我是空号|当我没这个人")
# the bank blocked on the customer's phone (把你们设成拦截, 把你们屏蔽了)
_BLOCKED_YOU = py_words("把你们|把你们银行|把你们的号")
_BLOCKED = py_words("拦截|屏蔽|拉黑|黑名单")
_UNBLOCKED = py_words("放出来|解除|移出|拿出来|取消了|有事可以打")
# a new number the bank would call from, said to be of no use
_NEW_NUMBER = py_words("换号码|换个号|换号|换个号码|换个电话|换电话")
_CALLED_FROM = py_words("打|来|再打|拨|给我打")
_NO_USE = py_words("也没用|也白搭|也不接|也不会接|都没用|都不接")
# the bank's calls as the cause (因为你们这电话, 就因为你们老打)
_CAUSE_CALLS = py_words("电话|打|来电|骚扰")
# the cause named (因为, 就冲) and the account or card closed
_CAUSE = py_words("因为|就因为|就冲|冲着|为了你们这|被你们")
_CLOSED = py_words("销户|消户|销卡|换银行|换一家|换别家|换家银行")
# closing words that need the account named (这卡不想用了, 账户关了)
_DROPPED = py_words("注销|销了|销掉|不想用了|不用了|不要了|剪了|关了")
_ACCOUNT = py_words("卡|账户|账号")


def grievance(tokens: Sequence[str]) -> tuple[int, int] | None:
    """(start, end) of the grievance that makes the reply an opt-out, or None."""
    for s, e in find_words(tokens, _NEW_NUMBER):
        if has_words(tokens[e : e + 2], _CALLED_FROM) and has_words(tokens[e : e + 5], _NO_USE):
            return (s, e)  # 换号码打也没用: the calls from a new number
    for s, e in find_words(tokens, _NO_SUCH_ME):
        return (s, e)  # 就当没我这个人
    for s, e in find_words(tokens, _BLOCKED_YOU):
        if (
            has_words(tokens[e : e + 8], _BLOCKED)
            and not has_words(tokens[max(0, s - 3) : s], py_words("没|不是|没有|不会"))
            and not has_words(tokens[e:], _UNBLOCKED)
        ):
            return (s, e)  # 我手机里已经把你们银行设成拦截了
    for s, e in find_words(tokens, _NEVER_HEAR):
        if has_words(tokens[e : e + 6], _THE_BANK):
            return (s, e)  # 以后别让我再听到你们这个开场白
    if not has_words(tokens, _CALLS) or has_words(tokens, _OWN_CALLS):
        return None
    pleas = find_words(tokens, _PLEAS) or find_words(tokens, _EACH_ONE)
    if pleas:
        return pleas[0]
    for s, e in find_words(tokens, _CAUSE):
        cause = tokens[e : e + 8]
        if "," in cause:
            cause = cause[: cause.index(",")]
        if not has_words(cause, py_words("你们")) or not has_words(cause, _CAUSE_CALLS):
            continue
        rest = tokens[e : e + 20]
        if has_words(rest, _CLOSED) or (has_words(rest, _DROPPED) and has_words(rest, _ACCOUNT)):
            return (s, e)
    return None
