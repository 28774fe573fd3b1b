"""Chinese replies the classifier reads as an answer of the state that answer nothing
(docs/intent.md, "The grades": worry is a question, distrust no agreement):

- a fraud worry (别是诈骗的; ``scripts.fraud_worry``) read as a decline is a question, unless
  the rest of the reply declines (不要发，怕是诈骗);
- an echo of the prompt's words as a question (手机银行？; ``scripts.reading_zh``) is no answer;
- an acknowledgement only (好的，知道了; ``scripts.acknowledgement``), a question about what
  is required (要带身份证去啊; ``scripts.reading_zh``) and calling the caller a fraud (骗子吧你们,
  heard by sound) are no agreement.

Questions of the customer's own (ask_risk, how_to) are not answers and are left alone. (The
understanding also keeps the phrase 要 from deciding a requirement question.)
Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from scripts.acknowledgement import acknowledges_only
from scripts.fraud_worry import accuses_fraud, fraud_worry, without_worry
from scripts.reading_zh import asks_requirement, echo_question
from scripts.schema import Script

DECLINE = "decline"


class Reading(Protocol):
    """What a reading of a reply tells here: its intent and where it came from."""

    @property
    def intent(self) -> str | None: ...

    @property
    def source(self) -> str: ...


def asks(intent: str) -> bool:
    """Is ``intent`` a question of the customer's (ask_risk, how_to), not an answer?"""
    return intent.startswith("ask_") or intent == "how_to"


def no_answer(
    u: Reading, text: str, script: Script, state: str, read: Callable[[Sequence[str]], Reading]
) -> str | None:
    """Why the classifier's reading ``u`` of ``text`` at ``state`` is no answer
    ("fraud_worry", "echo_question", "acknowledged", "asks_requirement", "accuses_fraud"), or
    None when it stands (a phrase's or a rule's reading, a global intent, a question of the
    customer's); ``read`` reads a part of the reply at the state."""
    intent = u.intent
    if u.source != "classifier" or intent is None or intent in script.global_intents:
        return None
    if asks(intent):
        return None
    if intent == DECLINE and fraud_worry(text):
        rest = without_worry(text)
        if not rest or read([rest]).intent != DECLINE:
            return "fraud_worry"
    if echo_question(text, script.states[state].prompt):
        return "echo_question"
    if intent != DECLINE and acknowledges_only(text):
        return "acknowledged"
    if intent != DECLINE and asks_requirement(text):
        return "asks_requirement"
    if intent != DECLINE and accuses_fraud(text):
        return "accuses_fraud"
    return None
