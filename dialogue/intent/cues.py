"""Conversation cues in what the customer said, per language (zh, ko, en). Pure, no I/O.

Each cue is a list of terms (``dialogue.intent.cue_terms``) matched on the normalised text (``scripts.matching``): CJK
by substring, English by whole words or word sequences. Positive wording counts only when
the turn has no negative wording ("不想" is not "想", "not interested" not "interested");
negative wording counts only when the turn is neither polite nor noncommittal ("不用了，
谢谢" is a polite decline, "I don't know" is vague: neither is a refusal).

Besides questions and positive/negative wording, the cues follow the bank's grades
(docs/intent.md): ``commit`` (wants to act now: A), ``hesitant`` (not now, let me think: B), ``noncommittal`` (maybe,
whatever: C), ``polite`` (thanks, sorry: a polite decline is C, a blunt one D),
``hostile`` (annoyed, complaining, distrustful), ``blunt`` (a curt no: "不需要，挂了",
"不要不要", "不需要，不要", a bare "不要" / "不弄" as the whole answer, no time and no
callback; counted only with negative wording, not in a polite turn nor in one that
commits) and ``wrong_person`` (D), and ``filler``: a turn of
filler words only ("嗯", "um"), a reply that says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from dialogue.intent.cue_terms import EXTRA, TERMS
from scripts.fraud_worry import FRAUD, fraud_worry
from scripts.matching import base_language, normalize
from scripts.pinyin import sound

CUES = (
    "question",
    "asks_details",
    "asks_price",
    "asks_how",
    "asks_repeat",
    "positive",
    "negative",
    "commit",
    "hesitant",
    "noncommittal",
    "polite",
    "hostile",
    "blunt",
    "wrong_person",
    "filler",
)


# A refusal said twice in a row ("不要不要", "不需要，不要", "no, no"), found in the text as
# heard: the normalised text has its repeats collapsed. 不用不用 / 不用了不用了 is the polite
# reflex ("no need, really"), not a refusal said twice.
_ZH_NO = r"(?:不要|不需要|不须要|不弄|不装|不听|不办|没兴趣|没星趣|没性趣|不感兴趣)"
_REPEATED_NO: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(_ZH_NO + r"了?[\s，,、。！!啊]*" + _ZH_NO),
    # 싫어요 싫다고요, 필요 없어요 필요 없다고요: "don't want" or "no need" said twice in
    # any form
    "ko": re.compile(r"(아니요|아뇨|아니)[\s,.!]*\1|싫[^싫]*싫|(필요|관심)\s?없.*\2\s?없"),
    "en": re.compile(r"\b(no|nope)[\s,.!]+\1\b", re.IGNORECASE),
}
# Words holding a positive term that say nothing positive: 行 in 银行 (the bank), 进行, 旅行
_NOT_POSITIVE: Mapping[str, tuple[str, ...]] = {"zh": ("银行", "进行", "旅行", "步行", "行业")}
# A bare "don't want" / "won't" as the whole answer (不要, 不弄, 不装了): a curt refusal of
# the caller, where "no need" (不用, 不需要了) declines the offer (docs/intent.md, the grades).
# "Won't" opens the answer, with or without a reason (不装，我不用手机银行); hanging up said
# as the whole answer (挂了, 挂了挂了) or as its last word (不需要，挂).
_BARE_REFUSAL: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(
        r"我?(?:不要|不弄|不装|不办|不听|不干|不搞)(?:了|啊|呀|吧)?"
        r"|我?(?:不弄|不装|不办|不听|不干|不搞).*"
        r"|我?(?:挂了|挂啦)+(?:啊|吧|哈|呀)?"
        r"|.*[^别不]挂"
    ),
    # Korean: "won't" or "don't want" as the whole answer (안 해요, 안 할래, 싫어요, 시러),
    # and hanging up said as the last word (됐어요 끊어요, 바빠서 끊습니다; not 끊지 마세요)
    "ko": re.compile(
        r"(?:음|어|아|아니|그냥|나|저|난|전)*(?:안해|안할래|안할게|싫어|싫다|싫습니다|시러)(?:요|여|니까|니까요)?"
        r"|.*(?:끊어|끊을게|끊을께|끊습니다|끊는다|끊을래|끈어|끈을게)(?:요|여)?"
    ),
}
# 麻烦 ("trouble", "please": 麻烦您, 不麻烦了) is polite, not the annoyed 烦; a worry about
# fraud (怕是诈骗的链接, 防诈骗) is caution, not distrust of the caller
_NOT_HOSTILE = (
    "麻烦",
    "怕是诈骗",
    "怕诈骗",
    "怕是骗",
    "怕被骗",
    "防诈骗",
    "担心是骗",
    # Korean: the same worry, or one laid to rest (피싱일까 봐, 사기인 줄 알았어요)
    "피싱일까",
    "피싱인줄",
    "피싱인가해서",
    "사기일까",
    "사기인줄",
    "사기인가해서",
    "사기조심",
    "피싱조심",
)
# 麻烦 (你 / 您) before what is asked for (麻烦你带我弄一下, 麻烦帮我转) is a polite request,
# said in an agreement: neither the politeness of a decline nor the hassle of 太麻烦了
_POLITE_REQUEST = tuple(
    f"麻烦{you}{verb}"
    for you in ("你", "您", "")
    for verb in ("带", "帮", "教", "转", "给", "发", "弄", "安排", "告诉", "说", "讲", "找")
)
# Thinking that is over or refused is no hesitation: 考虑好了 / 想好了 commit (A), 不考虑
# declines (C); only the thinking still to do (考虑一下, 再想想) is the B kind.
_NOT_HESITANT = ("不考虑", "不用考虑", "考虑好", "考虑过", "想好了")
# Chinese cues of the grade whose terms are also heard by their sound (toneless pinyin), so
# that a recognition homophone carries the cue: 伤量 for 商量, 片子 for 骗子, 在考虑 for 再考虑,
# 大错 for 打错. Terms of one character (烦 / 饭, 想 / 像) are matched as written only, and
# so is a term that sounds like another term (不姓 / 不行) or like a common word (老打 /
# 老大, 又打 / 有大: 打 is the most confusable syllable; 不办 / 补办, 不想 / 不像).
_SOUND_CUES = ("commit", "hesitant", "noncommittal", "hostile", "blunt", "wrong_person", "negative")
_SOUND_CLASHES = (
    "老大",
    "有大",
    "总大",
    "不及",
    "那里",
    "补办",
    "补了",
    "不停",
    "不像",
    "不敢",
    "不辛",
    "小胡",
    "稳稳",
)
# The refusals read by sound as the whole answer (不撞了 for 不装了, 步要 for 不要) and the
# declines read by sound when said twice (不需要步需要); 不办 / 不听 / 不干 / 不搞 sound like
# 补办 / 不停 / 不敢 / 不高 and are read as written.
_SOUND_REFUSAL = ("不要", "不弄", "不装")
_SOUND_OPENS = ("不弄", "不装")
# where a turn's clauses end (the recogniser's marks and spaces)
_CLAUSES = re.compile(r"[,，。.!！?？、;；…~～\s]+")
_SOUND_NO = (*_SOUND_REFUSAL, "不需要", "没兴趣", "不感兴趣")


@dataclass(frozen=True)
class Cues:
    """Which cues one customer turn carries."""

    question: bool = False
    asks_details: bool = False
    asks_price: bool = False
    asks_how: bool = False
    asks_repeat: bool = False
    positive: bool = False
    negative: bool = False
    commit: bool = False
    hesitant: bool = False
    noncommittal: bool = False
    polite: bool = False
    hostile: bool = False
    blunt: bool = False
    wrong_person: bool = False
    filler: bool = False

    def names(self) -> tuple[str, ...]:
        return tuple(c for c in CUES if getattr(self, c))


def lexicon_language(language: str) -> str:
    """The lexicon for ``language`` (unknown languages use English)."""
    base = base_language(language)
    return base if base in TERMS else "en"


@dataclass(frozen=True)
class _Terms:
    """CJK terms of one cue: matched on the normalised text, except those that normalising
    changes (说说 -> 说, 想想, 天天打 -> 天打: repeats collapse), matched on the text as heard
    (punctuation and spaces removed), so that 说说 is not every 说."""

    norm: tuple[str, ...]
    raw: tuple[str, ...]
    sound: tuple[str, ...] = ()  # " syllable syllable " forms, matched on the turn's sound


_Matcher = _Terms | re.Pattern[str]


@lru_cache(maxsize=8)
def _compiled(language: str) -> dict[str, _Matcher]:
    lang = lexicon_language(language)
    out: dict[str, _Matcher] = {}
    every = {**TERMS[lang], **EXTRA[lang]}
    heard_by = _sound_owners(every) if lang == "zh" else {}
    for cue, terms in every.items():
        if lang == "en":
            normed = tuple(dict.fromkeys(normalize(t, language) for t in terms if t))
            alt = "|".join(re.escape(t) for t in sorted(normed, key=len, reverse=True))
            out[cue] = re.compile(r"(?:^| )(?:" + alt + r")(?= |$)")
            continue
        norm: list[str] = []
        raw: list[str] = []
        for t in terms:
            n = normalize(t, language)
            if n and n == _heard(t):
                norm.append(n)
            elif t:
                raw.append(_heard(t))
        sound: list[str] = []
        if cue in _SOUND_CUES:
            for t in terms:
                ts = _sound(t)
                if len(_heard(t)) >= 2 and heard_by.get(ts) == {_heard(t)}:
                    sound.append(ts)
        out[cue] = _Terms(
            tuple(dict.fromkeys(norm)), tuple(dict.fromkeys(raw)), tuple(dict.fromkeys(sound))
        )
    return out


def _sound_owners(every: Mapping[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """The written forms of each sound among the terms and the common words that clash."""
    owners: dict[str, set[str]] = {}
    for terms in (*every.values(), _SOUND_CLASHES):
        for t in terms:
            if t:
                owners.setdefault(_sound(t), set()).add(_heard(t))
    return owners


def _sound(text: str) -> str:
    """The toneless pinyin syllables of ``text`` (marks and clause breaks left out), each
    with a space either side, so that a term's sound is found on syllable boundaries."""
    return sound(_heard(text))


