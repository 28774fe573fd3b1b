"""打 in idioms (``scripts.optout_zh_idioms``): 打折, 打主意, 打感情牌 forbid no call."""

from __future__ import annotations

import pytest

from scripts.optout import OptOutMatcher
from scripts.optout_zh_idioms import idiom_da
from scripts.optout_zh_words import zh_tokens


@pytest.mark.parametrize(
    "text",
    ["别给我打折了，直接说价格", "别打我卡的主意了，我不办", "别打感情牌了，我不办", "别打八折了"],
)
def test_an_idiom_of_da_is_no_opt_out(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is None


@pytest.mark.parametrize(
    "text", ["别打这个号码了", "别打电话来跟我玩游戏了", "你们别打什么算盘了，以后别打了"]
)
def test_a_call_is_still_a_call(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is not None


def test_da_zhe_as_this_is_no_discount() -> None:
    tokens = zh_tokens("别打这个号码")
    assert not idiom_da(tokens, tokens.index("da"))
