"""Chinese replies whose answer is not the whole reply: take-backs, tag questions, fraud
worries and charges, acknowledgements, echo questions, one-character phrases inside a
clause, hesitation heard by sound, questions whether a product can still be bought."""

from __future__ import annotations

import pytest

from scripts.acknowledgement import acknowledges_only
from scripts.answer_part import answer_part
from scripts.fraud_worry import accuses_fraud, fraud_worry, without_worry
from scripts.loader import find_script, load_script
from scripts.reading_zh import asks_requirement, echo_question
from scripts.understanding import Understanding

DORMANT = Understanding(load_script(find_script("dormant_reactivation", "zh-CN")))
POINTS = Understanding(load_script(find_script("points_reminder", "zh-CN")))
WEALTH = Understanding(load_script(find_script("wealth_followup", "zh-CN")))
SCRIPTS = {"dormant": DORMANT, "points": POINTS, "wealth": WEALTH}


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("算了……诶等等，可以换年费是吧？那你教我一下", "那你教我一下"),
        ("不需要，哦不对，要的，你让专员打过来", "要的，你让专员打过来"),
        ("要过期了对吧，那我现在就换", "那我现在就换"),
        ("好的，等下我自己弄", None),  # 等下 "later" inside a clause is no take-back
        ("是吗，那行", None),  # a bare 是吗 is a reaction, not a tag on the bot's words
        ("等一下", None),
    ],
)
def test_answer_part(text: str, part: str | None) -> None:
    assert answer_part(text) == part


@pytest.mark.parametrize(
    ("script", "state", "text", "intent"),
    [
        ("points", "points_info", "不用……等一下，会过期？那要弄，教我", "agree"),
        ("dormant", "explain_tasks", "不用了，哎等等，那还是帮我转个人吧", "ask_human"),
        ("points", "points_info", "不兑就没了是吧，那给我弄一下", "agree"),
        ("dormant", "explain_tasks", "好的……等等，我在开车", "busy"),
    ],
)
def test_the_part_after_a_take_back_or_a_tag_answers(
    script: str, state: str, text: str, intent: str
) -> None:
    assert SCRIPTS[script].read(state, [text]).intent == intent


@pytest.mark.parametrize(
    ("text", "worry", "charge"),
    [
        ("短信是你们发的吧？可别是诈骗的", True, False),
        ("不会是骗人的吧", True, False),
        ("万一是钓鱼网站呢，病毒怎么办", True, False),
        ("万一是假的怎么办", True, False),
        ("你们就是骗子", False, True),
        ("片子，别打了", False, True),  # 骗子 heard as 片子
        ("真的假的", False, False),
        ("我手机装了反诈骗的", False, False),
    ],
)
def test_fraud_worry_and_charge(text: str, worry: bool, charge: bool) -> None:
    assert (fraud_worry(text), accuses_fraud(text)) == (worry, charge)


def test_a_fraud_worry_where_the_link_is_offered_is_no_decline() -> None:
    r = DORMANT.read("offer_link", ["别是诈骗短信吧"])
    assert (r.intent, r.detail) == (None, "fraud_worry")


def test_calling_the_caller_a_fraud_is_no_agreement() -> None:
    r = DORMANT.read("explain_tasks", ["片子吧，还带我操作"])  # 骗子 heard as 片子
    assert (r.intent, r.detail) == (None, "accuses_fraud")


def test_a_fraud_worry_said_with_a_refusal_declines() -> None:
    assert DORMANT.read("offer_link", ["别发了，怕是诈骗短信"]).intent == "decline"


@pytest.mark.parametrize(
    ("text", "only"),
    [
        ("嗯，好，明白了", True),
        ("行吧，晓得了", True),
        ("哦知到了", True),  # 知道了 by sound
        ("明白了，那怎么换", False),
        ("知道了，你转专员吧", False),
        ("好的", False),
    ],
)
def test_acknowledges_only(text: str, only: bool) -> None:
    assert acknowledges_only(text) is only


def test_an_acknowledgement_is_no_agreement() -> None:
    assert POINTS.read("points_info", ["嗯，好，明白了"]).intent is None


def test_an_echo_of_the_prompt_is_a_question() -> None:
    prompt = DORMANT.script.states["ask_app"].prompt
    assert echo_question("成长任务？", prompt)
    assert not echo_question("成长任务", prompt)
    assert DORMANT.read("ask_app", ["手机银行啊？"]).intent is None


@pytest.mark.parametrize(
    ("script", "state", "text", "intent"),
    [
        # 要 as "must" in a question about what is required is no "yes"
        ("dormant", "explain_login", "要带身分证去啊", None),
        ("dormant", "explain_login", "要的", "agree"),
        # hesitation heard by its sound voids agreement (伤量 for 商量, 靠虑 for 考虑)
        ("wealth", "explain_risk", "行吧，我回家跟老伴伤量一下", None),
        ("points", "points_info", "好，我靠虑靠虑", None),
    ],
)
def test_words_that_are_no_answer(script: str, state: str, text: str, intent: str | None) -> None:
    assert SCRIPTS[script].read(state, [text]).intent == intent


def test_asking_whether_it_can_still_be_bought_is_no_purchase_made() -> None:
    assert (
        WEALTH.read("ask_interest", ["我以前买过你们的，那个还能买吗"]).intent != "already_bought"
    )
    assert WEALTH.read("ask_interest", ["我在别家买过了"]).intent == "already_bought"


@pytest.mark.parametrize(
    ("text", "asks"),
    [("要本人去吗", True), ("那要带卡去啊？", True), ("要的", False), ("要，你带我弄", False)],
)
def test_asks_requirement(text: str, asks: bool) -> None:
    assert asks_requirement(text) is asks


def test_without_worry() -> None:
    assert without_worry("不要发，怕是诈骗") == "不要发"
    assert without_worry("别是诈骗的吧") == ""