def _heard(text: str) -> str:
    """The text as heard without punctuation and spaces, lower-cased."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _hit(text: str, heard: str, matcher: _Matcher, sound: str = "") -> bool:
    if isinstance(matcher, re.Pattern):
        return matcher.search(text) is not None
    return (
        any(t in text for t in matcher.norm)
        or any(t in heard for t in matcher.raw)
        or any(t in sound for t in matcher.sound)
    )


def _without(text: str, words: tuple[str, ...]) -> str:
    for word in words:
        text = text.replace(word, "")
    return text


def _without_sound(sound: str, words: tuple[str, ...]) -> str:
    for word in words:
        sound = sound.replace(_sound(word), " ")
    return sound


@lru_cache(maxsize=1)
def _sound_no() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A refusal by its sound: one of ``_SOUND_REFUSAL`` as the whole answer (with 我 before
    it and 了 / 啊 / 呀 / 吧 after it), "won't" (``_SOUND_OPENS``) as the first clause of
    several (不撞，没用), and one of ``_SOUND_NO`` said twice in a row."""
    one = "|".join(_sound(w).strip() for w in _SOUND_REFUSAL)
    opens = "|".join(_sound(w).strip() for w in _SOUND_OPENS)
    alt = "|".join(_sound(w).strip() for w in _SOUND_NO)
    tail = "(?: (?:le|a|ya|ba))?"
    whole = re.compile(rf" (?:wo )?(?:{one}){tail} ")
    first = re.compile(rf" (?:wo )?(?:{opens}){tail} ")
    twice = re.compile(rf" (?:{alt}){tail} (?:{alt}) ")
    return whole, first, twice


