"""Which part of a Chinese reply answers the prompt, when the customer says something else
first.

- A take-back (``TAKE_BACK``): the customer stops their first answer and says another
  (不用了……哎等下，领积分是吧？那还是弄一下; 好的……等等，我在开车). The first answer is taken
  back; what follows the take-back answers.
- A tag question repeating what the bot said (积分快没了是吧，那赶快给我弄了; 要绑卡是吧？那算了):
  the clause ending in 是吧 / 对吧 / 是吗 / 对吗 checks the bot's words, it answers nothing (快没了
  is the points running out, not a "no"); what follows it answers.

``answer_part`` gives the answering part, or None when the whole reply answers (nothing
follows, or no take-back or tag question comes first); ``answers_at`` says where it is read:
Chinese states asking their own question (not the identity question, not a slot capture). Clauses are parted by the
recogniser's marks and spaces. Pure, no I/O.
"""

from __future__ import annotations

import re

from scripts.matching import base_language, normalize
from scripts.schema import Script

# Words that stop an answer to say another: "wait", "no, hold on"; as a whole clause
# (fillers 哎, 诶, 哦 around it), so that 等下我自己弄 ("later") is not one.
TAKE_BACK = ("等等", "等一下", "等下", "等会", "慢着", "不对", "哦不", "啊不")
_FILLERS = "哎诶欸唉哦噢啊呃嗯"
# a tag question that checks what was just said: the clause ends with it
TAGS = ("是吧", "对吧", "是吗", "对吗", "是不是", "对不对", "是嘛", "对嘛")
# where a reply's clauses end; the mark after a clause is kept to see a question
_CLAUSE = re.compile(r"([,，。.!！?？、;；…~～\s]+)")


def _clauses(text: str) -> list[str]:
    parts = _CLAUSE.split(text)
    # re.split with one group: clause, marks, clause, marks, ...
    return [parts[i] for i in range(0, len(parts), 2)]


def _takes_back(clause: str) -> bool:
    """Is ``clause`` a take-back word alone (fillers and 了 / 啊 / 吧 / 哈 around it)?"""
    return clause.strip(_FILLERS + "了吧哈") in TAKE_BACK


def answer_part(text: str) -> str | None:
    """The part of ``text`` after a take-back or a tag question that comes after a first
    clause (take-back) or as a first clause (tag question); None when the whole answers."""
    clauses = _clauses(text)
    said = [c for c in clauses if normalize(c, "zh")]
    if len(said) < 2:
        return None
    for i, c in enumerate(said):
        if i > 0 and _takes_back(c):
            tail = "，".join(said[i + 1 :])
            return answer_part(tail) or tail
    first = normalize(said[0], "zh")
    if any(first.endswith(t) and len(first) > len(t) for t in TAGS):
        return "，".join(said[1:])
    return None


def answers_at(script: Script, state: str) -> bool:
    """Is ``state`` a Chinese state asking its own question (not the identity question, not
    a slot capture), where ``answer_part`` and ``scripts.no_answer_zh`` read the reply?"""
    st = script.states[state]
    return base_language(script.language) == "zh" and st.identity is None and st.capture is None
