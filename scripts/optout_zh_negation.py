"""The negations and clauses of a Chinese reply, as the opt-out rules (``scripts.optout_zh``)
read them: which negation words negate (not 特别, 要不要, 别人, 不要紧, 别太早打, 我没说不要),
and where a reply's clauses end when the recogniser left the commas out. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_words import ZhRules, find_words, has_words, py_words


def zh_negations(tokens: Sequence[str], rules: ZhRules) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in find_words(tokens, rules.negations):
        before = tokens[max(0, s - 5) : s]
        if has_words(before, py_words("没说|不是说|没有说")) and "le" not in before:
            continue  # 我没说不要电话: the customer denies having asked
        if (
            s > 0
            and tokens[s - 1] in rules.not_negation_before
            and len(tokens[s:e]) <= 2
            and (tokens[s] == "bu" or tokens[s - 1] not in ("yao", "yong"))
        ):
            continue  # 特别, 要不要, 用不用 (not 我不需要别再打: 要 before 别)
        if (
            e < len(tokens)
            and tokens[e] in rules.not_negation_after
            and e - s == 1
            and tokens[e : e + 2] != ["chu", "xian"]
        ):
            continue  # 别人, 别的 (not 别出现: 别处 is chu alone)
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


def zh_clauses(tokens: Sequence[str]) -> list[Sequence[str]]:
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


def clause_before(tokens: Sequence[str], s: int) -> Sequence[str]:
    """The tokens of the clause before ``s``."""
    before = tokens[:s]
    return before[len(before) - before[::-1].index(",") :] if "," in before else before
