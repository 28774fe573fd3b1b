"""Chinese replies read by rule where a phrase list and a classifier of character n-grams
miss a construction.

- The speaker names themselves a family member of the one asked for (``names_relative``):
  我是他爱人, 俺是他娘, 我系佢老婆 as a whole clause, also after a denial (不是本人，我是他
  爱人: "not me, I'm his wife" is a relative answering, not a wrong person). The relation
  must end its clause: 我是他同事的号 says whose number it is, not who is speaking.
- The decision left to a family member (``defers_to_family``): 我得问问我老婆, 回去跟我爱人
  商量商量, 钱都是我老伴管, 我老公做主: the customer does not take the offer now.
- A loss told with a refusal to buy again (``refuses_after_loss``): 亏过一次，不敢再买了,
  上回买的亏了，再也不买了: the purchase told is the reason for refusing, not a purchase of
  the product offered.
- The speaker says the thing is done already (``says_done``): a doing verb with its
  result (弄过, 换好, 办完, 兑掉), said as past by 了 after it or a word of time before it
  (你说的这个我前天刚弄过, 上回营业厅的人帮我弄过了), not negated (还没弄好) nor asked
  (弄好了吗) nor wished (帮我弄好).
- A question about the advisor or agent the call is put through to, or a third person
  (``asks_about_staff``): 专员是谁啊, 经理是男的女的, 他是哪个网点的 ask about that person,
  not who is calling.
- A question about what is required (``asks_requirement``): 要带身份证去啊, 要本人去吗, 要交钱吗;
  要 there is "must", not the "yes, I want it" of 要 / 要的.
- An echo question (``echo_question``): the customer repeats words of the prompt as a
  question (手机银行？ 积分商城啊？ 成长任务是吧？), asking what was meant; it answers nothing.
Reads each clause of the text as heard (the recogniser's marks and spaces part clauses),
normalised (``scripts.matching.normalize``). Pure.
"""

from __future__ import annotations

import re

from scripts.matching import normalize

# Family words (a friend or a colleague answering is not family: the script's own phrases
# hold 我是他朋友 where it means so).
_KIN = (
    "老婆|老公|爱人|媳妇|妻子|丈夫|太太|先生|儿子|女儿|闺女|儿媳|女婿|妈妈|妈|母亲|娘|"
    "爸爸|爸|父亲|爹|哥哥|哥|姐姐|姐|弟弟|弟|妹妹|妹|爷爷|奶奶|外公|外婆|姥姥|姥爷|"
    "孙子|孙女|外孙女|外孙|家人|家属|亲戚|侄子|侄女|舅舅|姑姑|叔叔|阿姨"
)
# 我/俺 + copula (是, recognised as 四/事; Cantonese 系, 就是) + he/she (它, ta and Cantonese
# 佢 as heard) + optional 的 + a family word, as the whole clause (after fillers, which
# normalisation removes; a closing particle may follow).
_SELF_KIN = re.compile(
    rf"^(?:我|俺)(?:就是|就|是|四|事|系)(?:他|她|它|ta|佢)(?:的)?(?:{_KIN})(?:呢|哈|咯|哟)?$"
)
# where a reply's clauses end (the recogniser's punctuation and spaces)
_CLAUSE = re.compile(r"[,，。.!！?？、;；…~～\s]+")


def names_relative(text: str) -> bool:
    """A clause of ``text`` is the speaker naming themselves the customer's family member."""
    return any(_SELF_KIN.match(normalize(c, "zh")) for c in _CLAUSE.split(text) if c)


# closing question particles and tags an echo may carry (手机银行啊？ 积分是吧)
_ECHO_TAIL = re.compile(r"(?:是吧|对吧|是吗|是不是|吗|啊|呀|吧|嘛|么|呢)+$")
# an echo is a few words of the prompt, not a sentence
ECHO_MAX = 8


def echo_question(text: str, prompt: str) -> bool:
    """Is ``text`` words of ``prompt`` (normalised, two characters or more) said back as a
    question: with a question mark or a closing particle (吗, 啊, 是吧)?"""
    said = normalize(text, "zh")
    bare = _ECHO_TAIL.sub("", said)
    asked = "?" in text or "？" in text or bare != said
    return asked and 2 <= len(bare) <= ECHO_MAX and bare in normalize(prompt, "zh")


# 要 ("must") + what is required, asked: 要带身份证去啊, 要本人去吗, 还要交钱吗
_REQUIREMENT = re.compile(
    r"^(?:那|还|是不是|就)?要(?:带|拿|本人|交|付|填|去|到|先|收|花)\w*(?:吗|么|啊|呀|呢|嘛)$"
)


def asks_requirement(text: str) -> bool:
    """Is ``text`` a question about what is required (要带身份证去啊)? Marks and spaces
    dropped; a question mark is as good as a closing particle."""
    heard = "".join(ch for ch in text if ch.isalnum())
    asked = "?" in text or "？" in text
    return (
        _REQUIREMENT.match(heard + ("吗" if asked and not heard.endswith(("吗", "么")) else ""))
        is not None
    )


