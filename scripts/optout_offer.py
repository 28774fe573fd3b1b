"""A decline, not an opt-out: "no need to call" said to a call the bot has just offered.

At a state that offers a call (``offers_call``: it asks when to call back, or one of its
answers leads to an end where someone calls back), 不用再打了 / 没必要回电，我自己去网点
answers the offer: the customer does not need this call. The opt-out detector
(``scripts.optout``), which knows no state, reads the same words as "stop calling me".
``declines_offered_call`` tells the two apart for Chinese: every clause the detector fires
on says only that there is no NEED for the call (不用/没必要/用不着/不必/不需要, then
再/给我/专员 ..., then 打/联系/回电/打来), and nothing in the reply prohibits the calls (别,
不要, 不许, 甭), makes it lasting (以后, 永远, 再也), removes the number, names a standing
word or a complaint (拉黑, 骚扰, 投诉) or is exasperated at the calls (烦死了, 天天打);
and no other clause is an opt-out on its own (a threat: 再打我就销户).
Compared in toneless pinyin like the detector, so 步用在打了 and 没比要在大了 read as meant.
Pure, no I/O (the detector passed in may load its shipped model once).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from scripts.matching import base_language
from scripts.optout_zh_negation import zh_clauses, zh_negations
from scripts.optout_zh_words import (
    DIALECT,
    DIALECT_ANY,
    EXASPERATED,
    FREQUENT,
    find_words,
    has_words,
    py_words,
    zh_rules,
    zh_tokens,
)
from scripts.schema import Script

# Dispositions of an end where the customer is called back: reaching one from a state's
# answer makes the state an offer of a call (docs/scripts.md, "End states").
CALL_BACK_DISPOSITIONS = frozenset({"callback", "follow_up"})

# "there is no need" (not "do not": 不要/别 forbid)
NO_NEED = py_words("不用|没必要|没有必要|用不着|不必|不需要|无需|犯不着")
# the call the offer was about, to the customer
THE_CALL = py_words(
    "打电话|打过来|打来|打给我|打给|打|回电话|回电|回过来|回我|联系|联络|来电话|来电"
)
# what may stand between "no need" and the call: 再, 给我, who would call, 了
BETWEEN = frozenset(
    ("zai", "gei", "wo", "le", "zhuan", "yuan", "jing", "li", "ta", "ni", "men", "you", "lai")
)
# where the recogniser's punctuation and spaces end a clause
_CLAUSE = re.compile(r"[,，。.!！?？、;；…~～\s]+")
# annoyance at the calls (烦死了, 烦人); not 麻烦 (不用麻烦了 is polite)
ANNOYED = py_words("烦死|烦人|好烦|真烦|很烦|太烦|烦透|烦不烦|烦得很|烦了")


class _Detector(Protocol):
    def match(self, text: str) -> object | None: ...


def offers_call(script: Script, state: str) -> bool:
    """Does ``state`` offer the customer a call: it captures a callback time, or one of its
    answers leads to an end whose disposition is a call back (``CALL_BACK_DISPOSITIONS``)."""
    st = script.states[state]
    if st.capture is not None:
        return True
    for t in st.targets().values():
        end = script.states[t.to].end if t.to in script.states else None
        if end is not None and end.disposition in CALL_BACK_DISPOSITIONS:
            return True
    return False


def no_need_clause(clause: Sequence[str]) -> bool:
    """A clause saying the call is not needed: a no-need word, then only 再/给我/专员/了
    ..., then the call (不用再打了, 不用专员打给我, 没必要回电)."""
    calls = find_words(clause, THE_CALL)
    for _, e in find_words(clause, NO_NEED):
        for cs, _ in calls:
            if cs >= e and cs - e <= 3 and all(t in BETWEEN for t in clause[e:cs]):
                return True
    return False


def forbids_or_lasts(tokens: Sequence[str]) -> bool:
    """Words that make "no need" a request never to be called: a prohibition, a lasting
    word, a removal, a standing word, a complaint or annoyance at the calls (a threat,
    再打我就销户, is its own clause; 去银行 alone is a reason, not a threat)."""
    r = zh_rules()
    negating = {s for s, _ in zh_negations(tokens, r)}  # not 不要紧, 别人, 要不要
    for s, e in find_words(tokens, r.prohibitions):
        if s in negating and not (tokens[s:e] == ["bu", "xu"] and tokens[e : e + 1] == ["yao"]):
            return True  # 不许 forbids; 不需要 reads as 不许 + 要
    if any(tokens[s - 1 : s] != ["ma"] for s, _ in find_words(tokens, ANNOYED)):
        return True  # 烦了, not 麻烦了
    return any(
        has_words(tokens, w)
        for w in (
            r.lasting,
            r.removals,
            r.standing,
            r.complaints,
            EXASPERATED,
            FREQUENT,
        )
    )


def declines_offered_call(text: str, language: str, detector: _Detector) -> bool:
    """Is ``text``, said where a call was offered and read by ``detector`` as an opt-out,
    only "no need for the call"? Chinese only; otherwise False (the opt-out stands)."""
    if base_language(language) != "zh" or not text.strip():
        return False
    if DIALECT_ANY.search(text):
        for a, b in DIALECT:
            text = text.replace(a, b)
    tokens = zh_tokens(text)
    if not tokens or forbids_or_lasts(tokens):
        return False
    said = False
    for part in _CLAUSE.split(text):
        clauses = zh_clauses(zh_tokens(part))
        if any(no_need_clause(c) for c in clauses):
            said = True
        elif any(clauses) and detector.match(part) is not None:
            return False  # another clause is an opt-out on its own
    return said
