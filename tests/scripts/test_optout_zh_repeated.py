"""Calls again and again with a one-syllable adverb (``scripts.optout_zh_repeated``): 老打老打
(heard 老大老大), 老给我打, 你们老打电话 are the calls complained of; 老大 (the boss, the
eldest), 老总 and the customer's own calls are not."""

from __future__ import annotations

import pytest

from scripts.optout_zh_repeated import repeated_calls
from scripts.optout_zh_words import zh_rules, zh_tokens


@pytest.mark.parametrize(
    "text",
    [
        "老打老打，能不能停了",  # said twice
        "老大老大，能不能停了",  # the same heard as 老大
        "总打总打有意思吗",
        "你老给我打干嘛",  # the call between
        "总往我这打，烦死了",
        "你们老打电话，烦不烦",  # the bank named before
    ],
)
def test_short_adverb_calls_are_repeated(text: str) -> None:
    assert repeated_calls(zh_tokens(text), zh_rules()) is not None


@pytest.mark.parametrize(
    "text",
    [
        "我老打不通你们客服",  # the customer's calls
        "我家老大电话打不通",  # the eldest
        "老大，你说啥",
        "你们老总打电话给我了吗",  # the boss
        "我老给我妈打电话",
        "老给你们打电话没人接",
    ],
)
def test_boss_and_own_calls_are_not(text: str) -> None:
    assert repeated_calls(zh_tokens(text), zh_rules()) is None
