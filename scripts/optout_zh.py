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

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scripts.pinyin import pinyin_table, pinyin_tokens

Found = tuple[str, str]  # (rule, words)

# -- Chinese: toneless pinyin tokens ---------------------------------------------------


zh_tokens = _tokens = pinyin_tokens


class ZhWords(tuple[tuple[str, ...], ...]):
    """Alternatives as pinyin token tuples, with their index by first syllable."""

    first: Mapping[str, tuple[tuple[str, ...], ...]]


def zh_words(alternatives: Iterable[tuple[str, ...]]) -> ZhWords:
    """``alternatives`` (pinyin token tuples) with their index by first syllable."""
    words = ZhWords(alternatives)
    index: dict[str, list[tuple[str, ...]]] = {}
    for w in words:
        if w:
            index.setdefault(w[0], []).append(w)
    words.first = {k: tuple(v) for k, v in index.items()}
    return words


@functools.lru_cache(maxsize=256)
def _py(words: str) -> ZhWords:
    """``"不要|别"`` -> the alternatives as pinyin token tuples (the rules' words: converted
    once)."""
    return zh_words(tuple(_tokens(w)) for w in words.split("|") if w)


@dataclass(frozen=True)
class _ZhRules:
    negations: ZhWords
    calls: ZhWords
    not_after_call: frozenset[str]  # 打断, 打算 ...: the syllable after a bare 打
    unwanted: ZhWords
    call_nouns: ZhWords
    refusals_after: ZhWords
    removals: ZhWords
    numbers: ZhWords
    standing: ZhWords
    cancels: ZhWords  # 取消 ... 营销: unsubscribing
    marketing: ZhWords
    other_topics: ZhWords  # a complaint about fees or staff is no opt-out
    calls_to_me: ZhWords  # ... unless it names the calls (一直打, 骚扰)
    customer_calls: ZhWords  # 我不用再打电话给你们: the customer calling
    welcome: ZhWords  # 打电话就行
    redirect: ZhWords  # 别打座机，打我手机: another number, not no calls
    other_line: ZhWords  # 打她电话, 打我办公室座机: a call elsewhere
    reproach: ZhWords  # 打我手机干嘛: a call reproached, not redirected
    counterfactual: ZhWords  # 本来想拉黑: a standing word not meant
    concession: ZhWords  # 我一般不接推销的，但你说吧
    purpose: ZhWords  # 不用打电话确认: this one call, not all calls
    disturbed_other: ZhWords  # 别打扰我女儿, 别打扰我开会: not the calls
    complaints: ZhWords
    someone_else: ZhWords
    callback: ZhWords
    temporary: ZhWords
    lasting: ZhWords
    time_before_after: frozenset[str]  # 四点以后: 以后 means "after", not "from now on"
    not_negation_before: frozenset[str]  # 特别, 区别, 要不要
    not_negation_after: frozenset[str]  # 别人, 别的, 别是 (maybe), 不要紧
    bare: ZhWords  # 不打, 少打: a request only with a lasting word
    repeated: ZhWords  # 有完没完, 第几次了: exasperation at the calls
    not_before_word: ZhWords  # 不算骚扰, 不会投诉, 别删: the word denied
    reversal: ZhWords  # 拉黑过，后来又放出来了
    products: ZhWords  # 退订理财产品: a product, not the calls
    old: ZhWords  # 旧的号码删了，留新的: a number replaced
    no_marketing: ZhWords  # 不需要你们的电话营销
    habitual: ZhWords  # 我一般不接这种电话: a habit told, not a request
    past: ZhWords  # 上次拒接了: a refusal told, not made
    customer_will_call: ZhWords  # 我自己打过去
    invitation: ZhWords  # 有好的理财再打给我: a call asked for
    threat: ZhWords  # 再打过来试试: not an invitation
    spam: ZhWords  # 骚扰电话 as other people's calls: the bank asked to help, or received
    spam_topic: ZhWords
    relatives: ZhWords
    to_me: ZhWords  # 有事找我: a relative spared, the customer reachable
    kept: ZhWords  # 留新的, 留我的, 以后打这个: another number kept after a removal
    not_asked: ZhWords  # 不是要删: the removal denied
    prohibitions: ZhWords  # 别, 不要: forbidding, not "no need" (不用)
    to_customer: ZhWords  # 打过来, 给我打: a call to the customer
    partial: ZhWords  # 不用每次都打: not every call