# Family words of the household who may hold the money (老伴, 那口子 besides _KIN)
_HOUSEHOLD = rf"(?:{_KIN}|老伴|老伴儿|那口子|对象|孩子|老头子|老头|老太婆|家里人|家里)"
# asking or talking it over with them (问问我老婆, 跟我爱人商量), or them deciding or
# holding the money (我老公做主, 钱都是老伴管; 我管 alone is the speaker's own say)
# (normalised: 问问 and 商量商量 are read once, 问 and 商量)
_DEFERS = re.compile(
    rf"(?:问|商量|合计)(?:一下|下)?(?:跟|和|我|家|的)*{_HOUSEHOLD}"
    rf"|(?:跟|和)(?:我|家|的)*{_HOUSEHOLD}(?:商量|合计|说一声|问)"
    rf"|{_HOUSEHOLD}(?:做主|说了算|拿主意|决定|定|管钱|管着|管)"
)
# a loss told (亏, 赔, 套牢, 跌 as heard) and buying again refused
_LOSS = re.compile("亏|赔|套牢|跌")
_NO_MORE = re.compile("不(?:敢|想|会|打算|准备|能)?再?(?:买|碰|投)|再也不|不敢")


# an action planned after talking it over (商量一下再换, 问问我老婆再买): a hesitation before
# doing it, not a refusal; 再说 (put it off) plans nothing
_THEN_DO = re.compile("再(?!说|考虑|看|想)[\u4e00-\u9fff]")


def defers_to_family(text: str) -> bool:
    """``text`` leaves the decision to a family member (问问我老婆, 我老伴做主) and plans
    no action after it (商量一下再换 is a hesitation before redeeming)."""
    norm = normalize(text, "zh")
    m = _DEFERS.search(norm)
    return m is not None and _THEN_DO.search(norm, m.end()) is None


def refuses_after_loss(text: str) -> bool:
    """``text`` tells a loss and refuses to buy again (亏过一次，不敢再买了)."""
    norm = normalize(text, "zh")
    return _LOSS.search(norm) is not None and _NO_MORE.search(norm) is not None


# A doing verb and its result complement: done (过), finished (好, 完), used up (掉).
_DONE = re.compile(r"(?:兑换|弄|办|搞|换|兑|抵|整)(?:过|好|完|掉)(了)?")
# Words of past time before the verb make the result past without 了 (前天刚弄过).
_PAST = (
    "已经",
    "早",
    "刚",
    "前天",
    "昨天",
    "昨儿",
    "上回",
    "上次",
    "上周",
    "上礼拜",
    "上个月",
    "去年",
    "之前",
    "以前",
)
# A negation just before the verb (没弄过, 还没换好, 未办完) says it is not done.
_NOT_DONE = ("没", "未", "不")
# A clause ending so asks whether it is done (弄好了吗, 换过了没有).
_ASKED = ("吗", "没", "没有", "不")


def says_done(text: str) -> bool:
    """A clause of ``text`` says it has been done (docstring of the module)."""
    for c in _CLAUSE.split(text):
        norm = normalize(c, "zh")
        if not norm or norm.endswith(_ASKED):
            continue
        for m in _DONE.finditer(norm):
            before = norm[max(0, m.start() - 2) : m.start()]
            if any(w in before for w in _NOT_DONE):
                continue
            if m.group(1) or any(w in norm[: m.start()] for w in _PAST):
                return True
    return False


# the staff member (or he/she) as the subject of the first clause, then what is asked
_STAFF_SUBJECT = re.compile(
    r"^(?:那|那个|这个)?(?:他|她|ta|经理|理财经理|客户经理|专员|那人|这人)"
    r"(?:是|叫|姓|贵姓|在|多大|男|女|干|做|哪)"
)
_ASKS_WHO = re.compile(r"谁|哪|什么|啥|吗|呢|男的女的|多大|几|贵姓")
_MACHINE = re.compile(r"机器|真人|人工|录音|智能")  # 他是机器人吗 still asks that


def asks_about_staff(text: str) -> bool:
    """Whether the first clause asks about the staff member put through to (or he/she)."""
    first = next((n for c in _CLAUSE.split(text) if (n := normalize(c, "zh"))), "")
    return (
        bool(_STAFF_SUBJECT.search(first))
        and bool(_ASKS_WHO.search(first))
        and not _MACHINE.search(first)
    )


# Not able to do it oneself: a doing verb with 不来 / 不会 (我自己搞不来, 我不会弄, 我弄不明白;
# not understanding alone, 我也不懂这些, says no more than that),
# 自己 or 我 said before it (the speaker, not the app: 手机银行用不来 is about the app too,
# but says the same).
_UNABLE = re.compile(
    r"(?:我|自己|俺).{0,4}?(?:"
    r"(?:弄|搞|整|操作|用|点)不(?:来|了|会|明白|懂|清楚)"
    r"|不(?:太)?会(?:弄|搞|整|操作|用|点))"
)
# Asking for the call offered: let him (or the specialist, you) call back (让他回我吧,
# 叫专员打给我, 回我电话就行).
_CALL_ME = re.compile(
    r"(?:让|叫|请)(?:他|她|专员|你们|人)?(?:给我)?(?:回|打)"
    r"|(?:回|打)(?:给)?我(?:电话)?(?:吧|就行|就好|好了|呗)?$"
    r"|给我(?:回|打)(?:个)?电话"
)
# A refusal in the reply outweighs either (算了，我也弄不来; 不用让他回了).
_REFUSED = re.compile("不用|不要|不需要|不必|不想|不换|算了|别|不了|免了|用不着")


def unable_alone(text: str) -> bool:
    """``text`` says the speaker cannot do it by themselves (我自己搞不来, 我年纪大了不会弄)
    and refuses nothing."""
    norm = normalize(text, "zh")
    return _UNABLE.search(norm) is not None and _REFUSED.search(norm) is None


def asks_for_call(text: str) -> bool:
    """A clause of ``text`` asks to be called (没事，不着急，让他回吧) and nothing in it
    refuses."""
    if _REFUSED.search(normalize(text, "zh")) is not None:
        return False
    return any(_CALL_ME.search(normalize(c, "zh")) for c in _CLAUSE.split(text) if c)
