"""Conversation cues in what the customer said, per language (zh, ko, en). Pure, no I/O.

Each cue is a list of terms matched on the normalised text (``scripts.matching``): CJK
by substring, English by whole words or word sequences. Positive wording counts only when
the turn has no negative wording ("不想" is not "想", "not interested" not "interested");
negative wording counts only when the turn is neither polite nor noncommittal ("不用了，
谢谢" is a polite decline, "I don't know" is vague: neither is a refusal).

Besides questions and positive/negative wording, the cues follow the bank's grades
(docs/intent.md): ``commit`` (wants to act now: A), ``hesitant`` (not now, let me think: B), ``noncommittal`` (maybe,
whatever: C), ``polite`` (thanks, sorry: a polite decline is C, a blunt one D),
``hostile`` (annoyed, complaining, distrustful), ``blunt`` (a curt no: "不需要，挂了",
"不要不要", "不需要，不要", a bare "不要" / "不弄" as the whole answer, no time and no
callback; counted only with negative wording, not in a polite turn nor in one that
commits) and ``wrong_person`` (D), and ``filler``: a turn of
filler words only ("嗯", "um"), a reply that says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from scripts.matching import base_language, normalize

CUES = (
    "question",
    "asks_details",
    "asks_price",
    "asks_how",
    "asks_repeat",
    "positive",
    "negative",
    "commit",
    "hesitant",
    "noncommittal",
    "polite",
    "hostile",
    "blunt",
    "wrong_person",
    "filler",
)
_EXTRA: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "zh": {
        "commit": (
            "现在就",
            "马上",
            "立刻",
            "今天就",
            "我要办",
            "帮我办",
            "帮我弄",
            "我要换",
            "我想买",
            "我要买",
            "准备买",
            "打算买",
            "越快越好",
            "赶紧",
            "这周就",
            "现在有空",
            "现在弄",
            "现在帮我",
            "我现在打开",
            # acting right after the call, or free right now
            "这就",
            "立马",
            "挂了电话就",
            "正好有空",
            "正好闲着",
            "现在有时间",
        ),
        "hesitant": (
            "考虑",
            "再想",
            "想一想",
            "商量",
            "先看看",
            "不急",
            "不着急",
            "想想",
            "问问",
            "家里人",
            "跟我老婆",
            "跟我老公",
            "晚点",
            "过段时间",
            "先了解",
            "下次",
            "回头",
            "以后再",
            "有空",
            "改天",
            "过两天",
            "这两天",
            # later, or after asking family or the branch
            "抽空",
            "研究",
            "等我儿子",
            "等我女儿",
            "让我儿子",
            "让我女儿",
            "去网点问",
            "下周",
            "下礼拜",
            "周末",
        ),
        "noncommittal": (
            "随便",
            "无所谓",
            "看情况",
            "一般般",
            "还行吧",
            "不知道",
            "不一定",
            "说不好",
            "再看吧",
            "再说吧",
            "到时候",
            "用不上",
            "用不着",
            "没啥要",
            "没什么需要",
        ),
        "polite": (
            "谢谢",
            "不好意思",
            "麻烦你",
            "麻烦您",
            "您",
            "暂时",
            "先不",
            "不麻烦",
            "算了",
        ),
        "hostile": (
            "烦",
            "投诉",
            "骚扰",
            "老打",
            "又打",
            "总打",
            "别再",
            "删掉",
            "有病",
            "滚",
            "讨厌",
            "别说了",
            "没空听",
            "有完没完",
            "别推销",
            "怎么知道我电话",
            # distrust and pressure: a fraud suspicion, "stop pushing", closed accounts
            "骗子",
            "诈骗",
            "推销",
            "别劝",
            "拉黑",
            "天天打",
            "烦不烦",
            "销户",
            # asking how they got the number (distrust of the caller)
            "怎么有我电话",
            "怎么有我的电话",
            "哪来的我电话",
            "哪来我的号码",
            "怎么有我号码",
        ),
        "blunt": (
            "挂了",
            "挂啦",
            "没工夫",
            "不用回电",
            "不用回",
            "别回电",
        ),
        "wrong_person": (
            "不是他",
            "不是她",
            "打错",
            "没有这个人",
            "没这个人",
            "不认识",
            "不是本人",
            "不是我",
            "找错",
            "查无此人",
            "换人",
            "换主人",
            "不是他的",
            "搞错了",
            "不姓",
        ),
    },
    "ko": {
        # acting now: 지금 with a verb of doing it (not 지금 바빠요)
        "commit": (
            "지금바로",
            "바로",
            "당장",
            "오늘",
            "지금할",
            "지금하고싶",
            "지금쓸",
            "지금바꿀",
            "지금같이",
        ),
        # later, at home, at the weekend, after asking the family
        "hesitant": (
            "생각해",
            "나중에",
            "고민",
            "상의",
            "이따",
            "다음에",
            "주말에",
            "시간날때",
            "집에가서",
            "물어보고",
            "알아보고",
        ),
        "noncommittal": ("글쎄", "그냥", "모르겠"),
        "polite": ("감사", "죄송", "고마워", "고맙", "수고하세요"),
        "hostile": ("귀찮", "왜자꾸", "하지마세요", "신고", "짜증", "기분나쁘", "불쾌", "화나"),
        "blunt": (
            "끊을게요",
            "끊습니다",
            "됐어요",
            "끊어요",
            "됐다니까",
            "필요없다고",
            "관심없다고",
            "다니까",
            "됐고",
        ),
        "wrong_person": ("잘못거", "그런사람없", "잘못찾", "번호주인", "사람잘못"),
    },
    "en": {
        "commit": ("right now", "right away", "sign me up", "today", "let's do it"),
        "hesitant": (
            "think about it",
            "think it over",
            "let me think",
            "talk to my family",
            "later",
            "not now",
            "another time",
        ),
        "noncommittal": ("maybe", "whatever", "i don't know", "not sure", "perhaps"),
        "polite": ("thank you", "thanks", "sorry", "please"),
        "hostile": (
            "annoying",
            "stop calling",
            "keep calling",
            "complain",
            "harassment",
            "leave me alone",
        ),
        "blunt": ("hanging up", "don't call back", "not interested at all"),
        "wrong_person": (
            "wrong number",
            "wrong person",
            "nobody by that name",
            "no one by that name",
            "not me",
        ),
    },
}

_TERMS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "zh": {
        "question": (
            "吗",
            "呢",
            "什么",
            "怎么",
            "多少",
            "哪",
            "如何",
            "是不是",
            "能不能",
            "有没有",
            "可不可以",
        ),
        "asks_details": ("具体", "详细", "条件", "介绍", "什么", "说说", "期限", "起购", "门槛"),
        "asks_price": (
            "多少钱",
            "利率",
            "利息",
            "收益",
            "费用",
            "手续费",
            "年费",
            "价格",
            "收费",
            "回报",
        ),
        "asks_how": ("怎么", "如何", "怎样", "在哪", "哪里", "操作", "办理", "步骤"),
        "asks_repeat": ("再说一遍", "没听清", "听不清", "什么意思", "重复"),
        "positive": (
            "好的",
            "好啊",
            "可以",
            "是的",
            "行",
            "兴趣",
            "想",
            "需要",
            "没问题",
            "不错",
            "谢谢",
        ),
        "negative": (
            "不需要",
            "不用",
            "不要",
            "没兴趣",
            "不感兴趣",
            "别",
            "烦",
            "投诉",
            "骚扰",
            "删掉",
            "不想",
            "没空",
            "在忙",
            "很忙",
            "不行",
            "不了",
            "打错",
            # blunt "won't do it" (不弄 / 不装 / 不办 / 不听 / 不信)
            "不弄",
            "不装",
            "不办",
            "不听",
            "不信",
        ),
    },
    "ko": {
        "question": ("어떻게", "얼마", "뭐", "무엇", "언제", "어디", "나요", "까요", "인가요"),
        "asks_details": ("조건", "자세히", "설명", "내용", "뭐예요", "기간"),
        "asks_price": ("얼마", "금리", "이자", "수수료", "비용", "가격", "연회비", "수익"),
        "asks_how": ("어떻게", "방법", "하면되나요", "절차"),
        "asks_repeat": ("다시말씀", "다시한번", "못들었", "뭐라고"),
        "positive": (
            "네",
            "좋아요",
            "관심있어요",
            "좋습니다",
            "말씀하세요",
            "그래요",
            "할게요",
            "맞습니다",
        ),
        "negative": (
            "아니요",
            "필요없",
            "관심없",
            "괜찮습니다",
            "하지마세요",
            "귀찮",
            "거부",
            "바빠요",
            "왜자꾸",
            "잘못거",
            "없어요",
            "싫어요",
            # 안 with a verb of using, doing or listening: 안 써요, 안 할래요, 안 들을래요
            "안써",
            "안쓸",
            "안할",
            "안해도",
            "안들을",
            "됐고",
        ),
    },
    "en": {
        "question": (
            "what",
            "how",
            "why",
            "when",
            "where",
            "which",
            "can i",
            "could",
            "is it",
            "do i",
            "does",
        ),
        "asks_details": (
            "details",
            "detail",
            "conditions",
            "terms",
            "explain",
            "more about",
            "tell me",
            "what is",
        ),
        "asks_price": (
            "price",
            "rate",
            "cost",
            "fee",
            "fees",
            "interest rate",
            "how much",
            "charge",
            "return",
        ),
        "asks_how": ("how", "what do i need", "where do i", "steps", "sign up", "what do i do"),
        "asks_repeat": ("say that again", "repeat", "pardon", "didn't catch", "sorry what"),
        "positive": (
            "yes",
            "sure",
            "okay",
            "ok",
            "interested",
            "sounds good",
            "great",
            "please",
            "yeah",
        ),
        "negative": (
            "no",
            "not",
            "don't",
            "stop",
            "annoying",
            "never",
            "busy",
            "wrong number",
            "keep calling",
            "take me off",
            "nobody",
        ),
    },
}


# A refusal said twice in a row ("不要不要", "不需要，不要", "no, no"), found in the text as
# heard: the normalised text has its repeats collapsed. 不用不用 / 不用了不用了 is the polite
# reflex ("no need, really"), not a refusal said twice.
_ZH_NO = r"(?:不要|不需要|不弄|不装|不听|不办|没兴趣|不感兴趣)"
_REPEATED_NO: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(_ZH_NO + r"了?[\s，,、。！!啊]*" + _ZH_NO),
    "ko": re.compile(r"(아니요|아뇨|아니)[\s,.!]*\1"),
    "en": re.compile(r"\b(no|nope)[\s,.!]+\1\b", re.IGNORECASE),
}
# Words holding a positive term that say nothing positive: 行 in 银行 (the bank), 进行, 旅行
_NOT_POSITIVE: Mapping[str, tuple[str, ...]] = {"zh": ("银行", "进行", "旅行", "步行", "行业")}
# A bare "don't want" / "won't" as the whole answer (不要, 不弄, 不装了): a curt refusal of
# the caller, where "no need" (不用, 不需要了) declines the offer (docs/intent.md, the grades).
# "Won't" opens the answer, with or without a reason (不装，我不用手机银行); hanging up said
# as the whole answer (挂了, 挂了挂了) or as its last word (不需要，挂).
_BARE_REFUSAL: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(
        r"我?(?:不要|不弄|不装|不办|不听|不干|不搞)(?:了|啊|呀|吧)?"
        r"|我?(?:不弄|不装|不办|不听|不干|不搞).*"
        r"|我?(?:挂了|挂啦)+"
        r"|.*[^别不]挂"
    ),
}
# 麻烦 ("trouble", "please": 麻烦您, 不麻烦了) is polite, not the annoyed 烦; a worry about
# fraud (怕是诈骗的链接, 防诈骗) is caution, not distrust of the caller
_NOT_HOSTILE = ("麻烦", "怕是诈骗", "怕诈骗", "怕是骗", "怕被骗", "防诈骗", "担心是骗")


@dataclass(frozen=True)
class Cues:
    """Which cues one customer turn carries."""

    question: bool = False
    asks_details: bool = False
    asks_price: bool = False
    asks_how: bool = False
    asks_repeat: bool = False
    positive: bool = False
    negative: bool = False
    commit: bool = False
    hesitant: bool = False
    noncommittal: bool = False
    polite: bool = False
    hostile: bool = False
    blunt: bool = False
    wrong_person: bool = False
    filler: bool = False

    def names(self) -> tuple[str, ...]:
        return tuple(c for c in CUES if getattr(self, c))


def lexicon_language(language: str) -> str:
    """The lexicon for ``language`` (unknown languages use English)."""
    base = base_language(language)
    return base if base in _TERMS else "en"


@dataclass(frozen=True)
class _Terms:
    """CJK terms of one cue: matched on the normalised text, except those that normalising
    changes (说说 -> 说, 想想, 天天打 -> 天打: repeats collapse), matched on the text as heard
    (punctuation and spaces removed), so that 说说 is not every 说."""

    norm: tuple[str, ...]
    raw: tuple[str, ...]


_Matcher = _Terms | re.Pattern[str]


@lru_cache(maxsize=8)
def _compiled(language: str) -> dict[str, _Matcher]:
    lang = lexicon_language(language)
    out: dict[str, _Matcher] = {}
    for cue, terms in {**_TERMS[lang], **_EXTRA[lang]}.items():
        if lang == "en":
            normed = tuple(dict.fromkeys(normalize(t, language) for t in terms if t))
            alt = "|".join(re.escape(t) for t in sorted(normed, key=len, reverse=True))
            out[cue] = re.compile(r"(?:^| )(?:" + alt + r")(?= |$)")
            continue
        norm: list[str] = []
        raw: list[str] = []
        for t in terms:
            n = normalize(t, language)
            if n and n == _heard(t):
                norm.append(n)
            elif t:
                raw.append(_heard(t))
        out[cue] = _Terms(tuple(dict.fromkeys(norm)), tuple(dict.fromkeys(raw)))
    return out


def _heard(text: str) -> str:
    """The text as heard without punctuation and spaces, lower-cased."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _hit(text: str, heard: str, matcher: _Matcher) -> bool:
    if isinstance(matcher, re.Pattern):
        return matcher.search(text) is not None
    return any(t in text for t in matcher.norm) or any(t in heard for t in matcher.raw)


