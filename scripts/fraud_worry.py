"""Fraud said in a Chinese reply: a worry (a question) or an accusation (a refusal).

docs/intent.md ("The grades"): worry is not distrust. "It isn't a scam, is it?" said with
a hedge (别是诈骗的, 不会是骗人的吧, 怕是假的链接, 万一是钓鱼的) asks to be reassured; calling the
caller a fraud (骗子吧你们, 你们这是诈骗电话) distrusts them. Both are heard by their sound
(toneless pinyin), so a recognition homophone (炸骗, 片子) says the same. Pure, no I/O.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scripts.pinyin import sound

# the fraud words: scam, swindler, cheating people; feared only (真的假的 is "really?"):
# fake, phishing, a virus
FRAUD = ("诈骗", "骗子", "骗人", "骗钱")
FEARED = (*FRAUD, "假的", "钓鱼", "病毒", "木马")
# hedges that make the fraud a fear, not a charge: "it isn't ..., is it", "I'm afraid",
# "what if"; up to three syllables may come between (别是什么诈骗的)
HEDGES = ("别是", "不会是", "该不会", "会不会是", "可别是", "怕是", "怕", "担心", "万一是", "就怕")
# anti-fraud (防诈骗, 反诈) names an app or a warning, not the caller
NOT_FRAUD = ("防诈骗", "反诈骗", "防骗", "反诈")


def _syllables(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(sound(w).strip()) for w in words)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    fraud = re.compile(rf" (?:{_syllables(FRAUD)}) ")
    worry = re.compile(rf" (?:{_syllables(HEDGES)})(?: \w+){{0,3}} (?:{_syllables(FEARED)}) ")
    anti = re.compile(rf" (?:{_syllables(NOT_FRAUD)}) ")
    return fraud, worry, anti


def _heard(text: str) -> str:
    said = sound("".join(ch for ch in text if ch.isalnum() or not ch.isascii()))
    return _patterns()[2].sub(" ", said)


def fraud_worry(text: str) -> bool:
    """Fraud said as a fear (别是诈骗的): a question, not distrust of the caller."""
    return _patterns()[1].search(_heard(text)) is not None


def accuses_fraud(text: str) -> bool:
    """Fraud said as a charge against the caller (骗子吧你们), not as a fear."""
    heard = _heard(text)
    return _patterns()[0].search(heard) is not None and _patterns()[1].search(heard) is None


_CLAUSE = re.compile(r"[,，。.!！?？、;；…~～\s]+")


def without_worry(text: str) -> str:
    """``text`` without its clauses that voice a fraud worry (不要发，怕是诈骗 -> 不要发)."""
    return "，".join(c for c in _CLAUSE.split(text) if c and not fraud_worry(c))
