"""Concept-class features of a Chinese reply, for the learned opt-out model alone.

Words are mapped to general classes (a negation, a call, "again / from now on", a
removal, a list or system, a complaint or regulator, exasperation, the bank, the
customer, a time that scopes the request, another topic ...), mostly the word groups of
the opt-out rules (``scripts.optout_zh_words``), and the model reads the classes as well
as the characters: each class (``o:NEG``), each pair of classes in a row (``o:NEG_CALL``)
and each ordered pair and triple of classes within a few syllables in one clause
(``o:NEG>CALL``, ``o:NEG>AGAIN>CALL``). A paraphrase the fit set has never seen, in
words it has never seen together, still shares these features with what it means
(别再给我来电 and 莫要再打 are both NEG>AGAIN>CALL). Words are compared as toneless pinyin
after the dialect rewrites of the rules, so the recogniser's homophones (别在打了,
来点话) map to the same classes. The intent classifier never reads them (they are not
``scripts.classifier.features``), and a model reads them only when fitted with the
``concepts`` feature set (``scripts.optout_model``; the shipped models are not: see
docs/intent.md, session 11). Pure, no I/O; one reply costs about 0.1 ms.
"""

from __future__ import annotations

import functools
import itertools

from scripts.matching import base_language, normalize
from scripts.optout_zh_words import (
    DIALECT,
    DIALECT_ANY,
    EXASPERATED,
    FREQUENT,
    THREATENED,
    ZhWords,
    find_words,
    py_words,
    zh_rules,
    zh_words,
)
from scripts.pinyin import pinyin_tokens_read

PREFIX = "o:"
# ordered pairs and triples are read within this many syllables of the first word
WINDOW = 8


def _union(*groups: ZhWords) -> ZhWords:
    return zh_words(dict.fromkeys(w for g in groups for w in g))


@functools.lru_cache(maxsize=1)
def concept_classes() -> tuple[tuple[str, ZhWords], ...]:
    """The classes, each as its name and its words (pinyin token tuples)."""
    r = zh_rules()
    return (
        ("NEG", _union(r.negations, r.prohibitions, py_words("不|别|莫|甭|勿|没必要|停"))),
        ("UNWANT", _union(r.unwanted, r.refusals_after, py_words("不想|不愿|受不了|讨厌"))),
        ("CALL", _union(r.calls, r.call_nouns, r.to_customer, py_words("call|短信|信息|微信"))),
        ("AGAIN", py_words("再|又|还|老是|总是|一直|反复|重复")),
        ("LASTING", _union(r.lasting, py_words("再也|永远|以后|今后|往后|从此|一辈子"))),
        ("REMOVE", _union(r.removals, r.cancels, py_words("拉黑|屏蔽|退订|除名|撤|取消"))),
        ("LIST", _union(r.numbers, py_words("黑名单|名单|系统|列表|数据库|号码"))),
        ("STAND", r.standing),
        ("MARKET", _union(r.marketing, r.no_marketing)),
        ("COMPLAIN", _union(r.complaints, THREATENED)),
        (
            "ENOUGH",
            _union(
                r.repeated,
                EXASPERATED,
                py_words("够了|烦|烦死|烦人|有病|神经|受够|滚|恶心|要命|服了|无语|多少次|几次"),
            ),
        ),
        ("FREQ", FREQUENT),
        ("YOU", py_words("你们|你|银行|贵行|机构|公司")),
        ("ME", py_words("我|本人|我的|我家")),
        ("LATER", r.callback),
        ("NOW", r.temporary),
        ("TOPIC", _union(r.other_topics, r.products)),
        ("OTHERS", _union(r.relatives, r.someone_else)),
        ("SPAM", _union(r.spam, r.spam_topic)),
        ("PAST", _union(r.past, r.habitual)),
        ("DENY", _union(r.not_before_word, r.not_asked)),
        ("NEED", py_words("不需要|不用了|不感兴趣|没兴趣|算了|不考虑|不办")),
        ("ASK", py_words("吗|吧|呢|怎么|什么|为什么|干嘛|是不是|能不能|可不可以|可以吗")),
        ("PLEASE", py_words("请|麻烦|拜托|求你|求求|谢谢|行吗|好不好|行不行")),
    )


