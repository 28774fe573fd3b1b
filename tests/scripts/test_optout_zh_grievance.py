"""Grievances at the calls without a prohibition (``scripts.optout_zh_grievance``)."""

from __future__ import annotations

import pytest

from scripts.optout import OptOutMatcher


@pytest.mark.parametrize(
    "text",
    [
        "我真的累了，一天三个电话，放过我吧",  # a plea, the calls named
        "你们换号码打也没用，我不会接的",  # the block outlasts a new number
        "因为你们这电话，我这卡不想用了，销了算了",  # closing because of the calls
        "就冲你们这电话，我也要换银行",
        "要是再打，我就到网上发帖",  # going public if called again
        "再打我就找记者",
    ],
)
def test_a_grievance_at_the_calls_is_an_opt_out(text: str) -> None:
    hit = OptOutMatcher("zh-CN", model=None).match(text)
    assert hit is not None


@pytest.mark.parametrize(
    "text",
    [
        "饶了我吧，我真不懂这些理财",  # no calls named
        "因为年费太贵，卡销了",  # closed for another cause
        "我换号码也没用，还是收到诈骗短信",  # the customer's number, no call from it
        "我想把这张卡销了，年费太贵",
    ],
)
def test_without_the_calls_it_is_none(text: str) -> None:
    assert OptOutMatcher("zh-CN", model=None).match(text) is None


@pytest.mark.parametrize(
    "text",
    ["你们银行的电话我看见一个挂一个", "以后别让我再听到你们这个开场白"],
)
def test_each_call_refused_or_never_heard_again(text: str) -> None:
    assert OptOutMatcher("zh-CN", model=None).match(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "饶了我吧，电话里说不清楚，我去网点",  # 电话 alone is no call received
        "行行好，帮我查一下电话费",  # 行行好 as "please"
        "因为打电话办不了，我去柜台销户",  # the cause is not the bank's calls
        "我打电话过去一个挂一个，客服都不接",  # the customer's own calls
    ],
)
def test_a_grievance_needs_the_banks_calls(text: str) -> None:
    assert OptOutMatcher("zh-CN", model=None).match(text) is None


def test_a_card_closed_is_no_number_removed() -> None:
    vetoes: list[str] = []
    matcher = OptOutMatcher("zh-CN", model=None)
    assert matcher.rules("因为电话里听不清，我想去把卡注销了", vetoes) is None
    assert vetoes == ["other_object"]
    assert matcher.rules("把我的电话号码注销") is not None


@pytest.mark.parametrize(
    "text",
    ["这种电话再接一次我就把银行卡全部注销", "我要是再接到你们电话，我就把卡销了"],
)
def test_a_call_received_again_as_a_threats_condition(text: str) -> None:
    assert OptOutMatcher("zh-CN", model=None).match(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "我真心求你们了，就当没我这个人",  # the customer as gone
        "我手机里已经把你们银行设成拦截了",  # the bank blocked on the phone
        "你们要是还打，我就换家银行",  # 换家银行 as a threat's consequence
    ],
)
def test_the_customer_gone_or_the_bank_blocked(text: str) -> None:
    assert OptOutMatcher("zh-CN", model=None).match(text) is not None


@pytest.mark.parametrize("text", ["我把你们从黑名单里放出来了，有事可以打", "我没把你们拉黑啊"])
def test_a_block_undone_or_denied(text: str) -> None:
    assert OptOutMatcher("zh-CN", model=None).match(text) is None
