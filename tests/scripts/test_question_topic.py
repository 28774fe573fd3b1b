"""scripts.question_topic: a question's topic told by its cue words, heard by sound."""

from __future__ import annotations

from scripts.question_topic import cue_said, topic_said

RISK = ("风险", "安全", "保本", "r2")
RETURN = ("收益", "利息", "回报")


def test_a_cue_heard_by_its_sound_counts() -> None:
    assert cue_said("风先大不大", RISK, "zh-CN") == "风险"
    assert cue_said("保不保笨啊", RISK, "zh-CN") == "保本"
    assert cue_said("那利西有多少", RETURN, "zh-CN") == "利息"
    assert cue_said("是R2的吗", RISK, "zh-CN") == "r2"


def test_a_sound_with_none_of_the_cue_characters_is_no_cue() -> None:
    # hui bao in 会不会爆雷 sounds like 回报 but shares none of its characters
    assert cue_said("会不会爆累啊", RETURN, "zh-CN") is None


def test_topic_said_names_every_intent_whose_cue_is_said() -> None:
    cues = {"ask_risk": RISK, "ask_return": RETURN}
    assert topic_said("跟国债比哪个安全", cues, "zh-CN") == {"ask_risk": "安全"}
    assert set(topic_said("收益高风险大吗", cues, "zh-CN")) == {"ask_risk", "ask_return"}
    assert topic_said("is it safe?", {"ask_risk": ("safe",)}, "en-US") == {"ask_risk": "safe"}


def test_a_condition_names_a_topic_without_asking() -> None:
    cues = {"ask_risk": RISK, "ask_return": RETURN}
    assert topic_said("利息比定期高我就买", cues, "zh-CN") == {}
    assert topic_said("利息高不高", cues, "zh-CN") == {"ask_return": "利息"}