@functools.lru_cache(maxsize=1)
def _zh() -> _ZhRules:
    return _ZhRules(
        negations=_py(
            "不要再|别再|不用再|莫再|不要|别|莫打|莫给|不用|不许|不准|不必|甭|停止|不再|不能再|用不着|"
            "没必要|不需要再|不需要|不想再|少给我|少来|不允许|不可以再|不要老|别老|别总|"
            "拜托别|求你们别|请勿再"
        ),
        calls=_py(
            "打电话|打过来|打来|打给|打扰|来电话|来电|电话|打|联系|联络|拨打|拨|呼叫|推销|"
            "致电|通知|找我|骚扰|来烦|烦我|打搅|出现在|回访"
        ),
        not_after_call=frozenset(
            pinyin_table()[ord(c)] for c in "断算开印车字工卡听针包理扮球架扫招发击的岔错通声"
        ),
        unwanted=_py(
            "不要再听到|不想再听到|不想再|不想|不愿意|不愿|不希望|拒绝|不接受|谢绝|拒接|不接|不欢迎"
        ),
        call_nouns=_py("电话|来电|推销|营销|打|联系"),
        refusals_after=_py("拒绝|谢绝|拒接|不接|不要|不想再接|不想接|不再接|不会再接"),
        removals=_py("删除|删掉|删|去掉|去除|注销|移除|拿掉|撤掉|抹掉|划掉|拿出去|清掉|清空|销毁"),
        numbers=_py("号码|号|名单|名字|信息|资料|联系方式|手机号|电话号|电话"),
        standing=_py(
            "退订|黑名单|拉黑|免打扰|勿扰|免扰|屏蔽|骚扰|拒绝营销|再打一次试试|再打试试|天天打|老是打|"
            "总是打|一天到晚打|天天来电|取消订阅|退订电话|电话退订"
        ),
        cancels=_py("取消|退掉|关掉|关闭|停掉"),
        marketing=_py("营销|推销|广告电话|营销电话|推销电话"),
        other_topics=_py(
            "手续费|收费|费用|年费|利息|服务态度|态度|网点|柜台|柜员|员工|卡被|冻结|"
            "扣款|扣钱|扣费|转账|到账|系统|账户|这个收费|卡|锁|柜员|排队|app|客服|打不通|占线|"
            "积分|规则|产品|利率|额度|钱|扣错|经理|网银|故障|营业厅|保险|开通"
        ),
        calls_to_me=_py(
            "给我打|打给我|打我|再打|又打|一直打|老打|总打|天天打|打过来|打来|来电|骚扰|推销|"
            "营销|这种电话|这些电话|联系我|找我|烦我|打扰"
        ),
        customer_calls=_py("给你们|给你|给银行"),
        welcome=_py("就行|就可以|就好|没问题"),
        redirect=_py(
            "打我手机|打手机|打我的手机|打我这个就行|打这个号就行|打这个就行|打座机|打我老婆的|"
            "打我老公的|打这个新号|加我微信|换个人打|换人打|让别人打|别人打|其他人打|换个人联系|"
            "电话里办|电话里说|电话里讲|电话上办|电话办就行"
        ),
        other_line=_py(
            "座机|手机|办公室|单位|公司|家里|爱人|老婆|老公|她|他|新号|新的号|儿子|女儿|这个号|"
            "通知我|告诉我|跟我说"
        ),
        reproach=_py("干嘛|干什么|做什么|为什么|怎么|又|老是|总是|天天|一直"),
        counterfactual=_py("本来|原本|差点|本想|还以为|以为"),
        concession=_py("但是你|但你|不过你|可是你|但是|不过|可是"),
        purpose=_py("确认|核实|提醒|回访|告诉我"),
        disturbed_other=_py(
            "女儿|儿子|老婆|老公|妈|爸|家人|孩子|开会|睡觉|工作|上班|吃饭|开车|休息|做事"
        ),
        complaints=_py(
            "投诉|投述|举报|告你们|上诉|起诉|12378|12363|12315|消保|消协|消费者协会|监管|银保监|金管局|报警|曝光|"
            "违法|犯法|违规"
        ),
        someone_else=_py("经理|专员|人工|客服|回"),
        callback=_py(
            "改天|下周|下个礼拜|下礼拜|下星期|下个星期|过几天|过两天|明天|晚点|回头|过会|下次|下班|晚上|中午|下午|上午|周末|点前|点后|点以后|点钟|"
            "下个月|月底|月初|周一|周二|周三|周四|周五|周六|周日|周天|星期一|星期二|星期三|星期四|"
            "星期五|星期六|星期天|星期日|礼拜一|礼拜二|礼拜三|礼拜四|礼拜五|礼拜六|礼拜天|礼拜日|"
            "工作日|节假日"
        ),
        temporary=_py(
            "今天|现在|这会|这个点|上班时间|这两天|这几天|这周|今晚|这段时间|这阵子|"
            "这个时间|白天|上班|这个时候|这时候|午休|等下|等会|先别|先不用|先不要|暂时|等我|"
            "这个月|本月|这礼拜|这星期"
        ),
        lasting=_py(
            "以后|再也|永远|任何|一律|今后|从此|往后|都别|都不要|都不用|什么都|哪天都|一辈子|所有|"
            "从现在开始|从现在起|从今天开始|从今天起"
        ),
        time_before_after=frozenset(pinyin_table()[ord(c)] for c in "点时班饭会"),
        not_negation_before=frozenset(pinyin_table()[ord(c)] for c in "特区分级告要用"),
        not_negation_after=frozenset(pinyin_table()[ord(c)] for c in "人的家处紧谢客是"),
        bare=_py("不打|少打|不再打|不用打|不再联系|不要联系"),
        repeated=_py(
            "有完没完|没完没了|第几次|第几遍|第几回|一天打|一天到晚|三天两头|让不让人|"
            "打好几|打了好几|打了几|打了三|打了四|打了五|打了六|打了七|打了八|打了九|打了两|打了十|"
            "是不是有病"
        ),
        not_before_word=_py("不算|不是|不会|没想|没想要|不想|没有|没打算|不打算|不至于"),
        reversal=_py("放出来|解除|移出|拿出来|取消了"),
        products=_py("理财|产品|基金|保险|会员|套餐|业务|存款"),
        old=_py("旧|以前的|原来的|之前的|老的|不用的"),
        no_marketing=_py(
            "电话营销|营销电话|推销电话|电话推销|营销来电|广告电话|营销短信和电话|电销"
        ),
        habitual=_py("一般|平时|通常|平常"),
        past=_py("上次|刚才|之前|那天|昨天|前几天|前天"),
        invitation=_py(
            "再打给我|再打我电话|再打电话|打给我|记得打|记得早|记得晚|记得提前|记得说|再联系我|再打过来|给我打个|给我打一个|"
            "电话也可以|电话也行|电话可以打"
        ),
        threat=_py("试试|试一下|就|敢"),
        customer_will_call=_py(
            "我自己打|我打过去|我自己联系|我打给你们|我会打给你们|我再打给你们|我主动联系|我联系你们"
        ),
        spam=_py("骚扰电话|诈骗电话|垃圾电话|推销电话|广告电话"),
        spam_topic=_py(
            "帮我|帮忙|管不管|管管|有没有办法|怎么办|怎么拦|拦截|接到|收到|好多|太多|很多|特别多|"
            "老接|总接|经常接"
        ),
        relatives=_py("老婆|老公|爸|妈|儿子|女儿|家人|父母|爱人|孩子|他|她"),
        to_me=_py("找我|跟我说|打我手机|打给我|联系我|打我这个|打我电话|我来办|我来处理|我处理"),
        kept=_py("新|留|打这个|用这个|这个号|找我|打我的|打给我|打我这个|打我这|用我的"),
        not_asked=_py("不是要|不是说要|没说要|不是让你|没让你|没叫你"),
        prohibitions=_py("别|不要|不许|不准|莫|甭|请勿|停止|不能再|不可以再|少给我"),
        to_customer=_py("打过来|打来|给我打|打给我|打我|联系我|找我|来电|来电话|电话给我"),
        partial=_py("每次|每回|每一次|次次"),
    )


