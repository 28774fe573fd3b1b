"""Masking of personal numbers for logs, reports, exports and agents' screens.

``mask_phone`` masks one known phone number. ``mask_text`` masks every personal number in
free text (a transcript line, a log message): runs of 7 or more digits, written as digits
(ASCII or full width) or spelled out as words (Chinese 零一二三 and 幺/两, English zero,
oh, one ...; Sino-Korean 공/영 일 이 삼 from 9 digits), with spaces, hyphens or dots
between them. A run that passes the PRC resident ID checksum (GB 11643: 17 digits and a
check digit or X) is masked as an ID, one that passes the Luhn check with 13-19 digits as
a card number, anything else as a number; all keep only their last four digits. Shorter
numbers (an amount, a time) and dates (2026-03-03) stay.
"""

from __future__ import annotations

import re

MIN_DIGITS = 7
# Spelled in Sino-Korean syllables only, a shorter run may be words (구이 오이 삼사일);
# Korean numbers have 9 digits or more (02-123-4567, 010-1234-5678)
MIN_KO_DIGITS = 9
KEEP = 4

_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_CHARS = {
    **{c: str(i) for i, c in enumerate("0123456789")},
    **{c: str(i) for i, c in enumerate("０１２３４５６７８９")},
    **{c: str(i) for i, c in enumerate("零一二三四五六七八九")},
    "〇": "0", "○": "0", "幺": "1", "两": "2",
    **{c: str(i) for i, c in enumerate("영일이삼사오육칠팔구")}, "공": "0",
}  # fmt: skip
_KO = "영공일이삼사오육칠팔구"
# a Sino-Korean digit is a syllable of its own, not part of a word (이에요, 회사, 오늘)
_KO_DIGIT = rf"(?:(?<![가-힣])|(?<=[{_KO}]))[{_KO}](?!(?![{_KO}])[가-힣])"
_DIGIT = (
    "(?:[0-9０-９〇○零一二三四五六七八九幺两]|" + _KO_DIGIT + "|(?:" + "|".join(_WORDS) + r")\b)"
)
_SEP = r"[ \t\-.·]*"
# a run stands apart from letters and digits: the digits inside an identifier (a call sid's
# hex, a request id) are not a number to hide, and hiding them made logs untraceable
_RUN = re.compile(
    rf"(?<![A-Za-z0-9]){_DIGIT}(?:{_SEP}{_DIGIT})*(?:{_SEP}[Xx](?![A-Za-z]))?(?![A-Za-z0-9])", re.I
)
_TOKEN = re.compile(rf"{_DIGIT}|[Xx]", re.I)
# joined by hyphens to ASCII word characters on both sides: a part of an identifier such as
# a worker id (dialer-ip-10-0-0-12-1234567-a1b2c3), not a number someone said
_ID_BEFORE = re.compile(r"[A-Za-z0-9]-\Z")
_ID_AFTER = re.compile(r"-[A-Za-z0-9]")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}")  # a date, not a number to hide
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def mask_phone(phone: str | None) -> str:
    """Keeps the prefix (up to 6 characters) and the last 4 digits: ``+8613812345678`` ->
    ``+86138****5678``; at least 2 characters are always hidden."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "*" * len(phone)
    head = min(6, len(phone) - 4 - 2)
    return phone[:head] + "*" * (len(phone) - head - 4) + phone[-4:]


def prc_id_valid(number: str) -> bool:
    """The GB 11643 check digit of an 18-character PRC resident ID."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a card number (digits only)."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def kind_of(number: str) -> str:
    """``id``, ``card`` or ``number`` for a run of digits (an ID may end in X)."""
    if prc_id_valid(number):
        return "id"
    if 13 <= len(number) <= 19 and luhn_valid(number):
        return "card"
    return "number"


def mask_text(text: str) -> str:
    """``text`` with every personal number masked (see the module doc)."""
    if not text:
        return text
    return _RUN.sub(_mask_run, text)


def _mask_run(match: re.Match[str]) -> str:
    span = match.group(0)
    if _DATE.fullmatch(span.strip()):
        return span
    whole = match.string
    if _ID_BEFORE.search(whole, max(0, match.start() - 2), match.start()) and _ID_AFTER.match(
        whole, match.end() - (1 if span[-1:].isspace() else 0)
    ):
        return span
    number = "".join(_digit(t) for t in _TOKEN.findall(span))
    digits = number.rstrip("Xx")
    if len(digits) < MIN_DIGITS:
        return span
    if len(digits) < MIN_KO_DIGITS and all(t in _KO for t in _TOKEN.findall(span)):
        return span
    kind = kind_of(number)
    masked = "*" * (len(number) - KEEP) + number[-KEEP:]
    tail = " " if span[-1:].isspace() else ""
    return (masked if kind == "number" else f"[{kind} {masked}]") + tail


def _digit(token: str) -> str:
    low = token.lower()
    if low == "x":
        return "X"
    return _WORDS.get(low) or _CHARS[token]
