"""Chinese as toneless pinyin syllables: the form the opt-out rules (``scripts.optout``) and
the intent classifier's features (``scripts.classifier``) compare Chinese in, so that the
recogniser's homophone errors and traditional characters read as what was meant.

Pure, no I/O; the pinyin table (pypinyin's, 0.3 s) is loaded on first use.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Mapping
from typing import cast


@functools.lru_cache(maxsize=1)
def pinyin_table() -> Mapping[int, str]:
    """Code point -> its first reading, toneless, ``ü`` written ``v`` (no ASCII: a latin
    letter or digit is read as itself)."""
    # deferred: pypinyin's table is 42k entries (0.3 s); only Chinese calls need it
    from pypinyin.pinyin_dict import pinyin_dict

    out: dict[int, str] = {}
    for code, readings in pinyin_dict.items():
        if code < 128:
            continue
        first = readings.split(",")[0]
        plain = "".join(
            c for c in unicodedata.normalize("NFD", first) if unicodedata.category(c) != "Mn"
        )
        out[code] = plain.replace("ü", "v")
    return out


def pinyin_tokens(text: str) -> list[str]:
    """Toneless pinyin syllables, digit/latin runs as one token each, "," for any clause
    break."""
    table = pinyin_table()
    text = unicodedata.normalize("NFKC", text).lower()
    syllables = list(map(table.get, map(ord, text)))
    if None not in syllables:  # all Chinese (no latin run, space or mark to read)
        return cast(list[str], syllables)
    return _read(text, syllables)[0]


@functools.lru_cache(maxsize=4096)
def sound(text: str) -> str:
    """How ``text`` sounds: its toneless pinyin syllables with a space either side of each
    (clause breaks dropped), so ``sound(word) in sound(text)`` finds a word said in any
    spelling the recogniser heard it as (伤量 for 商量)."""
    return " " + " ".join(t for t in pinyin_tokens(text) if t != ",") + " "


def pinyin_tokens_read(text: str) -> tuple[list[str], list[str]]:
    """``pinyin_tokens`` and, per token, the text it was read from (a character, a
    digit/latin run, or "," for a clause break): 把, 吧 and 爸 are all "ba"."""
    table = pinyin_table()
    text = unicodedata.normalize("NFKC", text).lower()
    return _read(text, list(map(table.get, map(ord, text))))


def _read(text: str, syllables: list[str | None]) -> tuple[list[str], list[str]]:
    out: list[str] = []
    read_from: list[str] = []
    run = ""
    for ch, syl in zip(text, syllables, strict=True):
        if syl is None and ch.isascii() and ch.isalnum():  # the table holds no ASCII
            run += ch
            continue
        if run:
            out.append(run)
            read_from.append(run)
            run = ""
        if syl is not None:
            out.append(syl)
            read_from.append(ch)
        elif ch.isspace():
            continue
        elif unicodedata.category(ch)[0] in ("P", "S") and out and out[-1] != ",":
            out.append(",")
            read_from.append(",")
    if run:
        out.append(run)
        read_from.append(run)
    return out, read_from
