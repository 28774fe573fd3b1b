"""A Chinese reply that only acknowledges what the bot said (好的，知道了; 哦，明白了): the
customer has heard it and closes the topic; it is no "yes" to the question asked (the
fit set's 知道了 replies go on to decline or ask something else, never to agree).

``acknowledges_only``: the reply is an acknowledgement (知道了, 晓得了, 明白了, 清楚了, 了解了,
收到; heard by sound, so 知到了 says the same) with at most bare assents around it (好的,
行吧, 哦, 嗯), and nothing in it asks or requests. Pure, no I/O.
"""

from __future__ import annotations

import re
from functools import lru_cache

from scripts.matching import normalize
from scripts.pinyin import sound

# "got it": known, understood, clear, received (了 / 啦 closing it)
ACKNOWLEDGE = (
    "知道了",
    "知道啦",
    "晓得了",
    "晓得啦",
    "明白了",
    "明白啦",
    "清楚了",
    "了解了",
    "收到",
)
# a bare assent or filler that may come before it (said as its own clause or fused: 好的知道了)
ASSENT = ("好的", "好", "行", "嗯", "哦", "噢", "我", "那", "吧", "啊", "哈")
# a request or a question in the reply: then the acknowledgement leads into something asked
ASKS = ("怎么", "带我", "帮我", "教我", "转", "发", "给我", "吗", "呢", "什么", "哪")
_CLAUSE = re.compile(r"[,，。.!！、;；…~～\s]+")


def _sound(text: str) -> str:
    return sound(text).strip()


@lru_cache(maxsize=1)
def _whole() -> re.Pattern[str]:
    ack = "|".join(re.escape(_sound(w)) for w in ACKNOWLEDGE)
    pre = "|".join(re.escape(_sound(w)) for w in ASSENT)
    return re.compile(rf"(?:(?:{pre}) ?)*(?:(?:{ack}) ?)*")


def acknowledges_only(text: str) -> bool:
    """Is ``text`` only an acknowledgement: every clause assents or says "got it", the last
    says "got it", and nothing is asked?"""
    if "?" in text or "？" in text:
        return False
    clauses = [c for c in _CLAUSE.split(text) if normalize(c, "zh")]
    if not clauses:
        return False
    heard = "".join(ch for ch in text if ch.isalnum())
    if any(w in heard for w in ASKS):
        return False
    sounds = [_sound("".join(ch for ch in c if ch.isalnum())) for c in clauses]
    acks = tuple(_sound(w) for w in ACKNOWLEDGE)
    return all(_whole().fullmatch(s) for s in sounds) and sounds[-1].endswith(acks)
