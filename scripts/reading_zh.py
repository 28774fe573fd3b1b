"""Chinese replies read by rule where a phrase list and a classifier of character n-grams
miss a construction.

- The speaker names themselves a family member of the one asked for (``names_relative``):
  我是他爱人, 俺是他娘, 我系佢老婆 as a whole clause, also after a denial (不是本人，我是他
  爱人: "not me, I'm his wife" is a relative answering, not a wrong person). The relation
  must end its clause: 我是他同事的号 says whose number it is, not who is speaking.
Reads each clause of the text as heard (the recogniser's marks and spaces part clauses),
normalised (``scripts.matching.normalize``). Pure.
"""

from __future__ import annotations

import re

from scripts.matching import normalize

# Family words (a friend or a colleague answering is not family: the script's own phrases
# hold 我是他朋友 where it means so).
_KIN = (
    "老婆|老公|爱人|媳妇|妻子|丈夫|太太|先生|儿子|女儿|闺女|儿媳|女婿|妈妈|妈|母亲|娘|"
    "爸爸|爸|父亲|爹|哥哥|哥|姐姐|姐|弟弟|弟|妹妹|妹|爷爷|奶奶|外公|外婆|姥姥|姥爷|"
    "孙子|孙女|外孙女|外孙|家人|家属|亲戚|侄子|侄女|舅舅|姑姑|叔叔|阿姨"
)
# 我/俺 + copula (是, recognised as 四/事; Cantonese 系, 就是) + he/she (它, ta and Cantonese
# 佢 as heard) + optional 的 + a family word, as the whole clause (after fillers, which
# normalisation removes; a closing particle may follow).
_SELF_KIN = re.compile(
    rf"^(?:我|俺)(?:就是|就|是|四|事|系)(?:他|她|它|ta|佢)(?:的)?(?:{_KIN})(?:呢|哈|咯|哟)?$"
)
# where a reply's clauses end (the recogniser's punctuation and spaces)
_CLAUSE = re.compile(r"[,，。.!！?？、;；…~～\s]+")


def names_relative(text: str) -> bool:
    """A clause of ``text`` is the speaker naming themselves the customer's family member."""
    return any(_SELF_KIN.match(normalize(c, "zh")) for c in _CLAUSE.split(text) if c)
