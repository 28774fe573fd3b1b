"""Text normalisation for ASR output and lexicon intent matching. Pure, no I/O.

Both sides are normalised the same way, so a lexicon phrase and what the recognizer heard
meet in one form: full-width to half-width, lower case, traditional to simplified for
common characters, no punctuation, no filler words, repeats collapsed. Chinese and Korean
are compared with spaces removed (ASR spaces are arbitrary there); other languages by words.

Matching reads a phrase the way a person would, from per-language tables (Chinese so far):
a phrase inside a longer common word is not that phrase (行 in 银行, 要 in 要多久, 想 in
想一想); a phrase governed by a negation just before it is void (怎么兑换 in 不用告诉我怎么
兑换, 人工 in 不需要人工) unless the phrase itself carries a negation (不需要, 不要再打了);
and an intent's ``not_if`` words void it for the whole utterance, also said by their sound
(``scripts.not_if``: agree is never taken from "好的，我考虑一下" nor from 好的，我靠虑一下).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from scripts.not_if import said as not_if_said
from scripts.readings import NO_READING, READINGS, Reading

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
# Reduplicated verbs whose repeat changes the meaning, kept apart from emphatic repeats
# (对对对 -> 对): 想想 (think it over) is not 想 (want). Written in the A一A form, which
# means the same and survives repeat collapsing.
_REDUPLICATED: dict[str, tuple[tuple[str, str], ...]] = {"zh": (("想想", "想一想"),)}
# Dialect and colloquial spellings of 没有 (Southwestern 莫得, Cantonese 冇, online 木有),
# written as 没有 so that phrases and features meet them (莫得兴趣 is 没有兴趣).
_DIALECT_NEGATION = re.compile("莫得|冇|木有")
# and the northern 俺 (I, me), written 我 so that 俺就是 confirms as 我就是 does
_DIALECT_I = str.maketrans("俺", "我")
_PUNCT_CATS = ("P", "S")  # punctuation and symbols
_MAX_REPEAT_UNIT = 8


@functools.lru_cache(maxsize=64)
def base_language(language: str) -> str:
    return language.split("-")[0].lower()


@functools.lru_cache(maxsize=64)
def _is_cjk_lang(language: str) -> bool:
    return base_language(language) in _CJK_LANGS


class _PunctToSpace(dict[int, str]):
    """``str.translate``'s table: a punctuation mark or symbol -> a space, any other
    character -> itself; filled in as characters are met."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        self[code] = out = " " if unicodedata.category(ch)[0] in _PUNCT_CATS else ch
        return out


_PUNCT_TO_SPACE = _PunctToSpace()


def _strip_punct(text: str) -> str:
    return text.translate(_PUNCT_TO_SPACE)


_REPEATS = tuple(
    re.compile("(.{" + str(n) + r"})\1+", re.DOTALL) for n in range(1, _MAX_REPEAT_UNIT + 1)
)
# Any immediate repeat of a unit of 1.._MAX_REPEAT_UNIT chars: without one, every pattern
# of _REPEATS leaves the text as it is (most replies have none).
_ANY_REPEAT = re.compile("(.{1," + str(_MAX_REPEAT_UNIT) + r"})\1", re.DOTALL)


def _collapse_repeats(s: str) -> str:
    """Collapse immediate repeats of units of 1.._MAX_REPEAT_UNIT chars: 对对对 -> 对."""
    while _ANY_REPEAT.search(s) is not None:  # without one, a pass changes nothing
        prev = s
        for unit in _REPEATS:
            s = unit.sub(r"\1", s)
        if s == prev:
            break
    return s


