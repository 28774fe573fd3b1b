"""Conversation cues in what the customer said, per language (zh, ko, en). Pure, no I/O.

Each cue is a list of terms matched on the normalised text (``dialogue.matching``): CJK
by substring, English by whole words or word sequences. Positive wording counts only when
the turn has no negative wording ("不想" is not "想", "not interested" not "interested").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from dialogue.matching import base_language, normalize

CUES = ("question", "asks_details", "asks_price", "asks_how", "asks_repeat", "positive", "negative")

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

    def names(self) -> tuple[str, ...]:
        return tuple(c for c in CUES if getattr(self, c))


def lexicon_language(language: str) -> str:
    """The lexicon for ``language`` (unknown languages use English)."""
    base = base_language(language)
    return base if base in _TERMS else "en"


@lru_cache(maxsize=8)
def _compiled(language: str) -> dict[str, tuple[str, ...] | re.Pattern[str]]:
    lang = lexicon_language(language)
    out: dict[str, tuple[str, ...] | re.Pattern[str]] = {}
    for cue, terms in _TERMS[lang].items():
        normed = tuple(dict.fromkeys(normalize(t, language) for t in terms if t))
        if lang == "en":
            alt = "|".join(re.escape(t) for t in sorted(normed, key=len, reverse=True))
            out[cue] = re.compile(r"(?:^| )(?:" + alt + r")(?= |$)")
        else:
            out[cue] = normed
    return out


def _hit(text: str, matcher: tuple[str, ...] | re.Pattern[str]) -> bool:
    if isinstance(matcher, re.Pattern):
        return matcher.search(text) is not None
    return any(t in text for t in matcher)


def cues(text: str, language: str) -> Cues:
    """The cues in one customer turn (``text`` as heard, not yet normalised)."""
    norm = normalize(text, language)
    if not norm:
        return Cues()
    m = _compiled(language)
    negative = _hit(norm, m["negative"])
    return Cues(
        question=_hit(norm, m["question"]),
        asks_details=_hit(norm, m["asks_details"]),
        asks_price=_hit(norm, m["asks_price"]),
        asks_how=_hit(norm, m["asks_how"]),
        asks_repeat=_hit(norm, m["asks_repeat"]),
        positive=(not negative) and _hit(norm, m["positive"]),
        negative=negative,
    )


def speech_seconds(text: str, language: str) -> float:
    """Rough speaking time of ``text`` when no timing is known: 0.25 s per CJK character,
    0.4 s per word otherwise."""
    if lexicon_language(language) in ("zh", "ko"):
        return 0.25 * sum(1 for ch in text if ch.isalnum())
    return 0.4 * len(text.split())
