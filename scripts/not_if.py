"""Whether an intent's ``not_if`` word is said in a reply (hesitation is never agreement):
as written, or in Chinese by its sound, so that a recognition homophone voids the intent
as the word does (伤量 / 商良 for 商量, 靠虑 for 考虑). Heard by sound: words of two characters or
more, except question words (哪张 sounds as 那张, 多久 as 字多就头晕's 多就) and words with
再, which sounds as the 在 of "am doing" (再看 / 在看手机).
Both ``word`` and ``norm`` are normalised (``scripts.matching.normalize``). Pure, no I/O.
"""

from __future__ import annotations

from scripts.pinyin import sound


def heard_by_sound(word: str) -> bool:
    return (
        len(word) >= 2
        and not any(ch in word for ch in "哪多几再")
        and all("\u4e00" <= ch <= "\u9fff" for ch in word)
    )


def said(word: str, norm: str, language: str) -> bool:
    """Is ``word`` in ``norm``, as written or (Chinese) by its sound?"""
    if word in norm:
        return True
    chinese = language.split("-")[0] == "zh"
    return chinese and heard_by_sound(word) and sound(word) in sound(norm)