def _collapse_word_repeats(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        if not out or out[-1] != w:
            out.append(w)
    return out


def normalize(text: str, language: str = "zh-CN") -> str:
    """Canonical form of ``text`` for matching; idempotent. Cached: one reply is
    normalised by the phrase match, the opt-out rules and the classifier alike (the
    cache is keyed by the base language, all the normalisation reads: zh-CN and zh meet)."""
    return _normalize(text, base_language(language))


@functools.lru_cache(maxsize=4096)
def _normalize(text: str, language: str) -> str:
    for _ in range(8):  # removing spaces can leave combinable marks: repeat to a fixpoint
        again = _normalize_once(text, language)
        if again == text:
            break
        text = again
    return text


_SPACES = re.compile(r"\s+")
_ZH_FILLER = re.compile("|".join(map(re.escape, _FILLERS["zh"])))


# Recognition hears 不 (bu4) as its homophone 步: 步要发, 步用了, 收益高步高. 步 is read as 不
# between a repeated character (the A-not-A question) and before a word of wanting, needing
# or judging, unless a word it belongs to comes before it (一步, 下一步, 进步, 步步).
_ZH_BU_ANOTANOT = re.compile(r"([^一二两三几\d步])步\1")
_ZH_BU_BEFORE = re.compile(
    r"(?<![一二两三几下第进每脚跑散同逐初退起让寸止漫徒踏健碎稳舞这那半上步])步"
    r"(?=[要用需想行对是会能可知清感太好])"
)


# A yes-no question asked with a clause-final 不 after a modal and its verb (能换不, 可以抵年费
# 不, heard 能换步: the northern "V不" question) asks as 吗 does, it negates nothing: written
# 吗 so that phrases and features read a question. Marks and spaces end a clause (the text
# still holds them when this runs), a closing particle may follow; 不 right after the modal
# is left (能不, 可以不).
_ZH_V_BU_QUESTION = re.compile(r"(能|可以|会)([^\s不没吗]{1,6})[不步](?=[啊呀嘛呢哈]*(?:\s|$))")


# Recognition writes the verb 兑换 (dui4 huan4, redeem) as its homophone 对换 (咋对换啊): 对
# there is no assent; 对换 (swap) itself is not said on these calls.
_ZH_REDEEM_MISHEARD = "对换"


def _zh_bu_misheard(s: str) -> str:
    if "步" not in s:
        return s
    return _ZH_BU_BEFORE.sub("不", _ZH_BU_ANOTANOT.sub(r"\1不\1", s))


def clear_normalize_cache() -> None:
    """Forget every normalised text (for timing a first read)."""
    _normalize.cache_clear()


def _normalize_once(text: str, language: str) -> str:
    lang = base_language(language)
    s = unicodedata.normalize("NFKC", text).lower().translate(_T2S)
    s = _strip_punct(s)
    if lang == "zh":
        s = _ZH_V_BU_QUESTION.sub(r"\1\2吗", s)
        s = _DIALECT_NEGATION.sub("没有", _SPACES.sub("", s)).translate(_DIALECT_I)
        s = _zh_bu_misheard(s).replace(_ZH_REDEEM_MISHEARD, "兑换")
        prev = None
        while prev != s:  # removing a filler may create a repeat and the reverse
            prev = s
            for aa, a_yi_a in _REDUPLICATED["zh"]:
                s = s.replace(aa, a_yi_a)
            s = _collapse_repeats(s)
            if _ZH_FILLER.search(s):  # without one, no replace below changes the text
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


def _find_all(text: str, phrase: str, language: str) -> list[int]:
    """Start indices of ``phrase`` in ``text`` (both normalised); words whole outside CJK."""
    if not phrase:
        return []
    if _is_cjk_lang(language):
        out: list[int] = []
        i = text.find(phrase)
        while i >= 0:
            out.append(i)
            i = text.find(phrase, i + 1)
        return out
    pattern = r"(?:^| )" + re.escape(phrase) + r"(?= |$)"
    return [m.start() + (1 if text[m.start()] == " " else 0) for m in re.finditer(pattern, text)]


def _ko_word_starts(text: str) -> frozenset[int]:
    """Where the words of a Korean reply start in its normalised form (which has no
    spaces). Recognition may run words together; a run is then one word."""
    words = _strip_punct(unicodedata.normalize("NFKC", text)).split()
    return frozenset(len(normalize(" ".join(words[:i]), "ko")) for i in range(len(words)))


def _reading(language: str) -> Reading:
    return READINGS.get(base_language(language), NO_READING)


def _spans(text: str, words: Iterable[str], language: str) -> list[tuple[int, int]]:
    # ``w in text`` first: most words are not in a reply, and the test is cheaper than the search
    return [(i, i + len(w)) for w in words if w in text for i in _find_all(text, w, language)]


def _a_not_a_spans(text: str, rd: Reading, language: str) -> list[tuple[int, int]]:
    """Spans of A-not-A questions, 要不要 and 有没有: the A, the not, the A again."""
    out: list[tuple[int, int]] = []
    for neg in rd.a_not_a:
        for i in _find_all(text, neg, language):
            j = i + len(neg)
            if i > 0 and j < len(text) and text[i - 1] == text[j]:
                out.append((i - 1, j + 1))
    return out


def _inside(span: tuple[int, int], spans: Iterable[tuple[int, int]]) -> bool:
    return any(a <= span[0] and span[1] <= b for a, b in spans)


_Cue = tuple[int, int, int, bool]  # start, end, window, clausal


def _cues(text: str, rd: Reading, language: str) -> list[_Cue]:
    """The negation cues in ``text`` that do negate."""
    quiet = _spans(text, rd.not_negation, language) + _a_not_a_spans(text, rd, language)
    out: list[_Cue] = []
    for clausal, table in ((False, rd.verbal), (True, rd.clausal)):
        for cue, window in table.items():
            if cue not in text:
                continue
            if any(cue == c and text.endswith(p) for c, p in rd.rhetorical):
                continue
            for i in _find_all(text, cue, language):
                if not _inside((i, i + len(cue)), quiet):
                    out.append((i, i + len(cue), window, clausal))
    return out


def _negated(text: str, start: int, cues: Sequence[_Cue], rd: Reading) -> bool:
    """Is the phrase starting at ``start`` governed by a negation cue before it?"""
    for cs, ce, window, clausal in cues:
        if cs >= start or start - ce > window:
            continue
        gap = text[ce:start]
        if any(w in gap for w in rd.scope_ends):
            continue
        if clausal and gap.startswith(rd.subjects):
            continue
        return True
    return False


def _carries_negation(phrase: str, rd: Reading) -> bool:
    return any(c in phrase for c in (*rd.verbal, *rd.clausal))


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
        not_if: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``intents``: name -> (phrases and keywords, priority); order breaks ties.

        ``not_if``: name -> words that void that intent anywhere in an utterance.
        """
        self.language = language
        self._reading = _reading(language)
        self._lexemes: list[Lexeme] = []
        for order, (name, (phrases, priority)) in enumerate(intents.items()):
            seen: set[str] = set()
            for p in phrases:
                n = normalize(p, language)
                if n and n not in seen:
                    seen.add(n)
                    self._lexemes.append(Lexeme(name, n, priority, order))
        self._not_if: dict[str, tuple[str, ...]] = {}
        for name, words in (not_if or {}).items():
            norm = tuple(n for n in (normalize(w, language) for w in words) if n)
            if norm:
                self._not_if[name] = norm

    @property
    def lexemes(self) -> tuple[Lexeme, ...]:
        return tuple(self._lexemes)

    def match(self, text: str) -> Match | None:
        """The best intent in ``text``.

        A phrase found inside a longer found phrase (需要 inside 不需要) does not count, nor
        one inside a longer common word or an A-not-A question (行 in 银行, 要 in 要不要),
        nor one governed by a negation (人工 in 不需要人工), nor an intent one of whose
        ``not_if`` words was said; then the highest priority wins, then the longest
        phrase, then definition order.
        """
        norm = normalize(text, self.language)
        if not norm:
            return None
        hits: list[tuple[Lexeme, int, int]] = []
        for lx in self._lexemes:
            if lx.text not in norm:  # most phrases are not in the reply: the cheap test first
                continue
            for start in _find_all(norm, lx.text, self.language):
                hits.append((lx, start, start + len(lx.text)))
        if not hits:
            return None
        if base_language(self.language) == "ko":
            # Korean words are spaced: a phrase starts a word (네 is not inside 나쁘네요)
            starts = _ko_word_starts(text)
            hits = [h for h in hits if h[1] in starts]
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
        rd = self._reading
        if rd is not NO_READING:
            lang = self.language
            words = _spans(norm, rd.words, lang) + _a_not_a_spans(norm, rd, lang)
            cues = _cues(norm, rd, lang)
            kept = [
                h
                for h in kept
                if not any(a <= h[1] and h[2] <= b and b - a > h[2] - h[1] for a, b in words)
                and (_carries_negation(h[0].text, rd) or not _negated(norm, h[1], cues, rd))
            ]
        if self._not_if:
            kept = [
                h
                for h in kept
                if not any(
                    (w in norm and _find_all(norm, w, self.language))
                    or (w not in norm and not_if_said(w, norm, self.language))
                    for w in self._not_if.get(h[0].intent, ())
                )
            ]
        if not kept:
            return None
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
