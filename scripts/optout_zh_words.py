"""The words of the Chinese opt-out rules (``scripts.optout_zh``) and their lookup.

Words are compared as toneless pinyin syllables (``scripts.pinyin``), so homophones the
recogniser writes (别在打了, 头诉) read as what was meant. ``ZhWords`` keeps alternatives
with their index by first syllable; ``zh_rules`` holds every word list the rules read.
Pure, no I/O; converted once, on first use.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scripts.pinyin import pinyin_table, pinyin_tokens

# -- Chinese: toneless pinyin tokens ---------------------------------------------------


zh_tokens = pinyin_tokens


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
def py_words(words: str) -> ZhWords:
    """``"不要|别"`` -> the alternatives as pinyin token tuples (the rules' words: converted
    once)."""
    return zh_words(tuple(zh_tokens(w)) for w in words.split("|") if w)


@dataclass(frozen=True)
class ZhRules:
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
def zh_rules() -> ZhRules:
    return ZhRules(
        negations=py_words(
            "不要再|别再|不用再|莫再|不要|别|莫打|莫给|不用|不许|不准|不必|甭|停止|不再|不能再|用不着|"
            "没必要|不需要再|不需要|不想再|少给我|少来|不允许|不可以再|不要老|别老|别总|"
            "拜托别|求你们别|请勿再"
        ),
        calls=py_words(
            "打电话|打过来|打来|打给|打扰|来电话|来电|电话|打|联系|联络|拨打|拨|呼叫|推销|"
            "致电|通知|找我|骚扰|来烦|烦我|打搅|出现在|回访|外呼"
        ),
        not_after_call=frozenset(
            pinyin_table()[ord(c)] for c in "断算开印车字工卡听针包理扮球架扫招发击的岔错通声"
        ),
        unwanted=py_words(
            "不要再听到|不想再听到|不想再|不想|不愿意|不愿|不希望|拒绝|不接受|谢绝|拒接|不接|不欢迎"
        ),
        call_nouns=py_words("电话|来电|推销|营销|打|联系"),
        refusals_after=py_words(
            "拒绝|谢绝|拒接|不接|不要|不想再接|不想接|不再接|不会再接|不会接|都不接|一律拒接|一律不接|"
            "一概不接|一概拒接|全部拒接|统统不接"
        ),
        removals=py_words(
            "删除|删掉|删|去掉|去除|注销|移除|拿掉|撤掉|抹掉|划掉|拿出去|清掉|清空|销毁|剔除|踢出|"
            "除名|把我去了|把我去掉|把我踢了|把我划了|把我拿了|当没有|当作没有|当没这个"
        ),
        numbers=py_words(
            "号码|号|名单|名字|信息|资料|联系方式|手机号|电话号|电话|列表|系统|外呼|数据库|通讯录"
        ),
        standing=py_words(
            "退订|黑名单|拉黑|免打扰|勿扰|免扰|屏蔽|骚扰|拒绝营销|再打一次试试|再打试试|天天打|老是打|"
            "总是打|一天到晚打|天天来电|取消订阅|退订电话|电话退订|打扰的名单|打扰名单|拒接名单|"
            "禁呼|禁止呼叫|不拨打的名单|不拨打名单|不打的名单|不联系的名单|不要打的名单|不呼叫的名单"
        ),
        cancels=py_words("取消|退掉|关掉|关闭|停掉|退出|关了|停了"),
        marketing=py_words("营销|推销|广告电话|营销电话|推销电话|外呼|电销|电话回访"),
        other_topics=py_words(
            "手续费|收费|费用|年费|利息|服务态度|态度|网点|柜台|柜员|员工|卡被|冻结|"
            "扣款|扣钱|扣费|转账|到账|系统|账户|这个收费|卡|锁|柜员|排队|app|客服|打不通|占线|"
            "积分|规则|产品|利率|额度|钱|扣错|经理|网银|故障|营业厅|保险|开通|"
            # a malfunction complained of (老是闪退, 登不上)
            "闪退|卡顿|登不上|登录不了|登不进|报错|死机|出错|打不开"
        ),
        calls_to_me=py_words(
            "给我打|打给我|打我|再打|又打|还打|一直打|老打|你们这个电话|你们这电话|你们的电话|总打|天天打|打过来|打来|来电|骚扰|推销|"
            "营销|这种电话|这些电话|联系我|找我|烦我|打扰"
        ),
        customer_calls=py_words("给你们|给你|给银行"),
        welcome=py_words("就行|就可以|就好|没问题"),
        redirect=py_words(
            "打我手机|打手机|打我的手机|打我这个就行|打这个号就行|打这个就行|打座机|打我老婆的|"
            "打我老公的|打这个新号|加我微信|换个人打|换人打|让别人打|别人打|其他人打|换个人联系|"
            "电话里办|电话里说|电话里讲|电话上办|电话办就行"
        ),
        other_line=py_words(
            "座机|手机|办公室|单位|公司|家里|爱人|老婆|老公|她|他|新号|新的号|儿子|女儿|这个号|"
            "通知我|告诉我|跟我说|另外一个|另外的号|另一个|别的号|其他号|其他的号|其它号|其他电话"
        ),
        reproach=py_words("干嘛|干什么|做什么|为什么|怎么|又|老是|总是|天天|一直"),
        counterfactual=py_words("本来|原本|差点|本想|还以为|以为"),
        concession=py_words("但是你|但你|不过你|可是你|但是|不过|可是"),
        purpose=py_words("确认|核实|提醒|回访|告诉我|教我|教|指导|解释|讲解|说明"),
        disturbed_other=py_words(
            "女儿|儿子|老婆|老公|妈|爸|家人|孩子|开会|睡觉|工作|上班|吃饭|开车|休息|做事"
        ),
        complaints=py_words(
            "投诉|投述|举报|告你们|上诉|起诉|12378|12363|12315|12345|市长热线|工信部|通管局|"
            "通信管理局|消保|消协|消费者协会|监管|银保监|金管局|报警|曝光|"
            "违法|犯法|违规"
        ),
        someone_else=py_words("经理|专员|人工|客服|回"),
        callback=py_words(
            "改天|下周|下个礼拜|下礼拜|下星期|下个星期|过几天|过两天|明天|晚点|回头|过会|下次|下班|晚上|中午|下午|上午|周末|点前|点后|点以后|点钟|"
            "下个月|月底|月初|周一|周二|周三|周四|周五|周六|周日|周天|星期一|星期二|星期三|星期四|"
            "星期五|星期六|星期天|星期日|礼拜一|礼拜二|礼拜三|礼拜四|礼拜五|礼拜六|礼拜天|礼拜日|"
            "工作日|节假日"
        ),
        temporary=py_words(
            "今天|现在|这会|这个点|上班时间|这两天|这几天|这周|今晚|这段时间|这阵子|"
            "这个时间|白天|上班|这个时候|这时候|午休|等下|等会|先别|先不用|先不要|暂时|等我|"
            "这个月|本月|这礼拜|这星期"
        ),
        lasting=py_words(
            "以后|再也|永远|任何|一律|今后|从此|往后|都别|都不要|都不用|什么都|哪天都|一辈子|所有|"
            "从现在开始|从现在起|从今天开始|从今天起"
        ),
        time_before_after=frozenset(pinyin_table()[ord(c)] for c in "点时班饭会"),
        not_negation_before=frozenset(pinyin_table()[ord(c)] for c in "特区分级告要用"),
        not_negation_after=frozenset(pinyin_table()[ord(c)] for c in "人的家处紧谢客是"),
        bare=py_words("不打|少打|不再打|不用打|不再联系|不要联系|别回了|别再回|不要再回"),
        repeated=py_words(
            "有完没完|有完没有|没完没了|第几次|第几遍|第几回|一天打|一天到晚|三天两头|让不让人|"
            "打好几|打了好几|打了几|打了三|打了四|打了五|打了六|打了七|打了八|打了两|"
            "打了九个|打了九次|打了九回|打了九遍|打了九通|打了十个|打了十次|打了十几|打了十多|"
            "打了十来|打了十回|打了十遍|打了十通|打了不下|打了不止|打了无数|才罢休|才肯罢休|才死心|才甘心|才肯停|"
            "是不是有病|打了多少|多少个电话"
        ),
        not_before_word=py_words("不算|不是|不会|没想|没想要|不想|没有|没打算|不打算|不至于|没"),
        reversal=py_words("放出来|解除|移出|拿出来|取消了"),
        products=py_words("理财|产品|基金|保险|会员|套餐|业务|存款"),
        old=py_words("旧|以前的|原来的|之前的|老的|不用的"),
        no_marketing=py_words(
            "电话营销|营销电话|推销电话|电话推销|营销来电|广告电话|营销短信和电话|电销"
        ),
        habitual=py_words("一般|平时|通常|平常"),
        past=py_words("上次|刚才|之前|那天|昨天|前几天|前天"),
        invitation=py_words(
            "再打给我|再打我电话|再打电话|打给我|记得打|记得早|记得晚|记得提前|记得说|再联系我|再打过来|给我打个|给我打一个|"
            "电话也可以|电话也行|电话可以打"
        ),
        threat=py_words("试试|试一下|就|敢"),
        customer_will_call=py_words(
            "我自己打|我打过去|我自己联系|我打给你们|我会打给你们|我再打给你们|我主动联系|我联系你们"
        ),
        spam=py_words("骚扰电话|诈骗电话|垃圾电话|推销电话|广告电话"),
        spam_topic=py_words(
            "帮我|帮忙|管不管|管管|有没有办法|怎么办|怎么拦|拦截|接到|收到|好多|太多|很多|特别多|"
            "老接|总接|经常接"
        ),
        relatives=py_words("老婆|老公|爸|妈|儿子|女儿|家人|父母|爱人|孩子|他|她"),
        to_me=py_words(
            "找我|跟我说|打我手机|打给我|联系我|打我这个|打我电话|我来办|我来处理|我处理"
        ),
        kept=py_words("新|留|打这个|用这个|这个号|找我|打我的|打给我|打我这个|打我这|用我的"),
        not_asked=py_words(
            "不是要|不是说要|没说要|不是让你|没让你|没叫你|谁说|谁说我|谁说要|谁说我要"
        ),
        prohibitions=py_words("别|不要|不许|不准|莫|甭|请勿|停止|不能再|不可以再|少给我"),
        to_customer=py_words("打过来|打来|给我打|打给我|打我|联系我|找我|来电|来电话|电话给我"),
        partial=py_words("每次|每回|每一次|次次"),
    )


def find_words(tokens: Sequence[str], words: ZhWords) -> list[tuple[int, int]]:
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


def clause_gap(tokens: Sequence[str], a: int, b: int, limit: int) -> bool:
    return 0 <= b - a <= limit and "," not in tokens[a:b]


def has_words(tokens: Sequence[str], words: ZhWords) -> bool:
    return bool(find_words(tokens, words))


# 违法, 犯法, 违规: a complaint word when said of the calls (你们这样一直打是违法的), unless
# right after 不/没 (不违法吧)
VIOLATIONS = frozenset(tuple(zh_tokens(w)) for w in ("违法", "犯法", "违规"))

# Dialect and written negations -> Mandarin before the pinyin is read (唔好 and 勿 would
# read as 五号 and 五).
DIALECT: tuple[tuple[str, str], ...] = (
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


DIALECT_ANY = re.compile("|".join(re.escape(a) for a, _ in DIALECT))

# exasperation at the caller when no call is named
EXASPERATED = py_words("有完没完|有完没有|没完没了|消停|烦不烦|够了没|受不了你们")
# how often the calls come (天天给我打), and the words allowed between it and the call
FREQUENT = py_words("天天|老是|总是|一直|每天|整天|成天|三天两头|隔三差五|没事就")
TO_ME_FILLER = frozenset(("dou", "gei", "wo", "wang", "zhe", "li", "lai", "zai", "you", "jiu"))
# the numerals of a count of calls (两, 三 ... 十, 几, 好几 as its 几)
COUNTS = frozenset(("liang", "san", "si", "wu", "liu", "qi", "ba", "jiu", "shi", "ji"))
# What a customer threatens to do if called again (再打我就去闹; 投诉 and 报警 are complaints).
THREATENED = py_words(
    "闹|骂|不客气|翻脸|销户|找你们领导|上门|换银行|换家银行|换一家|换别家|换个银行|去银行|骂人|发火|告你们|销卡|把卡销|卡销了|"
    "找你们行长|找行长|销了|销掉|注销|"
    # going public or to law (到网上发帖, 找记者, 请律师)
    "发帖|网上|微博|抖音|媒体|记者|电视台|律师|法院"
)
# An old number (旧 alone is also 就) and another call kept (打我的, 留我的: not the
# forbidden call's own 这个号).
OLD_NUMBER = py_words("旧的|旧号|旧手机|以前的|原来的|之前的|老的|不用的|以前那个|原来那个")
KEPT_CALL = py_words("留|打这个|用这个|找我|打我的|打给我|打我这个|打我这|用我的|打我手机|联系我")
# Where a removal's object is an app, not the number (好像删了，没有了 at the app question:
# 好像 reads as 号, and the app deleted is no number removed).
APPS = py_words("app|软件|应用|客户端|程序|图标|手机银行")
# Sending someone packing (给我滚): an opt-out when the calls are named.
GET_LOST = py_words("给我滚|滚蛋|滚开|滚远点|滚远一点|都滚|滚吧")
# A later time followed by talking rather than calling (晚点说, 回头再聊): the talk deferred.
TALK_LATER = py_words("说|聊|讲|再说|再聊|再讲")
# Telling the customer's mind (说清楚, 告诉你): a time before it is the time of the telling.
TELLING = py_words(
    "说清楚|讲清楚|说明白|讲明白|说好了|告诉你|把话说|把话撂|话撂|最后一遍|最后一次说"
)

# What is said of a complaint already made (没人回复, 处理好了吗): its progress asked.
EARLIER_COMPLAINT = py_words(
    "没回复|没处理|进度|结果|处理了|没人回复|没人回|没人理|没人管|处理好|怎么样了|回复我|还没回"
)

# What makes 不投诉 a threat rather than a denial (不投诉不行, 不投诉你们就不长记性).
NOT_UNLESS = py_words("不行|不知道|不长|就不|才怪|不会停|没完")

# A standing word denied with its object put first (我没把你们拉黑啊, 我不会把你们屏蔽的).
DENIED_BA = py_words("没把|没有把|不会把|不是要把|没说把|没想把")
