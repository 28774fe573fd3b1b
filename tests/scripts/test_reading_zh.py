"""Chinese replies read by rule (scripts.reading_zh)."""

from __future__ import annotations

import pytest

from scripts.reading_zh import names_relative, says_done


@pytest.mark.parametrize(
    "text",
    [
        "不是本人，我是他爱人",
        "我不是，我是她女儿",
        "俺是他娘",
        "我系佢老婆",
        "我四他儿子，他在上班",  # 是 heard as 四
        "他在洗澡，我是他的老公",
    ],
)
def test_the_speaker_named_as_family(text: str) -> None:
    assert names_relative(text)


@pytest.mark.parametrize(
    "text",
    [
        "这不是我，我是他同事的号",  # whose number, not who speaks
        "不是他，我是他朋友的号",
        "我是他老婆的同事",
        "是我本人",
        "他是我爸，手机落家里了",  # a relative, but not said this way (the classifier's)
        "",
    ],
)
def test_not_the_speaker_named_as_family(text: str) -> None:
    assert not names_relative(text)


def test_the_decision_left_to_family() -> None:
    from scripts.reading_zh import defers_to_family

    for text in ("这个我得问问我老婆，钱都是她管", "我回去跟我爱人商量商量再说吧", "我老公做主"):
        assert defers_to_family(text), text
    for text in (
        "好，我跟我老婆一起听听",
        "我是他女儿，理财的事我管",
        "理财的事我管",
        "那我回去跟老婆商量一下再换",
    ):
        assert not defers_to_family(text), text


def test_a_loss_told_with_a_refusal_to_buy_again() -> None:
    from scripts.reading_zh import refuses_after_loss

    for text in ("亏过一次，不敢再买了", "买过你们的，亏了，不想再买了"):
        assert refuses_after_loss(text), text
    for text in ("已经买了，不用再买了", "风险大不大，亏了怎么办"):
        assert not refuses_after_loss(text), text


@pytest.mark.parametrize(
    "text",
    ["你说的这个我前天刚弄过", "上回营业厅的人帮我弄过了", "换过了", "我老婆早帮我兑换完了"],
)
def test_said_done(text: str) -> None:
    assert says_done(text)


@pytest.mark.parametrize(
    "text", ["还没弄好", "弄好了吗", "帮我弄好", "我没换过", "已经换好了没有", "不换了", ""]
)
def test_not_said_done(text: str) -> None:
    assert not says_done(text)


def test_asks_about_staff() -> None:
    from scripts.reading_zh import asks_about_staff

    assert asks_about_staff("专员是谁啊")
    assert asks_about_staff("经理是男的女的，多大年纪")
    assert asks_about_staff("他是哪个网点的")
    assert asks_about_staff("经理贵姓")
    assert not asks_about_staff("你是谁啊")
    assert not asks_about_staff("他是机器人吗")
    assert not asks_about_staff("经理好，我想问一下")
