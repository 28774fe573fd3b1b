"""Removal from the bank's lists, as the Chinese opt-out rules (``scripts.optout_zh``) read it.

删/去掉/注销 near 号码/名单/系统 (把我号码删了, 从名单里去掉) is an opt-out; not when denied
(号码别删, 不是要删), when the object is an app or a card (那个app我删了, 把卡注销), nor when a number is replaced
and another kept (旧的号码删了，留新的; 我老婆的号码删了，打我的). Also the denials the rules
share: a word denied right before it (不算骚扰, 号码别删; 我不投诉，你放心). Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from scripts.optout_zh_words import (
    APPS,
    NOT_UNLESS,
    ZhRules,
    ZhWords,
    clause_gap,
    find_words,
    has_words,
    py_words,
)

Found = tuple[str, str]  # (rule, words)

# a card or account as what is closed (把卡注销, 信用卡销掉): no number removed
_CARDS = py_words("卡|信用卡|账户|账号|户头")


def removal(tokens: Sequence[str], rules: ZhRules, vetoes: list[str]) -> Found | None:
    """删/去掉 near 号码/名单 (把我号码删了), not denied (号码别删) nor a number replaced
    (旧的号码删了，留新的)."""
    for rs, re_ in find_words(tokens, rules.removals):
        if denied(tokens, rs, rules.negations) or denied(tokens, rs, rules.not_asked):
            vetoes.append("denied")
            continue
        if has_words(tokens[max(0, rs - 6) : re_ + 3], APPS):
            vetoes.append("other_object")
            continue  # 那个app我删了: the app deleted, not the number
        before = tokens[max(0, rs - 3) : rs]
        if has_words(before, _CARDS) and not has_words(before, rules.numbers):
            vetoes.append("other_object")
            continue  # 我想去把卡注销了: the card closed, not the number removed
        for ns, ne in find_words(tokens, rules.numbers):
            if tokens[ns:ne] == ["hao"] and tokens[ne : ne + 1] == ["xiang"]:
                continue  # 好像删了: "seems", not 号
            ends = re_ >= len(tokens) - 2  # 我手机号不要再给你们用了，删了
            if (
                clause_gap(tokens, ne, rs, 8)
                or clause_gap(tokens, re_, ns, 4)
                or (ends and 0 <= rs - ne <= 14)
            ):
                owner = tokens[max(0, ns - 6) : ns]
                if (has_words(owner, rules.old) and _kept(tokens, 0, rules)) or (
                    relative_owner(owner, rules) and _kept(tokens, re_, rules)
                ):
                    vetoes.append("redirected")
                    return None
                return ("remove_number", " ".join(tokens[min(rs, ns) : max(re_, ne)]))
    return None


# 别留, 不要留, 不用留: the number not to be kept
_NOT_KEPT: tuple[list[str], ...] = (["bie"], ["yao"], ["yong"])


def _kept(tokens: Sequence[str], start: int, rules: ZhRules) -> bool:
    """Another number kept from ``start`` on (留新的, 以后打我这个), not 别留着."""
    rest = tokens[start:]
    return any(rest[max(0, k - 1) : k] not in _NOT_KEPT for k, _ in find_words(rest, rules.kept))


def relative_owner(owner: Sequence[str], rules: ZhRules) -> bool:
    """The number is a relative's (我老婆的号码, 我爸号码; not 删了吧我的号码: 吧 is 爸)."""
    return any(owner[e : e + 1] in (["de"], []) for _, e in find_words(owner, rules.relatives))


def denied(tokens: Sequence[str], s: int, words: ZhWords) -> bool:
    """The word at ``s`` is denied right before it (不算骚扰, 我不会投诉的; with the
    negations: 号码别删)."""
    window = tokens[max(0, s - 4) : s]
    return any(e == len(window) for _, e in find_words(window, words))


# what may stand before a denying 不 (我不投诉; not 总部投诉: 部 is also bu)
_BEFORE_NOT = frozenset(("wo", "ye", "jiu", "hai", "bing", "jue", "ke", "dou", "zhen", ","))


def not_complaining(tokens: Sequence[str], s: int, e: int) -> bool:
    """不 right before the complaint at ``s``-``e`` denies it (我不投诉，你放心), unless a
    consequence follows (不投诉你们就不长记性)."""
    return (
        tokens[s - 1 : s] == ["bu"]
        and (s == 1 or tokens[s - 2] in _BEFORE_NOT)
        and not has_words(tokens[e : e + 6], NOT_UNLESS)
    )
