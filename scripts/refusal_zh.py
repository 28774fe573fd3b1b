"""A decline read by rule at a state, where a Chinese construction refuses the offer but
the classifier reads busy, a person asked for, no intent or one of the state's answers
that is no question (``scripts.reading_zh``): the decision left to family (我得问问我老婆,
回去跟我爱人商量商量再说) where no call is offered, or a loss told with a refusal to buy
again (亏过一次，不敢再买了: no purchase of the product offered, no already_bought).
Not at the identity question nor where a slot is captured. Pure, no I/O."""

from __future__ import annotations

from scripts.matching import base_language
from scripts.optout_offer import offers_call
from scripts.reading_zh import defers_to_family, refuses_after_loss
from scripts.schema import Script

DECLINE = "decline"
# readings a refusal by rule replaces besides no intent and the state's own answers
REPLACED_GLOBALS = frozenset({"busy", "ask_human"})


def refusal(script: Script, state: str, text: str, intent: str | None) -> str | None:
    """The rule that reads ``text`` at ``state``, read as ``intent``, as a decline, or None."""
    st = script.states[state]
    heard = script.expected_intents(state)
    if (
        st.identity is not None
        or st.capture is not None
        or DECLINE not in heard
        or base_language(script.language) != "zh"
        or intent == DECLINE
    ):
        return None
    it = script.intent(intent) if intent is not None else None
    asks = it is not None and bool(it.topics_for(script.language))  # a question on a topic
    own = intent in st.transitions and not asks
    if not (intent is None or intent in REPLACED_GLOBALS or own):
        return None
    if not offers_call(script, state) and defers_to_family(text):
        return "defers_to_family"
    if refuses_after_loss(text):
        return "refuses_after_loss"
    return None
