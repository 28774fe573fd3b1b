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
