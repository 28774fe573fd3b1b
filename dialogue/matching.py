"""Text normalisation for ASR output and lexicon intent matching. Pure, no I/O.

Both sides are normalised the same way, so a lexicon phrase and what the recognizer heard
meet in one form: full-width to half-width, lower case, traditional to simplified for
common characters, no punctuation, no filler words, repeats collapsed. Chinese and Korean
are compared with spaces removed (ASR spaces are arbitrary there); other languages by words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Common traditional characters seen in banking calls -> simplified.
_T2S = str.maketrans(
    "們個這說話電來還時間點轉務專員聽問題沒麼為會對買賣錢積兌換產財險號碼請謝別預約週後幾現"
    "給讓過應該們嗎裡開關機動態費歲東種樣從與處長業銀戶帳計劃標準確認證據實際經濟習"
    "慣記錄線網絡頁聯繫選擇簡單複雜條參數識別調整優惠擁讀寫訊發"
    "覺得興趣無風險穩賺保證收益",
    "们个这说话电来还时间点转务专员听问题没么为会对买卖钱积兑换产财险号码请谢别预约周后几现"
    "给让过应该们吗里开关机动态费岁东种样从与处长业银户账计划标准确认证据实际经济习"
    "惯记录线网络页联系选择简单复杂条参数识别调整优惠拥读写讯发"
    "觉得兴趣无风险稳赚保证收益",
)

_CJK_LANGS = ("zh", "ko", "ja")
_FILLERS: dict[str, tuple[str, ...]] = {
    # Removed anywhere in the (space-free) text; longest first.
    "zh": (
        "你好",  # greetings answer the phone; they are not "好" (agreement)
        "您好",
        "喂",
        "那个",
        "就是",
        "然后呢",
        "这个这个",
        "嗯",
        "啊",
        "呃",
        "额",
        "唔",
        "哦",
        "噢",
        "呀",
        "嘛",
    ),
    # Removed as whole words.
    "ko": ("음", "으음", "어어", "저기"),
    "en": ("um", "umm", "uh", "uhh", "er", "erm", "hmm", "ah", "like", "well"),
}
_PUNCT_CATS = ("P", "S")  # punctuation and symbols
_MAX_REPEAT_UNIT = 8


def base_language(language: str) -> str:
    return language.split("-")[0].lower()


def _is_cjk_lang(language: str) -> bool:
    return base_language(language) in _CJK_LANGS


def _strip_punct(text: str) -> str:
    return "".join(" " if unicodedata.category(ch)[0] in _PUNCT_CATS else ch for ch in text)


def _collapse_repeats(s: str) -> str:
    """Collapse immediate repeats of units of 1.._MAX_REPEAT_UNIT chars: 对对对 -> 对."""
    prev = None
    while prev != s:
        prev = s
        for n in range(1, _MAX_REPEAT_UNIT + 1):
            s = re.sub("(.{" + str(n) + r"})\1+", r"\1", s, flags=re.DOTALL)
    return s


def _collapse_word_repeats(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        if not out or out[-1] != w:
            out.append(w)
    return out


def normalize(text: str, language: str = "zh-CN") -> str:
    """Canonical form of ``text`` for matching; idempotent."""
    for _ in range(8):  # removing spaces can leave combinable marks: repeat to a fixpoint
        again = _normalize_once(text, language)
        if again == text:
            break
        text = again
    return text


def _normalize_once(text: str, language: str) -> str:
    lang = base_language(language)
    s = unicodedata.normalize("NFKC", text).lower().translate(_T2S)
    s = _strip_punct(s)
    if lang == "zh":
        s = re.sub(r"\s+", "", s)
        prev = None
        while prev != s:  # removing a filler may create a repeat and the reverse
            prev = s
            s = _collapse_repeats(s)
            for f in _FILLERS["zh"]:
                s = s.replace(f, "")
        return s
    fillers = set(_FILLERS.get(lang, ()))
    words = [w for w in s.split() if w not in fillers]
    words = _collapse_word_repeats(words)
    if lang in _CJK_LANGS:
        # Korean/Japanese ASR splits words into model units: compare without spaces.
        return _collapse_repeats("".join(words))
    return " ".join(words)


def _contains(text: str, phrase: str, language: str) -> int:
    """Start index of ``phrase`` in ``text`` (both normalised), or -1."""
    if not phrase:
        return -1
    if _is_cjk_lang(language):
        return text.find(phrase)
    # whole words only
    m = re.search(r"(?:^| )" + re.escape(phrase) + r"(?= |$)", text)
    if m is None:
        return -1
    return m.start() + (1 if text[m.start()] == " " else 0)


@dataclass(frozen=True)
class Lexeme:
    """One phrase or keyword of an intent, already normalised."""

    intent: str
    text: str
    priority: int
    order: int


@dataclass(frozen=True)
class Match:
    intent: str
    phrase: str
    exact: bool
    coverage: float  # share of the utterance the phrase covers


class Lexicon:
    """The intents a state listens for, compiled for matching."""

    def __init__(
        self,
        intents: Mapping[str, tuple[Sequence[str], int]],
        language: str,
    ) -> None:
        """``intents``: name -> (phrases and keywords, priority); order breaks ties."""
        self.language = language
        self._lexemes: list[Lexeme] = []
        for order, (name, (phrases, priority)) in enumerate(intents.items()):
            seen: set[str] = set()
            for p in phrases:
                n = normalize(p, language)
                if n and n not in seen:
                    seen.add(n)
                    self._lexemes.append(Lexeme(name, n, priority, order))

    @property
    def lexemes(self) -> tuple[Lexeme, ...]:
        return tuple(self._lexemes)

    def match(self, text: str) -> Match | None:
        """The best intent in ``text``.

        A phrase found inside a longer found phrase (需要 inside 不需要) does not count;
        then the highest priority wins, then the longest phrase, then definition order.
        """
        norm = normalize(text, self.language)
        if not norm:
            return None
        hits: list[tuple[Lexeme, int, int]] = []
        for lx in self._lexemes:
            start = _contains(norm, lx.text, self.language)
            if start >= 0:
                hits.append((lx, start, start + len(lx.text)))
        if not hits:
            return None
        kept = [
            h
            for h in hits
            if not any(
                o is not h and o[1] <= h[1] and h[2] <= o[2] and (o[2] - o[1]) > (h[2] - h[1])
                for o in hits
            )
        ]
        best = max(kept, key=lambda h: (h[0].priority, h[2] - h[1], -h[0].order))
        lx = best[0]
        return Match(lx.intent, lx.text, lx.text == norm, len(lx.text) / len(norm))


def match_any(lexicon: Lexicon, texts: Iterable[str]) -> Match | None:
    """First match over ASR alternatives, best first."""
    for t in texts:
        m = lexicon.match(t)
        if m is not None:
            return m
    return None