def concept_features(text: str, language: str) -> tuple[str, ...]:
    """The reply's concept-class features (Chinese only; none for other languages)."""
    if base_language(language) != "zh":
        return ()
    return _zh_concepts(normalize(text, language))


# A one-syllable word is its class's only when it is one of these characters (把 and 吧
# and 爸 are all "ba"), or, for the classes the recogniser's homophones matter in, when
# it sounds as one of them (别在打了: 在 heard for 再, 大 for 打).
SINGLES: dict[str, tuple[str, frozenset[str]]] = {
    "NEG": ("不别莫甭勿停", frozenset(("bu", "bie", "beng"))),
    "CALL": ("打拨", frozenset(("da",))),
    "AGAIN": ("再又还", frozenset(("zai",))),
    "REMOVE": ("删撤", frozenset(("shan",))),
    "LIST": ("号", frozenset()),
    "ENOUGH": ("烦滚", frozenset()),
    "YOU": ("你", frozenset()),
    "ME": ("我", frozenset()),
    "TOPIC": ("卡锁钱", frozenset()),
    "OTHERS": ("爸妈他她回", frozenset()),
    "ASK": ("吗吧呢", frozenset()),
    "PLEASE": ("请", frozenset()),
}


NEGATIONS = frozenset(("NEG", "UNWANT"))


@functools.lru_cache(maxsize=1024)
def _zh_concepts(norm: str) -> tuple[str, ...]:
    if DIALECT_ANY.search(norm):
        for a, b in DIALECT:
            norm = norm.replace(a, b)
    tokens, chars = pinyin_tokens_read(norm)
    if not tokens:
        return ()
    # every class word found, as (start, end, class); one class once per start
    found: dict[tuple[int, str], int] = {}
    by_sound: set[tuple[int, str]] = set()  # one syllable heard by its sound alone
    for name, words in concept_classes():
        singles, sounds = SINGLES.get(name, ("", frozenset()))
        for s, e in find_words(tokens, words):
            if e - s == 1 and chars[s] not in singles:
                if tokens[s] not in sounds:
                    continue
                by_sound.add((s, name))
            if found.get((s, name), -1) < e:
                found[(s, name)] = e
    # a syllable heard by its sound alone inside a longer word is that word's (在 in 现在),
    # but inside a negation it keeps its class (别在打: 别再)
    spans = set(found.items())
    hits = sorted(
        (s, e, name)
        for (s, name), e in spans
        if (s, name) not in by_sound
        or not any(
            s2 <= s and e <= e2 and e2 - s2 > e - s and n2 not in NEGATIONS
            for (s2, n2), e2 in spans
        )
    )
    # the clause of each token (a clause break is the "," token)
    clause = [0] * (len(tokens) + 1)
    for i, t in enumerate(tokens):
        clause[i + 1] = clause[i] + (t == ",")
    out: dict[str, None] = {}
    names = [name for _, _, name in hits]
    for name in names:
        out[PREFIX + name] = None
    seq = list(dict.fromkeys(names))  # classes in the order first heard
    for a, b in itertools.pairwise(seq):
        out[PREFIX + a + "_" + b] = None
    if names:
        out[PREFIX + "^" + names[0]] = None
        out[PREFIX + names[-1] + "$"] = None
    for i, (s1, e1, n1) in enumerate(hits):
        near = [
            (s2, e2, n2)
            for s2, e2, n2 in hits[i + 1 :]
            if s2 >= e1 and s2 - s1 <= WINDOW and clause[s2] == clause[s1] and n2 != n1
        ]
        for j, (_s2, e2, n2) in enumerate(near):
            out[PREFIX + n1 + ">" + n2] = None
            for s3, _, n3 in near[j + 1 :]:
                if s3 >= e2 and n3 != n2:
                    out[PREFIX + n1 + ">" + n2 + ">" + n3] = None
    return tuple(out)
