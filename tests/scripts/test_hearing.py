"""Not hearing the bot, and bare sounds of assent."""

from __future__ import annotations

import pytest

from scripts.hearing import bare_yes, hearing_trouble, refuses_beyond_hearing
from scripts.matching import normalize


@pytest.mark.parametrize(
    "text", ["喂？听不清", "你声音断断续续的", "怎么没声了", "信号不好，在说一遍"]
)
def test_not_hearing(text: str) -> None:
    assert hearing_trouble("zh-CN", text)


def test_hearing_is_not_read_into_other_replies() -> None:
    assert not hearing_trouble("zh-CN", "我听说过你们这个活动")


@pytest.mark.parametrize(
    ("texts", "yes"), [(["嗯嗯。"], "嗯嗯"), (["嗯？"], None), (["好的"], None)]
)
def test_a_bare_assent(texts: list[str], yes: str | None) -> None:
    assert bare_yes("zh-CN", texts) == yes


def test_a_refusal_is_what_is_left_after_the_words_of_not_hearing() -> None:
    assert not refuses_beyond_hearing(normalize("喂，怎么没声了"))
    assert refuses_beyond_hearing(normalize("听不清，不需要"))
