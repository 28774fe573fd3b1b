"""scripts.assent_zh and the readings added with it: an assent read by rule, the speaker
naming themselves after a question back, 对换 heard for 兑换, the points_reminder how_to words."""

from __future__ import annotations

import pytest

from dialogue.intent.labelled_calls import REPLAY_START
from scripts.assent_zh import assent
from scripts.loader import find_script, load_script
from scripts.matching import normalize
from scripts.reading_zh import asks_for_call, unable_alone
from scripts.understanding import Understanding

SCRIPT = load_script(find_script("points_reminder", "zh-CN"))
POINTS = Understanding(SCRIPT)


def _read(state: str, text: str) -> str | None:
    return POINTS.read(state, [text], now=REPLAY_START).intent


@pytest.mark.parametrize("text", ["那最好了，我自己搞不来", "我不会弄", "我岁数大了，不会用手机"])
def test_unable_alone_asks_for_the_guidance_offered(text: str) -> None:
    assert unable_alone(text)
    # either reading puts the call through to the specialist who guides
    assert _read("explain_redeem", text) in ("agree", "how_to")
    assert SCRIPT.states["explain_redeem"].targets()["how_to"].to == "transfer_agent"


@pytest.mark.parametrize("text", ["算了，我也弄不来", "我自己会弄", "我也不懂这些", "不用，我会弄"])
def test_not_unable_alone(text: str) -> None:
    assert not unable_alone(text)


def test_unable_alone_only_where_a_person_would_guide() -> None:
    # points_info leads to the explanation, not to a person: 弄不来 there gives up
    assert assent(SCRIPT, "points_info", "我自己搞不来", "decline") is None
    assert assent(SCRIPT, "explain_redeem", "我自己搞不来", "decline") == "unable_alone"
    assert assent(SCRIPT, "explain_redeem", "我自己搞不来", "busy") is None


def test_asking_for_the_call_offered_accepts_it() -> None:
    assert asks_for_call("没事，不着急，让他回吧")
    assert not asks_for_call("不用让他回了")
    assert not asks_for_call("让他别打了")
    assert _read("agent_busy", "没事，不着急，让他回吧") == "agree"


def test_the_speaker_naming_themselves_after_a_question_back_confirms() -> None:
    assert _read("identity", "你找他？就是我呀") == "confirm_identity"
    # asked back (我？): the rule does not take it; the classifier alone may
    asked = POINTS.read("identity", ["喂，你找谁？我？"], now=REPLAY_START)
    assert asked.source != "phrase"
    assert _read("identity", "你说傻？再说一遍") is None


def test_duihuan_heard_for_redeeming_is_no_assent() -> None:
    assert normalize("咋对换啊", "zh") == normalize("咋兑换啊", "zh")
    assert _read("points_info", "咋对换啊，我不太会弄") == "how_to"


def test_which_app_asks_the_way_and_where_points_came_from_is_no_how_to() -> None:
    assert _read("explain_redeem", "哪个软件啊") == "how_to"
    assert _read("points_info", "积分是怎么来的，我都没怎么刷卡") is None