def cues(text: str, language: str) -> Cues:
    """The cues in one customer turn (``text`` as heard, not yet normalised)."""
    norm = normalize(text, language)
    if not norm:
        return Cues(filler=bool(text.strip()))
    m = _compiled(language)
    lang = lexicon_language(language)
    heard = _heard(text)
    sound = _sound(text) if lang == "zh" else ""

    def hit(cue: str, drop: tuple[str, ...] = ()) -> bool:
        if drop:
            return _hit(
                _without(norm, drop),
                _without(heard, drop),
                m[cue],
                _without_sound(sound, drop) if sound else "",
            )
        return _hit(norm, heard, m[cue], sound)

    negative = hit("negative", _POLITE_REQUEST)
    polite = hit("polite", _POLITE_REQUEST)
    noncommittal = hit("noncommittal")
    commit = hit("commit")
    # a fraud worry (别是诈骗的) is a question, not distrust (``scripts.fraud_worry``)
    hostile = hit("hostile", _NOT_HOSTILE + (FRAUD if lang == "zh" and fraud_worry(text) else ()))
    bare = _BARE_REFUSAL.get(lang)
    refusal = bare is not None and bare.fullmatch(_bare(text)) is not None
    twice = bool(_REPEATED_NO[lang].search(text))
    if lang == "zh":
        whole, first, again = _sound_no()
        clauses = [c for c in _CLAUSES.split(text) if _bare(c)]
        refusal = (
            refusal
            or whole.fullmatch(_sound(_bare(text))) is not None
            or (len(clauses) > 1 and first.fullmatch(_sound(_bare(clauses[0]))) is not None)
        )
        twice = twice or again.search(sound) is not None
    curt = hit("blunt") or twice or refusal
    return Cues(
        commit=commit,
        hesitant=hit("hesitant", _NOT_HESITANT),
        noncommittal=noncommittal,
        polite=polite,
        hostile=hostile,
        # a curt refusal is D; "好的，那先挂了" (no negation), "不用不用，谢谢" (polite) and
        # "我挂了电话就装" (commits) are not
        blunt=(negative or refusal) and not polite and not commit and curt,
        wrong_person=hit("wrong_person"),
        question=hit("question"),
        asks_details=hit("asks_details"),
        asks_price=hit("asks_price"),
        # an accusing 怎么 (怎么老打, 怎么有我电话) asks nothing; "行了行了别说了" is no yes
        asks_how=(not hostile) and hit("asks_how"),
        asks_repeat=hit("asks_repeat"),
        positive=(not negative) and (not hostile) and hit("positive", _NOT_POSITIVE.get(lang, ())),
        # a polite or vague "no" is the C kind of decline, not a refusal
        negative=negative and not polite and not noncommittal,
    )


def _bare(text: str) -> str:
    """The text as heard without punctuation, spaces and sounds (嗯, 呃, 哎)."""
    return "".join(ch for ch in text if ch.isalnum() and ch not in "嗯呃哎唉诶")


def speech_seconds(text: str, language: str) -> float:
    """Rough speaking time of ``text`` when no timing is known: 0.25 s per CJK character,
    0.4 s per word otherwise."""
    if lexicon_language(language) in ("zh", "ko"):
        return 0.25 * sum(1 for ch in text if ch.isalnum())
    return 0.4 * len(text.split())
