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


@pytest.mark.parametrize(
    "text",
    [
        "以后不要给我寄广告了",  # another channel, the calls not named
        "我上次说不要再打了是因为在忙，现在可以说",  # an earlier request explained away
        "我上次说步要再打是因为在忙",
        "你们打电话能不能别这么早",  # the manner, the call named before
    ],
)
def test_another_channel_an_earlier_request_and_the_manner(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "以后不要再给我寄广告，也别打电话",
        "我上次说不要再打了，你们还打",
        "这号以后你们别惦记了，不会接的",  # 惦记 is no 寄
    ],
)
def test_the_calls_named_stay_requests(text: str) -> None:
    assert OptOutMatcher("zh-CN").match(text) is not None
