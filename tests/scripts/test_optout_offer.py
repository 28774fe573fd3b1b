from __future__ import annotations

import pytest

from scripts.loader import find_script, load_script
from scripts.optout import OptOutMatcher
from scripts.optout_offer import declines_offered_call, offers_call

DETECTOR = OptOutMatcher("zh-CN")


@pytest.mark.parametrize(
    "text",
    [
        "不用再打了",
        "不用联系我了，我自己去网点",
        "没必要再打",
        "算了，不用打给我",
        "用不着专员回电，我自己弄",
        "不必再联系我，我知道怎么兑换",
        "不需要打过来了，我不需要",
        "步用在打了",  # 不 and 再 misheard
        "没比要在大了",
        "用不着练习我了",  # 联系 misheard
        "积分不要紧的，不用再打给我了",  # 不要紧 forbids nothing
        "不用回电了，麻烦了",  # 麻烦了 is thanks, not annoyance
    ],
)
def test_no_need_for_the_call_declines_it(text: str) -> None:
    assert declines_offered_call(text, "zh-CN", DETECTOR)


@pytest.mark.parametrize(
    "text",
    [
        "不要再打了",  # forbidden
        "别打了，我自己去网点",
        "甭打了",
        "不许再打了",
        "以后不用再打了",  # lasting
        "不用再打了，以后也别打了",
        "在也不用打了",
        "不用再打了，把我号码删了",  # removal
        "不用打了，我要拉黑你们",
        "不用再打了，再打我就投诉",  # complaint
        "烦死了，不用再打了",  # annoyance
        "不用回了，你们这电话我都接烦了",
        "天天打，不用再打了",
        "不用再打了，我不想再接到你们电话",  # another clause opts out
        "我自己去网点",  # no call named
    ],
)
def test_a_prohibition_a_lasting_word_or_another_opt_out_is_no_decline(text: str) -> None:
    assert not declines_offered_call(text, "zh-CN", DETECTOR)


def test_only_chinese_is_read() -> None:
    assert not declines_offered_call("no need to call", "en-US", DETECTOR)


@pytest.mark.parametrize(
    "script_id", ["dormant_reactivation", "points_reminder", "wealth_followup"]
)
def test_offers_call_is_read_from_the_script(script_id: str) -> None:
    s = load_script(find_script(script_id, "zh-CN"))
    offering = {sid for sid in s.states if offers_call(s, sid)}
    assert offering == {"ask_callback", "agent_busy"}
