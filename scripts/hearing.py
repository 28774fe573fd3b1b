"""Not hearing the bot, and the bare sounds of assent: the words the understanding reads
before the classifier decides (docs/intent.md, the identity question). A reply of not
hearing asks for the prompt again, whatever the classifier makes of it; a bare 嗯 answers
"is that you?". Pure."""

from __future__ import annotations

import re
from collections.abc import Sequence

from scripts.matching import base_language, normalize

# Sounds of assent that answer "is that you?" on their own (after the reply's punctuation
# and spaces are removed; a question mark makes them a question); recognition spells 嗯 as 恩.
BARE_YES = {
    "zh": frozenset(
        {"嗯", "嗯嗯", "嗯嗯嗯", "嗯哼", "嗯呢", "嗯呐", "恩", "恩恩", "昂", "en", "ng"}
    ),
    "ko": frozenset({"응", "응응", "넹", "네네", "예예"}),
}
# Words of not hearing the bot (normalised; 再 heard as 在): a reply saying them asks for
# the prompt again, so the classifier's "who is calling" and a short phrase inside it
# (你说 in 听不清，你说的是谁) do not decide it.
HEARING = {
    "zh": (
        "听不清",
        "没听清",
        "听不太清",
        "听不见",
        "没听见",
        "听不到",
        "没听到",
        "信号不好",
        "再说一遍",
        "在说一遍",
        "再说一次",
        "大声点",
        "大点声",
        "断断续续",
        "声音小",
        "声音太小",
        "声音好小",
        # no sound from the bot: its 没/不 is no refusal (喂？怎么没声了)
        "没声",
        "没有声音",
        "没动静",
        "不说话",
    )
}
# The negations of a refusal: with none left once the hearing words are taken out, a
# refusal the classifier reads came from the hearing words (没 in 没声 refuses nothing).
_NEG = re.compile("不|没|别|甭")
_HEARD = re.compile("|".join(re.escape(normalize(w, "zh")) for w in HEARING["zh"]))
# Words of asking who or what is calling (哪个银行, 你是谁, 是机器吧): a reply of not hearing
# without one (喂，你声音断断续续的) asks for the prompt again, it does not ask who calls.
CALLER_WORDS = {"zh": ("谁", "哪", "什么", "啥", "干嘛", "机器", "真人", "电脑", "录音", "智能")}
# "who did you say" (the name asked for), not "who are you"
WHO_SAID = ("找谁", "说谁", "说的谁", "说的是谁", "问谁", "叫谁")


def hearing_trouble(language: str, text: str) -> bool:
    """The reply says the bot was not heard (听不清, 信号不好, 没声了)."""
    words = HEARING.get(base_language(language), ())
    norm = normalize(text, language) if words else ""
    # the words normalised as the reply is (断断续续 reads 断续)
    return any(normalize(w, language) in norm for w in words)


def bare_yes(language: str, texts: Sequence[str]) -> str | None:
    """The first reply as a bare sound of assent (嗯, 응), or None; asked, it is none."""
    sounds = BARE_YES.get(base_language(language))
    if not sounds or not texts or "?" in texts[0] or "？" in texts[0]:
        return None
    bare = "".join(ch for ch in texts[0].lower() if ch.isalnum())
    return bare if bare in sounds else None


def refuses_beyond_hearing(norm: str) -> bool:
    """A negation is left once the words of not hearing are taken out of the normalised
    reply (没 in 没声 refuses nothing; 听不清，不需要 does refuse)."""
    return _NEG.search(_HEARD.sub("", norm)) is not None