def _find(tokens: Sequence[str], words: ZhWords) -> list[tuple[int, int]]:
    """(start, end) of every occurrence of any of ``words`` in ``tokens``."""
    index = words.first
    if index.keys().isdisjoint(tokens):  # most word lists have no first syllable in a reply
        return []
    out: list[tuple[int, int]] = []
    for i, starting in enumerate(map(index.get, tokens)):
        for w in starting or ():
            n = len(w)
            if tuple(tokens[i : i + n]) == w:
                out.append((i, i + n))
    out.sort(key=lambda se: (se[0], -se[1]))
    return out


def _clause_gap(tokens: Sequence[str], a: int, b: int, limit: int) -> bool:
    return 0 <= b - a <= limit and "," not in tokens[a:b]


def _has(tokens: Sequence[str], words: ZhWords) -> bool:
    return bool(_find(tokens, words))


def _lasting(tokens: Sequence[str], rules: _ZhRules) -> bool:
    for s, _ in _find(tokens, rules.lasting):
        if s > 0 and tokens[s - 1] in rules.time_before_after and tokens[s] == "yi":
            continue  # 四点以后打: "after four"
        return True
    return False


def _temporary(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """A time scopes the request (今天别打了, 别这个点打) or invites a later call; not a time
    of the telling (我现在就跟你说清楚，别打了)."""
    for s, e in _find(tokens, rules.temporary):
        if s > 0 and tokens[s - 1] in ("chu", "fa", "biao") and tokens[s:e] == ["xian", "zai"]:
            continue  # 出现在, 发现在: not 现在
        if _has(tokens[e : e + 8], _TELLING):
            continue  # 我今天把话说清楚: the time of the telling
        if e >= len(tokens) or tokens[e] != "hua":  # 这个点 is not 这个电(话)
            return True
    for _s, e in _find(tokens, rules.callback):
        # a later time followed by a call: 改天再打, 下班后再打, 中午打
        rest = tokens[e : e + 4]
        if "da" in rest or "lian" in rest:
            return True
    return False


def _redirected(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """A clause without a negation asks to be called elsewhere (别打座机，打我手机) or by
    someone else (别让机器人打，换个真人来)."""
    for clause in _clauses(tokens):
        if (
            (
                _has(clause, rules.redirect)
                or _calls_elsewhere(clause, rules)
                or (
                    _has(clause, rules.welcome)
                    and _has(clause, _py("打|联系|电话"))
                    and not _has(clause, _py("我自己|我打|我去|我来"))  # the customer's call
                )
                or any(
                    "ren" in clause[e : e + 3]
                    and clause[e : e + 1] != ["ying"]
                    and _has(clause[e : e + 6], _py("打|来|跟|说|联系|讲|给"))
                    for _, e in _find(clause, _py("换"))
                )
            )
            and not _negations(clause, rules)
            and "shao" not in clause
        ):
            return True
    return _redirected_unbroken(tokens, rules)


def _redirected_unbroken(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """The same when the recogniser left the comma out (别给我打办公室电话打手机): a 打
    outside every negation's reach followed by another line or person."""
    negations = _negations(tokens, rules)
    if not negations or _has(tokens, rules.reproach) or _lasting(tokens, rules):
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
        if _has(after[: after.index(",")] if "," in after else after, rules.other_line):
            return True
    return False


def _calls_elsewhere(clause: Sequence[str], rules: _ZhRules) -> bool:
    """打 with another line or person a few words on (打她电话, 打我办公室座机), not
    reproached (打我手机干嘛)."""
    if _has(clause, rules.reproach):
        return False
    return any(
        tokens_after and _has(tokens_after, rules.other_line)
        for tokens_after in (clause[i + 1 : i + 6] for i, t in enumerate(clause) if t == "da")
    )


def _removal(tokens: Sequence[str], rules: _ZhRules, vetoes: list[str]) -> Found | None:
    """删/去掉 near 号码/名单 (把我号码删了), not denied (号码别删) nor a number replaced
    (旧的号码删了，留新的)."""
    for rs, re_ in _find(tokens, rules.removals):
        if _denied(tokens, rs, rules.negations) or _denied(tokens, rs, rules.not_asked):
            vetoes.append("denied")
            continue
        for ns, ne in _find(tokens, rules.numbers):
            ends = re_ >= len(tokens) - 2  # 我手机号不要再给你们用了，删了
            if (
                _clause_gap(tokens, ne, rs, 8)
                or _clause_gap(tokens, re_, ns, 4)
                or (ends and 0 <= rs - ne <= 14)
            ):
                owner = tokens[max(0, ns - 6) : ns]
                if (_has(owner, rules.old) and _kept(tokens, 0, rules)) or (
                    _relative_owner(owner, rules) and _kept(tokens, re_, rules)
                ):
                    vetoes.append("redirected")
                    return None
                return ("remove_number", " ".join(tokens[min(rs, ns) : max(re_, ne)]))
    return None


# 别留, 不要留, 不用留: the number not to be kept
_NOT_KEPT: tuple[list[str], ...] = (["bie"], ["yao"], ["yong"])


def _kept(tokens: Sequence[str], start: int, rules: _ZhRules) -> bool:
    """Another number kept from ``start`` on (留新的, 以后打我这个), not 别留着."""
    rest = tokens[start:]
    return any(rest[max(0, k - 1) : k] not in _NOT_KEPT for k, _ in _find(rest, rules.kept))


def _relative_owner(owner: Sequence[str], rules: _ZhRules) -> bool:
    """The number is a relative's (我老婆的号码, 我爸号码; not 删了吧我的号码: 吧 is 爸)."""
    return any(owner[e : e + 1] in (["de"], []) for _, e in _find(owner, rules.relatives))


def _negations(tokens: Sequence[str], rules: _ZhRules) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in _find(tokens, rules.negations):
        before = tokens[max(0, s - 5) : s]
        if _has(before, _py("没说|不是说|没有说")) and "le" not in before:
            continue  # 我没说不要电话: the customer denies having asked
        if (
            s > 0
            and tokens[s - 1] in rules.not_negation_before
            and len(tokens[s:e]) <= 2
            and (tokens[s] == "bu" or tokens[s - 1] not in ("yao", "yong"))
        ):
            continue  # 特别, 要不要, 用不用 (not 我不需要别再打: 要 before 别)
        if e < len(tokens) and tokens[e] in rules.not_negation_after and e - s == 1:
            continue  # 别人, 别的
        if tokens[s:e] == ["bu", "yao"] and e < len(tokens) and tokens[e] in ("jin", "xie"):
            continue  # 不要紧
        if e < len(tokens) and tokens[e] == "le" and e - s <= 2:
            continue  # 这个号我不用了(，)打我新号: 不用了 ends its clause
        if tokens[e : e + 1] == ["tai"] or tokens[e : e + 2] in (["na", "me"], ["zhe", "me"]):
            continue  # 别太早打, 不要那么晚打: the manner, not the call
        if tokens[e : e + 2] == ["da", "tai"]:
            continue  # 别打太晚
        out.append((s, e))
    return out


def _denied(tokens: Sequence[str], s: int, words: ZhWords) -> bool:
    """The word at ``s`` is denied right before it (不算骚扰, 我不会投诉的; with the
    negations: 号码别删)."""
    window = tokens[max(0, s - 4) : s]
    return any(e == len(window) for _, e in _find(window, words))


def _repeated_calls(tokens: Sequence[str], rules: _ZhRules) -> tuple[int, int] | None:
    """Exasperation at being called again and again (这是第几次了，还打; 一天打好几个),
    not at the customer's own calls (我打了好几次客服)."""
    if "da" not in tokens and not _has(tokens, _py("电话|来电")):
        # said to the caller, of nothing else: 你们还有完没完了; 怎么又是你们，能不能消停点
        if _has(tokens, _py("你们|又是你")) and not _has(tokens, rules.other_topics):
            found = _find(tokens, _EXASPERATED)
            if found:
                return found[0]
        return None
    customer = _py("我老打|我给你们打|打不通|打不进|没打通|没打进|没人接|客服|热线|占线")
    if _has(tokens, customer) or any(
        s == 0 or tokens[s - 1] not in ("gei", "wang") for s, _ in _find(tokens, _py("我打"))
    ):
        return None  # the customer's own calls (我打了好几次; not 给我打)
    found = _find(tokens, rules.repeated)
    if found:
        return found[0]
    for s, e in _find(tokens, _py("还打|又打|还在打|还来电|又来电")):
        # called again after being told, or reproached: 我都说了不要你们还打; 怎么又打
        if (tokens[e : e + 1] and tokens[e] in rules.not_after_call) or tokens[s - 1 : s] == ["wo"]:
            continue  # 又打错了; 我还打过去: the customer's call
        if _has(tokens[:s], _py("说了|说过|讲了|讲过|怎么|为什么|咋")):
            return (s, e)
    for s, e in _find(tokens, _FREQUENT):
        # the bank's calls said to come all the time: 天天给我打, 老是往我这打, 每天都来电话
        rest = tokens[e : e + 5]
        for k, t in enumerate(rest):
            if t not in _TO_ME_FILLER:
                called = t == "da" or rest[k : k + 2] in (["lai", "dian"], ["dian", "hua"])
                if (
                    called
                    and tokens[e + k + 1 : e + k + 2] != ["bu"]
                    and (s == 0 or tokens[s - 1] != "wo")
                ):
                    return (s, e + k + 1)
                break
    for i, t in enumerate(tokens[:-2]):
        # a count of calls said as a grievance: 接了你们四个电话了, 这周三次了 (not 一次, nor
        # 收到两个电话，什么事: no 了 closing the count)
        if t not in _COUNTS or tokens[i + 1] not in ("ge", "ci", "hui", "bian", "tong"):
            continue
        called = tokens[i + 2 : i + 4] == ["dian", "hua"]  # 三个电话, 三次电话
        if not called and not {"da", "lai", "di"} & set(tokens[max(0, i - 3) : i]):
            continue  # 问了三次了: a count of something else
        end = i + 4 if called else i + 2
        if tokens[end : end + 1] == ["le"]:
            return (i, end + 1)
        if not called and tokens[end : end + 1] == ["da"] and "le" in tokens[end + 1 : end + 4]:
            return (i, end + 1)  # 第五回打了, 三次打过来了
    return None


# exasperation at the caller when no call is named
_EXASPERATED = _py("有完没完|没完没了|消停|烦不烦|够了没|受不了你们")

# how often the calls come (天天给我打), and the words allowed between it and the call
_FREQUENT = _py("天天|老是|总是|一直|每天|整天|成天|三天两头|隔三差五|没事就")
_TO_ME_FILLER = frozenset(("dou", "gei", "wo", "wang", "zhe", "li", "lai", "zai", "you", "jiu"))

# the numerals of a count of calls (两, 三 ... 十, 几, 好几 as its 几)
_COUNTS = frozenset(("liang", "san", "si", "wu", "liu", "qi", "ba", "jiu", "shi", "ji"))


def _prohibited_call(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """A call to the customer is forbidden in so many words (你们别打过来了, 不要再打我电话),
    which "I will call you myself" does not undo."""
    for s, e in _negations(tokens, rules):
        if _has(tokens[s:e], rules.prohibitions) and any(
            _clause_gap(tokens, e, cs, 3) for cs, _ in _find(tokens, rules.to_customer)
        ):
            return True
    return False


def _stop_clause(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """A clause of its own forbids calling again (我这个月接了四个了，不要再打了) and no later
    call is asked for: a time said in another clause does not scope it."""
    if _has(tokens, rules.callback):
        return False
    clauses = _clauses(tokens)
    if len(clauses) < 2:
        return False
    for clause in clauses:
        if _temporary(clause, rules):
            continue
        for s, e in _negations(clause, rules):
            if (
                "zai" in clause[s:e]
                and _has(clause[s:e], rules.prohibitions)
                and any(_clause_gap(clause, e, cs, 4) for cs, _ in _find(clause, rules.calls))
            ):
                return True
    return False


# What a customer threatens to do if called again (再打我就去闹; 投诉 and 报警 are complaints).
_THREATENED = _py("闹|骂|不客气|翻脸|销户|找你们领导|上门|换银行|去银行|骂人|发火|告你们")

# An old number (旧 alone is also 就) and another call kept (打我的, 留我的: not the
# forbidden call's own 这个号).
_OLD_NUMBER = _py("旧的|旧号|旧手机|以前的|原来的|之前的|老的|不用的|以前那个|原来那个")
_KEPT_CALL = _py("留|打这个|用这个|找我|打我的|打给我|打我这个|打我这|用我的|打我手机|联系我")

# Telling the customer's mind (说清楚, 告诉你): a time before it is the time of the telling.
_TELLING = _py("说清楚|讲清楚|说明白|讲明白|说好了|告诉你|把话说|把话撂|话撂|最后一遍|最后一次说")


def _clauses(tokens: Sequence[str]) -> list[Sequence[str]]:
    """The reply's clauses: split at commas, and where the recogniser left them out, after a
    sentence particle that a pronoun follows (别再打了行吗我在上班呢) or after 就行/就好
    (打这个电话就行别打座机了)."""
    out: list[Sequence[str]] = []
    start = 0
    for i, t in enumerate(tokens):
        if (
            t == ","
            or (t in ("le", "ma", "ne", "ba", "a") and tokens[i + 1 : i + 2] in (["wo"], ["ni"]))
            or (t in ("xing", "hao") and tokens[i - 1 : i] == ["jiu"] and i + 1 < len(tokens))
        ):
            end = i if t == "," else i + 1
            out.append(tokens[start:end])
            start = i + 1
    out.append(tokens[start:])
    return out


# 回 as someone else's call only as 回电, 回打, 回拨, 回访 or ending the window
_CALL_BACK_AFTER: tuple[list[str], ...] = (["dian"], ["da"], ["bo"], ["fang"], [])


def _someone_else_before(tokens: Sequence[str], s: int, rules: _ZhRules) -> bool:
    """Someone else named right before the negation in its clause (经理不用给我打了); 回
    only as 回电/回拨/回访, as its syllable is also 会 (我自己会去, 机会)."""
    window = list(tokens[max(0, s - 3) : s])
    if "," in window:
        window = window[len(window) - window[::-1].index(",") :]
    for ws, we in _find(window, rules.someone_else):
        if window[ws:we] == ["hui"] and window[we : we + 1] not in _CALL_BACK_AFTER:
            continue
        return True
    return False


def _third_party_spared(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """A relative is not to be called and the customer is (别打我爸电话，有事找我; read
    by position, as the recogniser may leave the comma out); or the number forbidden is an
    old one or a relative's, named before the negation, and another is kept
    (以前的那个别打了，打这个新的; 我儿子的电话你们别打了打我的)."""
    for s, e in _negations(tokens, rules):
        owner = _clause_before(tokens, s)[-8:]
        called = _find(tokens[e : e + 4], _py("打|拨|联系|电话"))
        if called:
            after = tokens[e + called[0][1] :]  # past the forbidden call and its number
            old = _has(owner, _OLD_NUMBER) and _has(tokens, _py("新"))  # 新换的: kept
            if old or (_relative_owner(owner, rules) and _has(after, _KEPT_CALL)):
                return True
        spared = [rs for rs, _ in _find(tokens[e : e + 6], rules.relatives)]
        if not spared:
            continue
        end = e + spared[0] + 3
        if any(ts < s or ts >= end for ts, _ in _find(tokens, rules.to_me)):
            return True
    return False


def _spam_elsewhere(tokens: Sequence[str], rules: _ZhRules) -> bool:
    """Spam calls talked of as other people's (我手机老接到骚扰电话，你们能帮我查一下吗):
    received or the bank asked to help, no negation, and the bank's own calls not named."""
    if not _has(tokens, rules.spam_topic) or _negations(tokens, rules):
        return False
    if _has(
        tokens, _py("你们打|你们老|你们一直|你们天天|你们总|你们再|你们的电话|你们电话|你们也|你也")
    ):
        return False
    return any(
        not _has(tokens[max(0, s - 5) : s], _py("你们|你这|你"))
        for s, _ in _find(tokens, rules.spam)
    )


def _clause_before(tokens: Sequence[str], s: int) -> Sequence[str]:
    """The tokens of the clause before ``s``."""
    before = tokens[:s]
    return before[len(before) - before[::-1].index(",") :] if "," in before else before


# 违法, 犯法, 违规: a complaint word when said of the calls (你们这样一直打是违法的), unless
# right after 不/没 (不违法吧)
_VIOLATIONS = frozenset(tuple(_tokens(w)) for w in ("违法", "犯法", "违规"))

# Dialect and written negations -> Mandarin before the pinyin is read (唔好 and 勿 would
# read as 五号 and 五).
_DIALECT: tuple[tuple[str, str], ...] = (
    ("唔好", "不要"),
    ("唔要", "不要"),
    ("唔使", "不用"),
    ("唔系", "不是"),
    ("唔係", "不是"),
    ("咪再", "别再"),
    ("覅", "不要"),
    ("勿要", "不要"),
    ("莫要", "不要"),
    ("莫打", "别打"),  # 莫打了: the negation word must not swallow the call
    ("莫给", "别给"),
    ("莫来", "别来"),
    ("勿扰", "免扰"),
    ("勿", "不要"),  # as a syllable, wu is also 五 (五号再打)
    ("嚟", "来"),
    ("表再打", "别再打"),
    ("表打", "别打"),
)


_DIALECT_ANY = re.compile("|".join(re.escape(a) for a, _ in _DIALECT))


def zh_match(text: str, phrases: ZhWords, vetoes: list[str]) -> Found | None:
    """The rule that makes ``text`` an opt-out; each negation rule that says it is not one
    is added to ``vetoes`` (the learned model is not asked then). ``phrases``: the
    script's own, as ``zh_words`` of their pinyin."""
    rules = _zh()
    if _DIALECT_ANY.search(text):  # without one, no replace below changes the text
        for a, b in _DIALECT:
            text = text.replace(a, b)
    tokens = _tokens(text)
    if not tokens:
        return None
    denied: set[tuple[str, ...]] = set()
    for s, e in _find(tokens, rules.complaints):
        word = tuple(tokens[s:e])
        if (
            _denied(tokens, s, rules.not_before_word)
            or word in denied  # 我没有投诉过，怎么说我投诉了: the denied word repeated
            or (word in _VIOLATIONS and s > 0 and tokens[s - 1] in ("bu", "mei"))
        ):
            vetoes.append("denied")
            denied.add(word)
            continue  # 我不会投诉的
        if (
            _has(tokens[max(0, s - 4) : s], _py("上次|上回|之前|那次"))
            or _has(tokens[e:], _py("没回复|没处理|进度|结果|处理了"))
        ) and not _has(tokens, rules.calls_to_me):
            vetoes.append("earlier_complaint")
            continue  # 我上回的投诉到现在没回复
        if word in _VIOLATIONS and not _has(_clause_before(tokens, s), rules.calls):
            vetoes.append("other_topic")
            continue  # 这个违法吗: unlawful, but not said of the calls
        if _has(tokens, rules.other_topics) and not _has(tokens, rules.calls_to_me):
            vetoes.append("other_topic")
            break  # 我要投诉这个收费: a complaint about something else
        return ("complaint", " ".join(tokens[s:e]))
    if any(
        (
            tokens[e : e + 1] == ["tai"]
            or tokens[e : e + 2] in (["na", "me"], ["zhe", "me"], ["da", "tai"])
        )
        and "da" in tokens[e : e + 5]
        for _, e in _find(tokens, rules.negations)
    ):
        vetoes.append("manner")  # 别太早打: how to call (a rule may still read a request)
    dare = _find(tokens, _py("再打|还打|再来电"))
    if any(_has(tokens[e : e + 5], _py("试试|试一下|试一试")) for _, e in dare):
        return ("standing_word", "zai da shi shi")  # 再打一个试试: a dare, not an invitation
    for _, e in dare:
        then = _find(tokens[e : e + 6], _py("我就|我可就|我真就|就别怪"))
        if then and _has(tokens[e + then[0][1] : e + then[0][1] + 6], _THREATENED):
            return ("standing_word", "zai da wo jiu")  # 再打一个我就去银行门口闹: a threat
    repeated = _repeated_calls(tokens, rules)
    if repeated is not None:
        return ("repeated_calls", " ".join(tokens[repeated[0] : repeated[1]]))
    for s, e in _find(tokens, rules.cancels):
        for ms, me in _find(tokens, rules.marketing):
            if _clause_gap(tokens, e, ms, 6) or 0 <= s - me <= 6:
                return ("standing_word", " ".join(tokens[min(s, ms) : max(e, me)]))
    spam_elsewhere = _spam_elsewhere(tokens, rules)
    for s, e in _find(tokens, rules.standing):
        if (
            _has(tokens[max(0, s - 5) : s], rules.counterfactual)
            or _has(tokens[e : e + 10], _py("还以为|以为"))  # 骚扰电话太多，我还以为你也是
            or _denied(tokens, s, rules.not_before_word)
            or _denied(tokens, s, rules.not_asked)  # 我没说要拉黑你们
            or _has(tokens[e : e + 10], rules.reversal)
            or _has(tokens[e : e + 10], _py("不是你们|不是你|不是说你们|不是说你"))
            or _has(tokens[e:], _py("你们不是吧|你不是吧|你们不会也是|你不会也是"))
        ):
            vetoes.append("counterfactual")
            continue  # 本来想拉黑你们的; 这不算骚扰; 拉黑过，后来放出来了
        if spam_elsewhere:
            vetoes.append("other_topic")
            continue  # 我老接到骚扰电话，你们能帮我拦一下吗
        if tokens[e - 1] == "da" and tokens[e : e + 2] in (["bu", "tong"], ["bu", "jin"]):
            vetoes.append("customer_calls")
            continue  # 客服电话老是打不通: the customer's calls failing
        if (
            tokens[s:e] == ["tui", "ding"]
            and _has(tokens, rules.products)
            and not _has(tokens, _py("电话|短信|营销|推销|来电|通知"))
        ):
            vetoes.append("other_topic")
            continue  # 退订一个理财产品: a product, not the calls
        return ("standing_word", " ".join(tokens[s:e]))
    for s, e in _find(tokens, rules.no_marketing):
        window = tokens[max(0, s - 6) : s]
        if _has(window, _py("不需要|不要|不接受|不用")) and "," not in window:
            return ("no_calls_wanted", " ".join(tokens[max(0, s - 6) : e]))
    removal = _removal(tokens, rules, vetoes)
    if removal is not None:
        return removal
    lasting = _lasting(tokens, rules)  # both read several times below: each once
    timed = _temporary(tokens, rules)
    if not lasting:
        for _s, e in _find(tokens, rules.concession):
            if _has(tokens[e : e + 3], _py("说|讲|继续")):
                vetoes.append("concession")
                return None  # 我一般不接推销的，但你说吧: the call goes on
    temporary = timed and not lasting and not _stop_clause(tokens, rules)
    if temporary or _redirected(tokens, rules) or _third_party_spared(tokens, rules):
        vetoes.append("temporary" if temporary else "redirected")
        return None
    if (
        _has(tokens, rules.invitation)
        and not _has(tokens, rules.threat)
        and not _negations(tokens, rules)
        and not _has(tokens, rules.unwanted)
        and not _has(tokens, _py("老是|总是|天天|一直|干嘛|为什么"))
    ):
        vetoes.append("welcome")
        return None  # 以后有好的理财你们再打给我: a call asked for
    if (
        _has(tokens, rules.customer_will_call)
        and not lasting
        and not _prohibited_call(tokens, rules)
    ):
        vetoes.append("customer_calls")
        return None  # 不用你们打，我自己打过去问 (not 我自己打给你们，你们别打过来)
    reach = 10 if lasting else 6
    for s, e in _negations(tokens, rules):
        if s > 0 and tokens[s - 1] == "wo" and tokens[s:e][:2] in (["bu", "yong"], ["bu", "xu"]):
            vetoes.append("customer_calls")
            continue  # 我不用再打电话: the customer need not call
        if _someone_else_before(tokens, s, rules):
            vetoes.append("someone_else")
            continue  # 经理不用给我打了
        if _has(tokens[e : e + 2], rules.partial):
            vetoes.append("partial")
            continue  # 不用每次都打电话: not every call
        if (
            tokens[max(0, s - 2) : s] == ["le", "jiu"]
            and not lasting
            and not _has(tokens[s:e], rules.prohibitions)
        ):
            vetoes.append("conditional")
            continue  # 钱到账了就不用再打了: no need once it is done
        for cs, ce in _find(tokens, rules.calls):
            if not _clause_gap(tokens, e, cs, reach):
                continue
            if "gua" in tokens[e:cs]:
                continue  # 别挂(我)电话: hanging up, not calling
            if tokens[cs:ce] == ["hui", "fang"] and not lasting:
                continue  # 不用回访了: this matter's follow-up call (以后都不要回访了 is all)
            if _has(tokens[ce : ce + 7], _py("经理|专员|客服")):
                vetoes.append("someone_else")
                continue  # 不用联系我的客户经理: someone else is to be called
            if _has(tokens[ce : ce + 5], rules.customer_calls):
                vetoes.append("customer_calls")
                continue  # 打电话给你们: the customer calling the bank
            if _has(tokens[ce : ce + 4], rules.purpose) and not lasting:
                vetoes.append("one_purpose")
                continue  # 不用给我打电话确认: this call's purpose is done
            if _has(tokens[cs : cs + 6], rules.welcome):
                vetoes.append("welcome")
                continue  # 别发短信，打电话就行: the call is welcome
            if tokens[cs : cs + 2] == ["da", "rao"] and _has(
                tokens[cs + 2 : cs + 5], rules.disturbed_other
            ):
                vetoes.append("disturbed_other")
                continue  # 别打扰我女儿, 不要打扰我开会
            if tokens[cs:ce] == ["tui", "xiao"] and not (lasting or _has(tokens, _py("电话|打"))):
                continue  # 别推销了: stop this pitch, not the calls
            if tokens[cs:ce] == ["da"] and ce < len(tokens) and tokens[ce] in rules.not_after_call:
                continue
            gap = tokens[e:cs]
            if (
                _has(gap, rules.someone_else)
                or (cs > 0 and tokens[cs - 1] == "hui")
                or tokens[ce : ce + 1] == ["hui"]
            ):
                vetoes.append("someone_else")
                continue  # 不用经理给我打电话, 不用给我回电话
            return ("negated_call", " ".join(tokens[s:ce]))
    if lasting and not timed:
        # 以后不打, 以后少打我电话: "from now on" makes it a request (not 打不打, an A-not-A)
        for s, e in _find(tokens, rules.bare):
            if e < len(tokens) and tokens[e] in rules.not_after_call:
                continue
            if s > 0 and tokens[s - 1] == tokens[e - 1]:
                continue
            if (s > 0 and tokens[s - 1] == "wo") or _has(tokens[e : e + 3], _py("你们|客服")):
                vetoes.append("customer_calls")
                continue  # 我以后不打你们客服了
            return ("negated_call", " ".join(tokens[s:e]))
    for s, e in _find(tokens, rules.unwanted):
        if tokens[max(0, s - 2) : s] in (["bu", "shi"], ["mei", "you"]) or _has(
            tokens[max(0, s - 5) : s], _py("没说|不是说|没有说")
        ):
            vetoes.append("double_negation")
            continue  # 我不是不接你们电话
        if _has(tokens[e : e + 6], _py("的时候")) and not lasting:
            vetoes.append("conditional")
            continue  # 我不想被打扰的时候会关机的: a when-clause
        if _has(tokens[max(0, s - 4) : s], rules.habitual) and not lasting:
            vetoes.append("habit")
            continue  # 我一般不接这种电话: a habit told
        if _has(tokens[max(0, s - 5) : s], rules.past) and _has(tokens[e : e + 6], _py("了|过")):
            vetoes.append("past")
            continue  # 我上次拒接了你们电话
        for cs, ce in _find(tokens, rules.call_nouns):
            if tokens[max(0, cs - 2) : cs] == ["mo", "sheng"]:
                continue  # 我不接陌生电话
            if _clause_gap(tokens, e, cs, 10) and not (cs > 0 and tokens[cs - 1] == "hui"):
                return ("no_calls_wanted", " ".join(tokens[s:ce]))
    for cs, ce in _find(tokens, rules.call_nouns):
        for s, e in _find(tokens, rules.refusals_after):
            if _clause_gap(tokens, ce, s, 4) and tokens[cs:ce] != ["da"]:
                return ("no_calls_wanted", " ".join(tokens[cs:e]))
    for s, e in _find(tokens, phrases):
        return ("phrase", " ".join(tokens[s:e]))
    return None
