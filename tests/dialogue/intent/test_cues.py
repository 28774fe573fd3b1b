"""Grade cues of one customer turn (dialogue.intent.cues): what separates a polite decline
(C) from a refusal (D), wording that only looks positive or like a question, and Korean
refusals said bluntly."""

from __future__ import annotations

import pytest

from dialogue.intent.cues import cues


@pytest.mark.parametrize(
    "text",
    [
        "不要",
        "不要！",
        "嗯，不弄",
        "不装了",
        "不装，我不用手机银行",  # "won't" opens it, a reason follows
        "不需要，不要",
        "不需要不需要",
        "没兴趣没兴趣",
        "挂了挂了",  # hanging up said as the whole answer
        "不需要，挂",
        "没空不用回点话",  # no time and no callback, as misheard
        "忙着呢，不用打回来",  # no callback, with 打 between
    ],
)
def test_a_bare_dont_want_or_a_refusal_said_twice_is_blunt(text: str) -> None:
    """D: "don't want" / "won't" as the whole answer, or any refusal said twice."""
    c = cues(text, "zh-CN")
    assert c.blunt, c.names()


@pytest.mark.parametrize(
    "text",
    ["不需要了", "不用", "不用不用", "不用了不用了", "不要了，谢谢", "好的，那先挂了", "别挂"],
)
def test_no_need_once_or_the_polite_reflex_is_not_blunt(text: str) -> None:
    """C: "no need" said once, the reflexive 不用不用, a thanked 不要了."""
    assert not cues(text, "zh-CN").blunt


@pytest.mark.parametrize("text", ["不要发", "不要了，谢谢", "好的，不要转了"])
def test_dont_want_with_an_object_or_thanks_is_not_hostile(text: str) -> None:
    assert not cues(text, "zh-CN").hostile


@pytest.mark.parametrize("text", ["你们哪个银行的，怎么有我电话", "骗子", "你们天天打"])
def test_distrust_of_the_caller_is_hostile(text: str) -> None:
    assert cues(text, "zh-CN").hostile


def test_a_worry_about_fraud_is_caution_not_hostility() -> None:
    assert not cues("链接是官方的吧？我怕是诈骗的链接", "zh-CN").hostile


def test_the_bank_is_not_positive_wording() -> None:
    assert not cues("手机银行我不开", "zh-CN").positive
    assert cues("行，手机银行我装了", "zh-CN").positive


def test_an_accusing_how_asks_nothing() -> None:
    assert not cues("你们怎么老打电话", "zh-CN").asks_how
    assert cues("我怎么弄", "zh-CN").asks_how


def test_a_repeated_term_is_not_its_single_syllable() -> None:
    """说说 (tell me more) is asked for details; 你说 (go on) is not; 天天打 needs 天天."""
    assert cues("你说说看", "zh-CN").asks_details
    assert not cues("是我，你说", "zh-CN").asks_details
    assert not cues("今天打过了", "zh-CN").hostile


@pytest.mark.parametrize(
    ("text", "blunt"),
    [
        ("관심 없다니까요 끊을게요", True),
        ("아 됐고요 포인트 그런 거 안 써요 끊어요", True),
        # a polite no is neither negative nor blunt
        ("아니요 안 써요 감사합니다", False),
    ],
)
def test_a_curt_korean_no_is_blunt(text: str, blunt: bool) -> None:
    c = cues(text, "ko-KR")
    assert c.negative is blunt and c.blunt is blunt


@pytest.mark.parametrize("text", ["그런 거 안 써요", "안 할래요", "안 들을래요"])
def test_korean_not_using_or_doing_is_negative(text: str) -> None:
    assert cues(text, "ko-KR").negative


@pytest.mark.parametrize("text", ["挂了啊", "挂了吧", "不须要不须要", "没星趣没星趣"])
def test_hanging_up_with_a_particle_and_misheard_refusals_said_twice_are_blunt(text: str) -> None:
    """挂了 ending in 啊 is still hanging up; 须 for 需 and 星趣 for 兴趣 are recognition errors."""
    assert cues(text, "zh-CN").blunt


@pytest.mark.parametrize(
    "text", ["我考虑好久了，这次想买", "想好了，转吧", "暂时不考虑", "我不考虑这个"]
)
def test_thinking_done_or_refused_is_not_hesitant(text: str) -> None:
    """考虑好了 commits (A) and 不考虑 declines (C); neither is the B kind of thinking it over."""
    assert not cues(text, "zh-CN").hesitant


@pytest.mark.parametrize(
    "text", ["经理介绍一下也行，但我今天不买哈", "我想先去网点当面问", "我再对比一下", "下个月再说"]
)
def test_not_buying_yet_is_hesitant(text: str) -> None:
    """B: not today, after comparing, at the branch, next month."""
    assert cues(text, "zh-CN").hesitant


def test_declining_to_consider_it_is_negative_and_thought_over_commits() -> None:
    assert cues("我不考虑这个", "zh-CN").negative
    assert cues("我考虑好了，转吧", "zh-CN").commit


@pytest.mark.parametrize("text", ["发我吧，我一会儿挂了就装", "好嘞，你发，我打完电话就装"])
def test_acting_right_after_the_call_commits(text: str) -> None:
    assert cues(text, "zh-CN").commit


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("那我回去跟老婆伤量一下再换", "hesitant"),  # 伤量 for 商量
        ("嗯我在靠虑靠虑吧", "hesitant"),  # 靠虑 for 考虑
        ("片子，滚", "hostile"),  # 片子 for 骗子
        ("我要头诉你们", "hostile"),  # 头诉 for 投诉
        ("你大错了，我不是", "wrong_person"),  # 大错 for 打错
        ("不撞了", "blunt"),  # 不撞了 for 不装了, the whole answer
        ("步要", "blunt"),  # 步要 for 不要
        ("不需要步需要，挂了", "blunt"),
        ("我吗上就弄", "commit"),  # 吗上 for 马上
    ],
)
def test_a_homophone_of_a_cue_term_carries_the_cue(text: str, cue: str) -> None:
    """Recognition homophones read by sound (toneless pinyin), as the opt-out rules do."""
    assert cue in cues(text, "zh-CN").names()


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("补办", "negative"),  # 补办 is no 不办
        ("不姓王", "negative"),  # 不姓 sounds like 不行: matched as written only
        ("不行", "wrong_person"),
        ("收益有大概多少", "hostile"),  # 有大 is no 又打
        ("我是小胡", "hostile"),  # 小胡 is no 销户
        ("没性趣", "blunt"),  # "not interested" once is a decline (C), by sound or not
        ("不高吧", "blunt"),  # 不高 is no 不搞
        ("吃饭了", "hostile"),  # one character (烦 / 饭) is matched as written
    ],
)
def test_a_sound_alike_common_word_carries_no_cue(text: str, cue: str) -> None:
    assert cue not in cues(text, "zh-CN").names()
