"""Where the Korean rules of ``scripts.reading_ko`` decide a reply in
``scripts.understanding``: each function takes the script, the state and the reply and
gives the reading as ``(intent, detail)`` (intent None: no intent) or None (the rules say
nothing and the usual order of reading goes on). Pure."""

from __future__ import annotations

from collections.abc import Callable

from scripts.matching import Match
from scripts.reading_ko import (
    answers_connection,
    asks_who_calls,
    defers,
    names_relative,
    names_self,
    names_self_relation,
    not_put_through,
    question_back,
    without_number_question,
)
from scripts.schema import OPT_OUT, Script

Reading = tuple[str | None, str]

RELATIVE = "relative"
IS_ROBOT = "is_robot"
BUSY = "busy"
WRONG_PERSON = "wrong_person"
DECLINE = "decline"


def _heard(script: Script, state: str) -> tuple[str, ...]:
    return tuple(i for i in script.expected_intents(state) if i != OPT_OUT)


def transfers(script: Script, state: str, intent: str) -> bool:
    """Whether ``intent`` at ``state`` goes to a state that puts the call through."""
    target = script.states[state].targets().get(intent)
    to = script.states.get(target.to) if target is not None else None
    return to is not None and to.handoff is not None and to.handoff.offer


def before_reading(script: Script, state: str, text: str) -> Reading | str | None:
    """Read before anything else, the opt-out rules too: at a state putting the call
    through (its handoff ``offer``, hearing a decline), "don't connect me" (연결하지 마세요,
    취소해 주세요) declines it and "I'll wait" (네 기다릴게요) is no decline; anywhere, "how
    did you get my number?" asks no way and names no wrong person: the rest of the reply
    (a str) is read instead, or it is no intent when nothing else was said."""
    st = script.states[state]
    if st.handoff is not None and st.handoff.offer and DECLINE in st.transitions:
        answer = answers_connection(text)
        if answer is not None:
            return (DECLINE if answer == DECLINE else None), "answers_connection"
    rest = without_number_question(text)
    if rest is None:
        return None
    return rest if any(ch.isalnum() for ch in rest) else (None, "number_question")


def by_rule(
    script: Script,
    state: str,
    text: str,
    m: Match | None,
    strong: bool,
    guess: Callable[[], str | None],
) -> Reading | None:
    """The Korean rules before the phrase match and the classifier: "it's me, <name>"
    confirms at the identity question; a family member as the subject or as the speaker
    is a relative there; "who is calling?" is ``is_robot``; a question back and a deferral
    are no intent, unless a global's phrase is in it (for a deferral: said as most of the
    reply, ``strong``) or, for a deferral, the classifier reads busy (``guess``) or the
    state asks for a callback time."""
    st = script.states[state]
    heard = _heard(script, state)
    global_phrase = m is not None and m.intent in script.global_intents
    said = m.intent if m is not None else None
    if st.identity is not None and names_self(text):
        return st.identity.confirmed[0], "names_self"
    if st.identity is not None and RELATIVE in heard:
        if (not global_phrase or said == BUSY) and names_relative(text):
            return RELATIVE, "names_relative"
        if (not global_phrase or said in (BUSY, WRONG_PERSON)) and names_self_relation(text):
            # "no, I'm his wife" (아니요 저는 와이프인데요): a relative, whatever denial
            return RELATIVE, "names_self_relation"
    if IS_ROBOT in heard and asks_who_calls(text):
        return IS_ROBOT, "asks_who_calls"
    if question_back(text) and not global_phrase:
        return None, "question_back"
    if st.capture is None and defers(text) and not (global_phrase and strong) and guess() != BUSY:
        # "I'll talk it over with my husband" is no yes, no no and no complaint yet, also
        # with a global's word inside (상담원은 좀 그렇고 생각해 볼게요); busy said with it
        # (생각해 볼게요 지금은 바빠서요) asks for a call later; where a callback time is
        # asked for, the time said with it (상의해 보고 내일 오후에 주세요) is read
        return None, "defers"
    return None


def declines_transfer(script: Script, state: str, intent: str | None, text: str) -> bool:
    """Where agreeing puts the call through, the classifier's yes, or a global it guesses
    (not busy), for "OK, I'll look at it later myself" / "OK, goodbye"
    (``scripts.reading_ko.not_put_through``) is a decline."""
    heard = _heard(script, state)
    if intent is None or DECLINE not in heard or not script.language.startswith("ko"):
        return False
    if not (
        transfers(script, state, intent)
        or (
            intent in script.global_intents
            and intent != BUSY
            and any(transfers(script, state, i) for i in heard)
        )
    ):
        return False
    return not_put_through(text)
