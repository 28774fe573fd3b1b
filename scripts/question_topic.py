"""What a customer's question is about, told by the words that name its topic.

An intent's ``topics`` (the script's YAML) name the topic of the questions it stands for: 风险,
安全, 保本, 本金 for a question about risk; 收益, 利息, 年化, 几个点 for one about returns.
A classifier of character n-grams can take one such question for another by the words
around the topic (跟国债比哪个安全 read as a return question, as 国债 and 比 come with
returns): when a question names only another intent's topic, that intent is meant (a
condition, 利息高的话我就买, names a topic without asking about it).
``topic_said`` finds the intents whose cues are said. Chinese is compared in toneless
pinyin (``scripts.pinyin``), so a cue heard by its sound (风先, 保笨, 收义, 利西) counts
when one of its characters is heard as written (会爆 is no 回报); other languages by the normalised text. ``Topics`` reads a script's cues per state once.
Pure, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from scripts.matching import base_language, normalize
from scripts.pinyin import pinyin_tokens, pinyin_tokens_read
from scripts.schema import Script


def _heard_as(heard: Sequence[str], chars: Sequence[str], cue: str, language: str) -> bool:
    """``cue`` in the pinyin ``heard`` (read from ``chars``), one of its characters as
    written: 风先 and 保笨 are 风险 and 保本 misheard, 会爆 (hui bao) is not 回报."""
    want = pinyin_tokens(normalize(cue, language))
    n = len(want)
    for i in range(len(heard) - n + 1):
        if n and list(heard[i : i + n]) == want and any(c in cue for c in chars[i : i + n]):
            return True
    return False


def cue_said(text: str, cues: Sequence[str], language: str) -> str | None:
    """The first of ``cues`` said in ``text`` (by its sound in Chinese), or None."""
    if base_language(language) == "zh":
        heard, chars = pinyin_tokens_read(normalize(text, language))
        for c in cues:
            if _heard_as(heard, chars, c, language):
                return c
        return None
    norm = normalize(text, language)
    for c in cues:
        nc = normalize(c, language)
        if nc and nc in norm:
            return c
    return None


# A question asked (a question mark or particle, a question word, A-not-A: 高不高, 有没有);
# a condition (利息高的话我就买) names a topic without asking about it.
_ASKS: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(r"[?？吗呢]|谁|多少|多久|多长|哪|什么|啥|几|怎么|咋|如何|(.)[不没]\1"),
}


def asks(text: str, language: str) -> bool:
    """Whether ``text`` asks a question (Chinese; other languages: a question mark)."""
    pattern = _ASKS.get(base_language(language))
    if pattern is None:
        return "?" in text
    return pattern.search(text) is not None


# a refusal said with the question (收益这么低，不要了吧?), also a rhetorical one (那我还买啥)
# or no interest (没啥兴趣, heard 性趣/星趣): the question does not undo it
_REFUSES: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(
        r"不要|不用|不需要|不必|算了|不买|不考虑|不想|不了|还买|还投|"
        r"没(?:啥|什么|多大)?(?:兴趣|性趣|星趣|必要)|不感兴趣"
    ),
}


def topic_said(text: str, cues: Mapping[str, Sequence[str]], language: str) -> dict[str, str]:
    """The intents (of ``cues``: intent -> its cue words) whose topic ``text`` names, each
    with the cue said; none when ``text`` asks no question."""
    out: dict[str, str] = {}
    if not asks(text, language):
        return out
    for intent, words in cues.items():
        said = cue_said(text, words, language)
        if said is not None:
            out[intent] = said
    return out


class Topics:
    """The topic cues of the intents a script's states listen for, read once per state."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._at: dict[str, dict[str, tuple[str, ...]]] = {}

    def at(self, state: str, heard: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The intents of ``heard`` (those ``state`` listens for) that have cues, with them."""
        cues = self._at.get(state)
        if cues is None:
            lang = self._script.language
            cues = {}
            for name in heard:
                it = self._script.intent(name)
                if it is not None and it.topics_for(lang):
                    cues[name] = it.topics_for(lang)
            self._at[state] = cues
        return cues

    def other(
        self, state: str, heard: Sequence[str], text: str, intent: str
    ) -> tuple[str, str] | None:
        """The other intent, and its cue said, whose topic alone the question ``text``
        names where ``intent`` (with cues) was read; None to keep ``intent``."""
        cues = self.at(state, heard)
        if intent not in cues:
            return None
        said = topic_said(text, cues, self._script.language)
        if intent in said or len(said) != 1:
            return None
        ((other, word),) = said.items()
        return other, word

    def instead_of_refusal(
        self, state: str, heard: Sequence[str], text: str
    ) -> tuple[str | None, str] | None:
        """Where the question ``text`` was read as a refusal but says no refusal word, the
        intent whose topic alone it names (我就怕钱放进去拿不回来，靠谱吗: risk) with its cue;
        no intent (None) when the topic is only that of an intent ``state`` does not listen
        for (那要是亏了谁负责, asked where the risk was just explained); None to keep it."""
        refuses = _REFUSES.get(base_language(self._script.language))
        if refuses is None or refuses.search(normalize(text, self._script.language)):
            return None
        every = self.at("*", tuple(self._script.intents))
        said = topic_said(text, every, self._script.language)
        own = {i: w for i, w in said.items() if i in heard}
        if len(own) == 1:
            ((intent, word),) = own.items()
            return intent, word
        if not own and said:
            return None, next(iter(said.values()))
        return None

    def asks_about(self, state: str, heard: Sequence[str], text: str, intent: str) -> bool:
        """Whether the question ``text`` names ``intent``'s own topic."""
        return intent in topic_said(text, self.at(state, heard), self._script.language)