def _without(text: str, words: tuple[str, ...]) -> str:
    for word in words:
        text = text.replace(word, "")
    return text


def cues(text: str, language: str) -> Cues:
    """The cues in one customer turn (``text`` as heard, not yet normalised)."""
    norm = normalize(text, language)
    if not norm:
        return Cues(filler=bool(text.strip()))
    m = _compiled(language)
    lang = lexicon_language(language)
    heard = _heard(text)

    def hit(cue: str, drop: tuple[str, ...] = ()) -> bool:
        if drop:
            return _hit(_without(norm, drop), _without(heard, drop), m[cue])
        return _hit(norm, heard, m[cue])

    negative = hit("negative")
    polite = hit("polite")
    noncommittal = hit("noncommittal")
    commit = hit("commit")
    hostile = hit("hostile", _NOT_HOSTILE)
    bare = _BARE_REFUSAL.get(lang)
    refusal = bare is not None and bare.fullmatch(_bare(text)) is not None
    curt = hit("blunt") or bool(_REPEATED_NO[lang].search(text)) or refusal
    return Cues(
        commit=commit,
        hesitant=hit("hesitant"),
        noncommittal=noncommittal,
        polite=polite,
        hostile=hostile,
        # a curt refusal is D; "好的，那先挂了" (no negation), "不用不用，谢谢" (polite) and
        # "我挂了电话就装" (commits) are not
        blunt=(negative or refusal) and not polite and not commit and curt,
        wrong_person=hit("wrong_person"),
        question=hit("question"),
        asks_details=hit("asks_details"),
        asks_price=hit("asks_price"),
        # an accusing 怎么 (怎么老打, 怎么有我电话) asks nothing; "行了行了别说了" is no yes
        asks_how=(not hostile) and hit("asks_how"),
        asks_repeat=hit("asks_repeat"),
        positive=(not negative) and (not hostile) and hit("positive", _NOT_POSITIVE.get(lang, ())),
        # a polite or vague "no" is the C kind of decline, not a refusal
        negative=negative and not polite and not noncommittal,
    )


def _bare(text: str) -> str:
    """The text as heard without punctuation, spaces and sounds (嗯, 呃, 哎)."""
    return "".join(ch for ch in text if ch.isalnum() and ch not in "嗯呃哎唉诶")


def speech_seconds(text: str, language: str) -> float:
    """Rough speaking time of ``text`` when no timing is known: 0.25 s per CJK character,
    0.4 s per word otherwise."""
    if lexicon_language(language) in ("zh", "ko"):
        return 0.25 * sum(1 for ch in text if ch.isalnum())
    return 0.4 * len(text.split())
