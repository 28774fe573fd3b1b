"""A reply that asks to be sent the material instead of being put through (你先发点资料给我看看,
发个短信给我吧, 链接发我就行): where agreeing transfers the call to a person, it declines the
transfer (docs/intent.md: wanting information sent is B, agreeing to be transferred A).
Where agreeing sends the material, "send it" (你发吧, 发过来, 发我手机上: ``tells_to_send``)
agrees though a hesitation is said with it (我跟我爱人商量一下): the hesitation is about the
product, which the material is for (``accepts_sent``, where the intent leads to an end
that sends it).
Pure, no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping

from scripts.matching import base_language
from scripts.schema import Script

# "send (me) the material / a text / the link": 发 + an optional measure word + the thing +
# to me, or the thing fronted and 发我 after it
_SEND_ME: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(
        r"发(?:个|点|条|份|一下|一份|一条)?(?:资料|短信|链接|说明|信息|材料|介绍)?(?:给我|到我|我)"
        r"|(?:资料|短信|链接|说明|信息|材料|介绍).{0,4}发(?:给|到)?我"
    )
}
# a person asked for in the same reply (转人工, 让经理带我): the transfer is wanted after all
_PERSON: Mapping[str, tuple[str, ...]] = {
    "zh": ("转", "经理", "专员", "人工", "客服", "带我", "教我", "打给我", "联系我", "回电")
}


def asks_to_be_sent(text: str, language: str) -> bool:
    """Whether ``text`` asks to be sent the material and names no person to talk to."""
    lang = base_language(language)
    pattern = _SEND_ME.get(lang)
    if pattern is None:
        return False
    heard = "".join(ch for ch in text if ch.isalnum())
    return pattern.search(heard) is not None and not any(w in heard for w in _PERSON[lang])


# "send it": 发 told to the bot (发吧, 你发过来, 发我手机上), not refused or asked (不用发, 别发,
# 要发吗: a negation or 要/用 just before it)
_SEND_IT: Mapping[str, re.Pattern[str]] = {
    "zh": re.compile(r"(?<![不别甭没用要])发(?:吧|过来|给我|我|一下|一份|到我|呗)")
}
# a question asked with it (发到哪个号, 发过来要多久?) is no telling
_ASKED: Mapping[str, re.Pattern[str]] = {"zh": re.compile(r"[?？吗哪几]|什么|多久|多长|啥")}


def tells_to_send(text: str, language: str) -> bool:
    """Whether ``text`` tells the bot to send (the material it offered)."""
    lang = base_language(language)
    pattern = _SEND_IT.get(lang)
    if pattern is None or _ASKED[lang].search(text):
        return False
    heard = "".join(ch for ch in text if ch.isalnum())
    return pattern.search(heard) is not None


# ends where the material offered is sent (docs/scripts.md, "End states and dispositions")
SENDS_MATERIAL = frozenset({"info_sent", "link_sent"})


def accepts_sent(script: Script, state: str, intent: str, text: str) -> bool:
    """Whether ``text``, whose ``intent`` a hesitation voided at ``state``, tells the bot
    to send the material where ``intent`` ends the call sending it."""
    target = script.states[state].targets().get(intent)
    to = script.states.get(target.to) if target is not None else None
    sends = to is not None and to.end is not None and to.end.disposition in SENDS_MATERIAL
    return sends and tells_to_send(text, script.language)
