"""Reading what a sentence promises about returns and capital. Pure, no I/O.

The compliance rule is about meaning, not substrings: 本产品不保本 is a required disclaimer
and must pass; 肯定不会亏、年化百分之八 promises both capital and a return and must be
flagged although it contains no banned word. A text is cut into clauses; in each clause a
*claim* is looked for (a guarantee, a no-loss statement, a stated return). A claim that a
negation governs (不保本, 不能保证收益, 并不是没有风险, 不代表实际收益) is a disclaimer. A
stated return (年化 4%, 百分之八的收益) is a promise only when the clause asserts it
(肯定, 保证, 稳定在, 固定) and no disclaimer in the same sentence disowns it (业绩比较基准 …
不代表实际收益). Tables per base language; Chinese is the full set, English and Korean cover
the common forms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["guarantee", "no_loss", "stated_return"]


@dataclass(frozen=True)
class Promise:
    """One promised return or guarantee found in a text."""

    kind: Kind
    cue: str
    clause: str

    def __str__(self) -> str:
        label = {
            "guarantee": "guarantees capital or returns",
            "no_loss": "says the customer cannot lose",
            "stated_return": "promises a stated return",
        }[self.kind]
        return f"{label}: {self.clause!r}"


@dataclass(frozen=True)
class _Table:
    # Words that assert a guarantee; a negation before them makes a disclaimer.
    guarantees: tuple[str, ...]
    # Statements that nothing can be lost; a negation before them makes a disclaimer.
    no_loss: tuple[str, ...]
    # Negations that govern a following claim in the same clause.
    negations: tuple[str, ...]
    # Words asserting a figure is certain (turn a stated return into a promise).
    assertions: tuple[str, ...]
    # Sentences that disown a stated return anywhere in the same sentence.
    disowning: tuple[str, ...]
    # A stated return: a rate word near a figure.
    rate: re.Pattern[str]


_ZH = _Table(
    guarantees=(
        "保本保息",
        "保本",
        "保收益",
        "保息",
        "保证收益",
        "保证回报",
        "保证本金",
        "保证赚",
        "保证不亏",
        "稳赚",
        "包赚",
        "稳赚不赔",
        "只赚不赔",
        "旱涝保收",
        "刚性兑付",
        "刚兑",
        "本金有保障",
        "本金安全有保障",
        "收益有保障",
        "收益有保证",
        "承诺收益",
        "一定赚",
        "肯定赚",
        "保你赚",
        "保您赚",
        "只涨不跌",
        "稳稳的收益",
        "闭着眼睛买",
        "闭眼买",
    ),
    no_loss=(
        "不会亏",
        "亏不了",
        "不可能亏",
        "不会赔",
        "赔不了",
        "不会亏本",
        "没有风险",
        "没什么风险",
        "零风险",
        "无风险",
        "没风险",
        "绝对安全",
        "百分之百安全",
        "100%安全",
        "不会损失本金",
        "本金不会少",
    ),
    negations=(
        "不是",
        "并不",
        "并非",
        "不能",
        "无法",
        "不可",
        "不会",
        "不承诺",
        "不代表",
        "不等于",
        "不构成",
        "不意味",
        "不",
        "非",
        "没有",
        "未",
        "别信",
    ),
    assertions=(
        "肯定",
        "一定",
        "保证",
        "确保",
        "承诺",
        "稳定在",
        "稳稳",
        "固定",
        "绝对",
        "至少",
        "铁定",
        "妥妥",
    ),
    disowning=(
        "不代表实际收益",
        "不代表未来",
        "不预示",
        "不构成",
        "不作为",
        "不等于实际",
        "仅供参考",
        "以实际为准",
        "业绩比较基准",
        "预期收益不",
    ),
    rate=re.compile(
        r"(年化|收益率?|利率|回报率?|利息|收益能?有)[^，。；！？,.;!?]{0,8}?"
        r"(百分之[零一二三四五六七八九十点两\d.]+|[\d.]+\s*[%％]|[零一二三四五六七八九十两\d.]+个点)"
        r"|(百分之[零一二三四五六七八九十点两\d.]+|[\d.]+\s*[%％])[^，。；！？,.;!?]{0,4}(的)?(年化|收益|回报|利息)"
    ),
)

_EN = _Table(
    guarantees=(
        "guaranteed return",
        "guaranteed returns",
        "guaranteed income",
        "guarantee your capital",
        "capital guaranteed",
        "capital-guaranteed",
        "principal protected",
        "principal-protected",
        "guaranteed profit",
        "sure profit",
        "can't lose",
        "cannot lose",
    ),
    no_loss=("risk-free", "risk free", "no risk", "zero risk", "won't lose", "will not lose"),
    negations=("not", "no", "never", "isn't", "is not", "does not", "doesn't", "cannot", "can't"),
    assertions=("guarantee", "guaranteed", "certainly", "definitely", "fixed", "at least"),
    disowning=(
        "past performance",
        "not indicative",
        "does not represent",
        "for reference",
        "benchmark",
    ),
    rate=re.compile(r"\d+(\.\d+)?\s*(%|percent)\s*(a year|per year|annual|return|yield)?"),
)

_KO = _Table(
    guarantees=("원금 보장", "원금보장", "수익 보장", "수익보장", "확정 수익", "확정수익"),
    no_loss=("무위험", "위험이 없", "손해 볼 일 없", "손실이 없", "손해가 없", "잃을 일 없"),
    negations=("않", "아닙", "아니", "없", "못", "안 "),
    assertions=("확정", "보장", "무조건", "반드시", "최소"),
    disowning=("과거 수익률", "미래 수익을 보장하지", "실제 수익과 다를"),
    rate=re.compile(r"(연|수익률|금리)\s*[\d.]+\s*(%|퍼센트)"),
)

_TABLES: dict[str, _Table] = {"zh": _ZH, "en": _EN, "ko": _KO}

_SENTENCE = re.compile(r"[。！？!?；;\n]+")
_CLAUSE = re.compile(r"[，,、：:]+|但是|但|不过|然而|\bbut\b")


def _table(language: str) -> _Table:
    return _TABLES.get(language.split("-")[0].lower(), _ZH)


def _governed(clause: str, at: int, table: _Table) -> bool:
    """Is the claim at ``at`` governed by a negation earlier in its clause?

    A negation inside the cue itself (不会亏) is the claim's own wording, not a negation of
    it; only what comes before the cue counts. A double negation (不是不会亏) reads as a
    disclaimer here: the lint errs toward passing such rare wording, never toward flagging
    a required disclaimer.
    """
    before = clause[:at]
    if not before:
        return False
    for neg in sorted(table.negations, key=len, reverse=True):
        pos = before.rfind(neg)
        if pos < 0:
            continue
        gap = before[pos + len(neg) :]
        # A negation governs a claim a few characters on (不能保证收益, 并不是没有风险),
        # not one in a new phrase (不用担心，…) that the clause split already separated.
        if len(gap) <= 6:
            return True
    return False


def _claims(clause: str, table: _Table, lowered: str) -> list[tuple[Kind, str, int]]:
    found: list[tuple[Kind, str, int]] = []
    taken: list[tuple[int, int]] = []
    groups: tuple[tuple[Kind, tuple[str, ...]], ...] = (
        ("guarantee", table.guarantees),
        ("no_loss", table.no_loss),
    )
    for kind, words in groups:
        for word in sorted(words, key=len, reverse=True):
            start = lowered.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(a < end and start < b for a, b in taken):
                    taken.append((start, end))
                    found.append((kind, word, start))
                start = lowered.find(word, end)
    return found


def _asserts(clause: str, table: _Table) -> bool:
    """Does the clause assert certainty (肯定, 保证, 稳定在, 妥妥) not under a negation?"""
    for word in table.assertions:
        at = clause.find(word)
        if at >= 0 and not _governed(clause, at, table):
            return True
    return False


def find_promises(text: str, language: str = "zh-CN") -> list[Promise]:
    """Every promised return or guarantee in ``text``; disclaimers are not promises."""
    table = _table(language)
    out: list[Promise] = []
    for sentence in _SENTENCE.split(text):
        low_sentence = sentence.lower()
        disowned = any(d in low_sentence for d in table.disowning)
        sentence_asserts = False
        sentence_rate: str | None = None
        for clause in _CLAUSE.split(sentence):
            lowered = clause.lower().strip()
            if not lowered:
                continue
            for kind, cue, at in _claims(clause, table, lowered):
                if not _governed(lowered, at, table):
                    out.append(Promise(kind, cue, clause.strip()))
                    sentence_asserts = True
            if _asserts(lowered, table):
                sentence_asserts = True
            rate = table.rate.search(lowered)
            if (
                rate is not None
                and sentence_rate is None
                and not _governed(lowered, rate.start(), table)
            ):
                sentence_rate = clause.strip()
        if sentence_rate is not None and sentence_asserts and not disowned:
            out.append(Promise("stated_return", "rate", sentence_rate))
    return out


def disclaims(text: str, phrase: str, language: str = "zh-CN") -> bool:
    """Does ``text`` say ``phrase`` only under a negation (不保本 for 保本)?"""
    table = _table(language)
    lowered = text.lower()
    phrase = phrase.lower()
    start = lowered.find(phrase)
    if start < 0:
        return False
    while start >= 0:
        clause_start = max((m.end() for m in _CLAUSE.finditer(lowered[:start])), default=0)
        clause_start = max(
            clause_start, max((m.end() for m in _SENTENCE.finditer(lowered[:start])), default=0)
        )
        if not _governed(lowered[clause_start:], start - clause_start, table):
            return False
        start = lowered.find(phrase, start + len(phrase))
    return True
