"""scripts.refusal_zh: a decline read by rule at a state."""

from __future__ import annotations

from scripts.loader import find_script, load_script
from scripts.refusal_zh import refusal

WEALTH = load_script(find_script("wealth_followup", "zh-CN"))


def test_family_deciding_declines_where_no_call_is_offered() -> None:
    assert refusal(WEALTH, "ask_interest", "我得问问我老婆", None) == "defers_to_family"
    assert refusal(WEALTH, "explain_risk", "我回去问问我儿子再说", "busy") == "defers_to_family"
    # agent_busy offers a call; identity and a question about a topic are left alone
    assert refusal(WEALTH, "agent_busy", "我得问问我老婆", None) is None
    assert refusal(WEALTH, "identity", "我得问问我老婆", None) is None
    assert refusal(WEALTH, "ask_interest", "风险大吗？我得问问我老婆", "ask_risk") is None


def test_a_loss_and_no_more_buying_is_no_purchase() -> None:
    said = "亏过一次，不敢再买了"
    assert refusal(WEALTH, "ask_interest", said, "already_bought") == "refuses_after_loss"
    assert refusal(WEALTH, "ask_interest", said, "complaint") is None
