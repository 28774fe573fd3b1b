"""The clauses of a reply at the identity question ("is that you?"): where clauses end,
the first that says something, the words of a confirmation that says "yes, me", and which
readings a confirming clause overrides. Pure; ``scripts.understanding`` applies them
(docs/intent.md, the identity question)."""

from __future__ import annotations

import re

from scripts.matching import Lexicon, normalize
from scripts.schema import Script
from scripts.understood import Understood

# the global whose answer says who is calling and why (asked as 누구세요? too)
IS_ROBOT = "is_robot"
WRONG_PERSON = "wrong_person"
# A confirmation that says "yes, me" (是我, 对, 本人, 没错), not "go on" (你说, 请讲): said as
# the first clause at the identity question it answers the question (``first_clause``).
SELF_WORDS = ("是", "对", "我", "本人", "没错")
# where a reply's clauses end (the recogniser's punctuation and spaces); a question mark is
# kept, as it ends a question, not an answer
CLAUSE = re.compile(r"[,，。.!！、;；…~～\s]+|([?？])")


def may_confirm(u: Understood) -> bool:
    """A reading a confirming clause said with it overrides: a question about the caller,
    nothing, or a wrong person only the classifier read (no denial phrase was said)."""
    return u.intent in (IS_ROBOT, None) or (u.intent == WRONG_PERSON and u.source == "classifier")


def holds_confirmation(
    script: Script, lexicon: Lexicon, state: str, phrase: str, intent: str
) -> bool:
    """Is ``intent`` a confirmation of the identity question one of whose phrases is
    inside ``phrase`` (normalised; 是我 in 是我老伴)?"""
    identity = script.states[state].identity
    return (
        identity is not None
        and intent in identity.confirmed
        and any(lx.intent == intent and lx.text in phrase for lx in lexicon.lexemes)
    )


def first_clause(text: str) -> str | None:
    """The first clause of a reply that is not only fillers (喂，嗯，对，是我 -> 对), when
    more follows it and it is not a question; None otherwise."""
    parts = CLAUSE.split(text)
    # re.split with one group: text, mark-or-None, text, ...
    for i in range(0, len(parts), 2):
        clause = parts[i]
        if not normalize(clause):
            continue
        asked = i + 1 < len(parts) and parts[i + 1] is not None
        rest = "".join(p for p in parts[i + 2 :] if p)
        if asked or not normalize(rest):
            return None
        return clause
    return None
