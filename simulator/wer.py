"""Simulated recognition errors for text mode, and the error rate to measure them.

Chinese is scored and corrupted per character, other languages per word. Errors are
substitutions, deletions and insertions in a 3:1:1 ratio, drawn with the caller's RNG.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

_PUNCT = re.compile(r"[\s，。！？、,.!?;:；：“”\"'…]+")


def char_level(language: str) -> bool:
    return language.startswith(("zh", "cmn", "ja"))


def tokens(text: str, language: str) -> list[str]:
    """Scoring units: characters for Chinese, words otherwise (punctuation dropped)."""
    if char_level(language):
        return [c for c in _PUNCT.sub("", text)]
    return [w for w in _PUNCT.sub(" ", text).split() if w]


def join(units: Sequence[str], language: str) -> str:
    return "".join(units) if char_level(language) else " ".join(units)


def corrupt(
    text: str,
    rate: float,
    rng: random.Random,
    language: str,
    vocabulary: Sequence[str],
) -> str:
    """``text`` with about ``rate`` errors per unit (substitute / delete / insert)."""
    if not 0 <= rate <= 1:
        raise ValueError("rate must be within 0..1")
    units = tokens(text, language)
    if rate == 0 or not units:
        return join(units, language)
    vocab = [v for v in vocabulary if v] or units
    out: list[str] = []
    for unit in units:
        r = rng.random()
        if r < rate * 0.6:
            choices = [v for v in vocab if v != unit] or [unit + unit]
            out.append(rng.choice(choices))
        elif r < rate * 0.8:
            continue
        elif r < rate:
            out.append(unit)
            out.append(rng.choice(vocab))
        else:
            out.append(unit)
    return join(out, language)


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def error_rate(ref: str, hyp: str, language: str) -> float:
    """Word (or character, for Chinese) error rate of ``hyp`` against ``ref``."""
    r, h = tokens(ref, language), tokens(hyp, language)
    if not r:
        return 0.0 if not h else 1.0
    return edit_distance(r, h) / len(r)


def vocabulary_of(phrases: Sequence[str], language: str) -> list[str]:
    """Distinct units of ``phrases`` in first-seen order (the pool for substitutions)."""
    seen: dict[str, None] = {}
    for p in phrases:
        for u in tokens(p, language):
            seen.setdefault(u, None)
    return list(seen)
