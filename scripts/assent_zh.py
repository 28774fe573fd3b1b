"""An assent read by rule at a state, where a Chinese construction accepts the offer but
the classifier reads a refusal or no intent (``scripts.reading_zh``):

- where agreeing puts the call through to a person who guides the customer (需要我请专员
  在电话里带您操作吗？), saying one cannot do it oneself (我自己搞不来, 我年纪大了不会弄)
  asks for that guidance;
- where a call is offered (稍后请专员给您回电，可以吗？), asking to be called (没事，不着急，
  让他回吧) accepts the call.

Not at the identity question nor where a slot is captured; a refusal said in the reply
(算了，我也弄不来) keeps it a refusal. Pure, no I/O."""

from __future__ import annotations

from scripts.matching import base_language
from scripts.optout_offer import offers_call
from scripts.reading_zh import asks_for_call, unable_alone
from scripts.schema import Script

AGREE = "agree"
DECLINE = "decline"


def assent(script: Script, state: str, text: str, intent: str | None) -> str | None:
    """The rule that reads ``text`` at ``state``, read as ``intent`` (a refusal or no
    intent), as the state's assent, or None."""
    st = script.states[state]
    target = st.targets().get(AGREE)
    if (
        st.identity is not None
        or st.capture is not None
        or target is None
        or intent not in (None, DECLINE)
        or base_language(script.language) != "zh"
    ):
        return None
    to = script.states.get(target.to)
    if to is not None and to.handoff is not None and to.handoff.offer and unable_alone(text):
        return "unable_alone"
    if offers_call(script, state) and asks_for_call(text):
        return "asks_for_call"
    return None
