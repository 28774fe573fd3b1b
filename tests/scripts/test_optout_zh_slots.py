"""A time slot asked for (``scripts.optout_zh_slots``): forbidden at one time, welcome at
another, even with 以后."""

from __future__ import annotations

import pytest

from scripts.optout import OptOutMatcher


@pytest.mark.parametrize(
    "text", ["以后晚上别打，白天打可以", "以后晚上别大，白天可以", "以后周末别打，工作日打吧"]
)
def test_a_slot_welcomed_is_no_opt_out(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is None


@pytest.mark.parametrize(
    "text", ["以后晚上别打，白天也别打", "以后别打了，白天晚上都不接", "以后晚上别打了"]
)
def test_no_slot_welcomed_stays_an_opt_out(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is not None


def test_a_fixed_line_is_read_after_the_owner() -> None:
    from scripts.optout_zh_slots import fixed_line
    from scripts.optout_zh_words import zh_tokens

    tokens = zh_tokens("别打我座机")
    assert fixed_line(tokens, tokens.index("da") + 1)
    tokens = zh_tokens("别打我手机")
    assert not fixed_line(tokens, tokens.index("da") + 1)


@pytest.mark.parametrize("text", ["别打这个座机，平时没人", "憋大这个座机平时没人"])
def test_a_fixed_line_after_a_demonstrative(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is None
