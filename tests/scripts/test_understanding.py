"""Reading a reply at a state with the shipped models: opt-out, phrases, classifier."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import cast

import pytest

from scripts.classifier import Guess, IntentClassifier
from scripts.loader import find_script, load_script
from scripts.understanding import Understanding

POINTS = Understanding(load_script(find_script("points_reminder", "zh-CN")))


@pytest.mark.parametrize(
    ("state", "text", "intent", "source"),
    [
        ("points_info", "你们以后别给我来电话了", "opt_out", "opt_out"),
        ("points_info", "怎么兑换", "how_to", "phrase"),
        ("identity", "我是他嫂子，他出门了", "relative", "classifier"),
        ("identity", "嗯，是本人，你讲", "confirm_identity", "phrase"),
        ("points_info", "好的，我考虑一下", None, "none"),  # hesitation is not agreement
        ("ask_callback", "明天下午三点吧", None, "slot"),
        # when to call back: a short phrase inside a longer reply is weighed by the
        # classifier, as at any other state (真人 is not a request for a person here)
        ("ask_callback", "你是真人还是机器", "is_robot", "classifier"),
        ("ask_callback", "我不想跟机器说，给我接个人", "ask_human", "classifier"),
        ("ask_callback", "转人工", "ask_human", "phrase"),
        ("ask_callback", "不用了", "decline", "phrase"),
    ],
)
def test_readings(state: str, text: str, intent: str | None, source: str) -> None:
    r = POINTS.read(state, [text])
    assert (r.intent, r.source) == (intent, source), r
    if source == "classifier":
        assert 0 < r.confidence <= 1


@pytest.mark.parametrize("text", ["嗯", "嗯嗯", "嗯。", "恩", "嗯哼"])
def test_a_bare_assent_confirms_identity(text: str) -> None:
    """嗯 is a filler everywhere else, but to "is that you?" it is yes."""
    r = POINTS.read("identity", [text])
    assert (r.intent, r.source) == ("confirm_identity", "phrase"), r


@pytest.mark.parametrize(("state", "text"), [("identity", "嗯？"), ("points_info", "嗯")])
def test_a_bare_assent_is_no_answer_elsewhere_or_asked(state: str, text: str) -> None:
    assert POINTS.read(state, [text]).intent is None


@pytest.mark.parametrize(
    ("state", "text"), [("points_info", "嗯嗯"), ("explain_redeem", "那个……就是……")]
)
def test_filler_words_alone_are_no_intent(state: str, text: str) -> None:
    r = POINTS.read(state, [text])
    assert (r.intent, r.detail) == (None, "filler"), r


KO_POINTS = Understanding(load_script(find_script("points_reminder", "ko-KR")))


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        # 그런데요 / 전데요 answer "is that you?" with yes, however the recogniser spells it
        ("identity", "그런데요", "confirm_identity"),
        ("identity", "그런대요", "confirm_identity"),
        # 네 inside 나쁘네요 is no yes: a complaint
        ("explain_redeem", "기부니 나쁘네요", "complaint"),
        ("agent_busy", "왜 자꾸 포인트 소멸된다고 겁을 줘요 기분 나쁘네", "complaint"),
        # asking for a person is not asking whether it is a robot
        ("points_info", "기계 말고 사람 좀요", "ask_human"),
        ("points_info", "어떠케 써요", "how_to"),
        # who is calling, asked in any state that hears it: the global is_robot says who
        ("identity", "누구신데요", "is_robot"),
        ("identity", "어디서 전화하신 거예요?", "is_robot"),
        ("agent_busy", "누구시라고요?", "is_robot"),
        # yes first, then a question about the offer: a confirmation, not a question back
        ("identity", "네 본인인데요 카드 포인트요?", "confirm_identity"),
        # the husband is driving, not the speaker: a relative, not busy
        ("identity", "아빠가 운전 중 이라 제가 바다써요", "relative"),
        # a complaint said with 항의 (about a callback never made) is no opt-out
        ("ask_callback", "전에도 다시 전화 준다고 해 놓고 안 줬잖아요 항의할 거예요", "complaint"),
    ],
)
def test_korean_readings(state: str, text: str, intent: str) -> None:
    r = KO_POINTS.read(state, [text])
    assert r.intent == intent, r


DORMANT = Understanding(load_script(find_script("dormant_reactivation", "zh-CN")))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # who is calling, asked curtly: answered (the global is_robot says who and why)
        ("你谁啊", "is_robot"),
        ("干嘛的", "is_robot"),
        ("哪里的？", "is_robot"),
        # the offer refused before saying who they are: the identity state's decline
        ("不需要，别给我推销", "decline"),
        ("推销的吧？不需要", "decline"),
        # a who-question, then the confirmation: the confirmation decides
        ("你是银行的？不会是骗子吧……嗯是我", "confirm_identity"),
    ],
)
def test_the_identity_question_reads_who_is_calling_and_a_refusal(text: str, intent: str) -> None:
    r = DORMANT.read("identity", [text])
    assert r.intent == intent, r


@pytest.mark.parametrize("text", ["周末", "下周吧", "过两天再打吧", "月底吧", "改天吧"])
def test_a_span_without_a_day_is_a_callback_time(text: str) -> None:
    r = DORMANT.read("ask_callback", [text])
    assert r.source == "slot" and r.slot is not None and r.slot.approximate, r


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        # a question back holds 네 and 주세요, but nothing is agreed to yet
        ("points_info", "네? 포인트요?", None),
        ("agent_busy", "네? 다들 통화 중이라고요?", None),
        ("explain_redeem", "다시 말씀해 주세요", None),
        ("identity", "잘 못 드러써요", None),
        # ... unless a global intent's phrase is in it
        ("points_info", "뭐라고요 로봇이에요?", "is_robot"),
        # "it's me, <name>" confirms; a relation is no name
        ("identity", "제가 정민호인데요", "confirm_identity"),
        ("identity", "네 제가 오세영 맞는데요", "confirm_identity"),
        # hesitation is not agreement, not thinking about it yet is no refusal
        ("points_info", "네 좋아요 근데 생각 좀 해 볼게요", None),
        ("agent_busy", "음 생각 안 해 봤어요", None),
    ],
)
def test_korean_question_backs_names_and_hesitation(
    state: str, text: str, intent: str | None
) -> None:
    r = KO_POINTS.read(state, [text])
    assert r.intent == intent, r


WEALTH = Understanding(load_script(find_script("wealth_followup", "zh-CN")))


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        # the offer refused at the identity question; who is calling asked curtly
        ("identity", "理财？我不需要，别推销了", "decline"),
        ("identity", "你哪位", "is_robot"),
        ("identity", "是我，你说", "confirm_identity"),
        # buying on a condition is interest, not "already bought" (买了)
        ("ask_interest", "收益高的话我就买了", "agree"),
        ("ask_interest", "我已经买过了", "already_bought"),
    ],
)
def test_wealth_reads_a_refusal_at_identity_and_a_conditional_purchase(
    state: str, text: str, intent: str
) -> None:
    r = WEALTH.read(state, [text])
    assert r.intent == intent, r


# each shipped zh-CN script: its reading, a question state, a word its is_robot answer names
ZH_SCRIPTS = {
    "points_reminder": (POINTS, "points_info", "积分兑换"),
    "wealth_followup": (WEALTH, "ask_interest", "理财产品"),
    "dormant_reactivation": (DORMANT, "ask_app", "新手奖励"),
}


@pytest.mark.parametrize("script_id", list(ZH_SCRIPTS))
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # who is calling, which bank or company: the global is_robot, at every state
        ("你们是哪个银行的", "is_robot"),
        ("哪位？", "is_robot"),
        ("你们哪个公司的", "is_robot"),
        ("你们什么单位", "is_robot"),
    ],
)
def test_who_is_calling_is_is_robot_in_every_chinese_script(
    script_id: str, text: str, intent: str
) -> None:
    u, question, _ = ZH_SCRIPTS[script_id]
    for state in ("identity", question):
        r = u.read(state, [text])
        assert r.intent == intent, (state, r)


@pytest.mark.parametrize("script_id", list(ZH_SCRIPTS))
def test_a_confirmation_asking_who_calls_confirms(script_id: str) -> None:
    u = ZH_SCRIPTS[script_id][0]
    for text in ("嗯，是我，你哪位", "是，哪位"):
        assert u.read("identity", [text]).intent == "confirm_identity", text


@pytest.mark.parametrize("script_id", list(ZH_SCRIPTS))
def test_is_robot_answer_says_who_calls_and_why(script_id: str) -> None:
    u, _, word = ZH_SCRIPTS[script_id]
    answer = u.script.global_intents["is_robot"].answer
    assert answer is not None
    assert answer.startswith("我是{bank}") and word in answer


class _Always:
    """A stand-in classifier that reads every reply as one intent (when allowed)."""

    threshold = 0.5

    def __init__(self, intent: str, confidence: float) -> None:
        self.intent = intent
        self.confidence = confidence
        self.grammar: dict[str, list[str]] = {}

    def classify(self, text: str, state: str, allowed: Iterable[str]) -> Guess:
        if self.intent in allowed:
            return Guess(self.intent, self.confidence, self.intent)
        return Guess(None, self.confidence, "none")


def _dormant_reading(guess: str, confidence: float = 0.9) -> Understanding:
    stub = _Always(guess, confidence)
    return Understanding(DORMANT.script, classifier=cast(IntentClassifier, stub))


@pytest.mark.parametrize("guess", ["decline", "is_robot", "wrong_person"])
@pytest.mark.parametrize(
    "text",
    [
        "呃对，我就是，不过我那张卡好久没用了",
        "没错，是本人，不过我那卡早不用了",
        "是我，你们哪个单位的",
    ],
)
def test_a_confirmation_said_first_answers_the_identity_question(text: str, guess: str) -> None:
    """The identity rule: a confirmation said first wins over what follows it."""
    r = _dormant_reading(guess).read("identity", [text])
    assert r.intent == "confirm_identity", r


@pytest.mark.parametrize(
    ("text", "guess"),
    [
        ("对，我在开车，晚点打", "busy"),  # busy said after it still decides
        ("是吗？你哪个银行的", "is_robot"),  # a question, not an answer
        ("对，我不是他本人", "decline"),  # a denial named after it
        ("对，不过我是他老婆", "decline"),  # a relative named after it
    ],
)
def test_a_first_clause_does_not_confirm_over_busy_a_question_or_a_denial(
    text: str, guess: str
) -> None:
    r = _dormant_reading(guess).read("identity", [text])
    assert r.intent != "confirm_identity", r


def test_a_denial_said_with_a_who_question_stays_a_denial() -> None:
    r = _dormant_reading("is_robot").read("identity", ["你找哪个？我这是新号，刚买的"])
    assert r.intent == "wrong_person", r


@pytest.mark.parametrize("text", ["你说找谁？听不清", "信号不好，你找谁啊", "没听清，你说的是谁"])
def test_not_hearing_who_was_named_is_no_intent(text: str) -> None:
    """Asking again *what* was said (the name) is no intent, not "who is calling"."""
    assert _dormant_reading("is_robot").read("identity", [text]).intent is None
    assert DORMANT.read("identity", [text]).intent is None


@pytest.mark.parametrize("text", ["没听清，你是哪个银行的", "听不清，你是机器人吗"])
def test_not_hearing_who_calls_is_still_who_is_calling(text: str) -> None:
    assert _dormant_reading("is_robot").read("identity", [text]).intent == "is_robot"


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("explain_login", "要带哪张卡？"),
        ("agent_busy", "要等多久啊"),
        ("offer_link", "短信会发到哪个号"),
    ],
)
def test_a_which_or_how_long_question_is_not_agreement(state: str, text: str) -> None:
    assert _dormant_reading("agree").read(state, [text]).intent is None


@pytest.mark.parametrize("text", ["木有装", "眉有装", "么有装", "冇装"])
def test_not_installed_in_dialect_and_misheard(text: str) -> None:
    assert DORMANT.read("ask_app", [text]).intent == "not_installed"


@pytest.mark.parametrize(
    "text", ["周末吧，周六上午", "过两个钟头再打", "过两天，周三下午", "周磨吧"]
)
def test_dormant_callback_times_with_a_span_and_a_day(text: str) -> None:
    r = DORMANT.read("ask_callback", [text])
    assert r.source == "slot" and r.slot is not None and r.slot.value is not None, r


@pytest.mark.parametrize(("confidence", "intent"), [(0.43, "installed"), (0.9, "decline")])
def test_an_unsure_guess_gives_way_to_a_phrase_said(confidence: float, intent: str) -> None:
    """装了 said, the classifier guessing a refusal at 0.43: the phrase decides; a sure
    guess still reads the whole reply."""
    text = "装了，那个任务难不难，我想把积分领了"
    assert _dormant_reading("decline", confidence).read("ask_app", [text]).intent == intent


@pytest.mark.parametrize("script_id", list(ZH_SCRIPTS))
@pytest.mark.parametrize("text", ["是我，你是谁", "对的，你是谁", "是我本人，你是机器人吗"])
def test_a_confirmation_clause_wins_over_a_who_is_calling_phrase(script_id: str, text: str) -> None:
    u = ZH_SCRIPTS[script_id][0]
    assert u.read("identity", [text]).intent == "confirm_identity", text


@pytest.mark.parametrize("script_id", list(ZH_SCRIPTS))
@pytest.mark.parametrize("text", ["你是谁啊", "你这是机器在打电话吧，对不对"])
def test_who_is_calling_without_a_confirmation_stays_is_robot(script_id: str, text: str) -> None:
    u = ZH_SCRIPTS[script_id][0]
    assert u.read("identity", [text]).intent == "is_robot", text


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        # a question about the product's term is interest (the prompt offers to tell it)
        ("ask_interest", "钱要放几个月，中途能取吗", "agree"),
        ("ask_interest", "封闭期多长时间啊", "agree"),
        # a question about returns or risk with a refusal on a condition is the question
        ("ask_interest", "利息能到三个点吗，到不了我就不买了", "ask_return"),
        ("ask_interest", "收益有没有四个点，没有就算了", "ask_return"),
        # asking how long the wait is or whom the call goes to is no answer yet
        ("agent_busy", "要等多久啊", None),
        ("offer_advisor", "转给谁啊", None),
    ],
)
def test_wealth_questions_back(state: str, text: str, intent: str | None) -> None:
    assert WEALTH.read(state, [text]).intent == intent


@pytest.mark.parametrize("text", ["过两个小时吧", "周末吧，周六下午", "下周末吧，周日上午"])
def test_wealth_callback_times_said_from_now_or_within_a_span(text: str) -> None:
    r = WEALTH.read("ask_callback", [text], now=datetime(2026, 1, 7, 2, 0, tzinfo=UTC))
    assert r.source == "slot" and r.slot is not None and r.slot.value is not None


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        ("agent_busy", "你们专员都在忙啊", None),  # the specialists busy, not the customer
        ("agent_busy", "我在开车，先挂了", "busy"),
        ("identity", "你谁呀", "is_robot"),
        ("identity", "什么银行啊你们", "is_robot"),
        ("explain_redeem", "然后下一步点哪个", "how_to"),
        ("points_info", "礼品没寄到", "complaint"),
    ],
)
def test_points_busy_said_of_others_and_phrases(state: str, text: str, intent: str | None) -> None:
    r = POINTS.read(state, [text])
    assert r.intent == intent, r


@pytest.mark.parametrize("guess", ["none", "is_robot", "decline"])
@pytest.mark.parametrize(
    "text",
    [
        "呃……是我是我，刚才信号不好",
        "是我，刚才没听见你说啥",
        "对对对，听不太清，你大点声",
        "嗯，我是，你们哪个银行的",
    ],
)
def test_a_confirmation_said_first_wins_over_not_hearing_or_a_who_question(
    text: str, guess: str
) -> None:
    """A confirmation said first (or said twice at once: 是我是我) answers the identity
    question whatever follows it, "can't hear" included."""
    assert _dormant_reading(guess).read("identity", [text]).intent == "confirm_identity"


@pytest.mark.parametrize("text", ["装不了", "老年机，没法装", "我手机内存小，装不上"])
def test_cannot_install_is_not_installed(text: str) -> None:
    assert DORMANT.read("ask_app", [text]).intent == "not_installed"


@pytest.mark.parametrize("text", ["步要发", "我步要", "步需要"])
def test_not_heard_as_step_declines(text: str) -> None:
    assert POINTS.read("explain_redeem", [text]).intent == "decline"


NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("u", [POINTS, DORMANT, WEALTH], ids=lambda u: u.script.id)
@pytest.mark.parametrize("state", ["ask_callback", "agent_busy"])
@pytest.mark.parametrize(
    "text",
    ["不用再打了，我自己去网点", "没必要回电了", "算了，不用专员打给我", "步用在打了，我不需要"],
)
def test_no_need_to_call_declines_an_offered_call(u: Understanding, state: str, text: str) -> None:
    r = u.read(state, [text], now=NOW)
    assert (r.intent, r.opted_out) == ("decline", False)


@pytest.mark.parametrize("state", ["ask_callback", "agent_busy"])
@pytest.mark.parametrize(
    "text",
    [
        "以后不用再打了",
        "不要再打了",
        "不用再打了，把我号码删了",
        "烦死了，不用再打了",
        "别再打了，我自己去网点",
    ],
)
def test_a_forbidden_or_lasting_call_stays_an_opt_out_where_one_was_offered(
    state: str, text: str
) -> None:
    r = DORMANT.read(state, [text], now=NOW)
    assert r.opted_out


def test_no_need_to_call_is_an_opt_out_where_no_call_was_offered() -> None:
    assert DORMANT.offers_call("agent_busy") and DORMANT.offers_call("ask_callback")
    assert not DORMANT.offers_call("ask_app")
    assert DORMANT.read("ask_app", ["不用再打了"], now=NOW).opted_out


@pytest.mark.parametrize("guess", ["confirm_identity", "relative"])
@pytest.mark.parametrize(
    "text", ["这是我老伴的电话", "那是我家老头子，耳朵背，你跟我说就行", "是我儿子的号码"]
)
def test_my_kin_named_at_the_identity_question_is_a_relative(text: str, guess: str) -> None:
    """是我 inside "the phone / the person is my <kin>" confirms nothing, whatever the
    classifier reads from it."""
    u = Understanding(WEALTH.script, classifier=cast(IntentClassifier, _Always(guess, 0.9)))
    assert u.read("identity", [text]).intent == "relative", text


@pytest.mark.parametrize(
    "text", ["不是本人，我是他爱人", "我不是，我是她女儿", "不是我，我是他老公，他在开车"]
)
def test_a_denial_then_the_speaker_named_as_family_is_a_relative(text: str) -> None:
    """Not me, I'm his wife: a relative answered, not a wrong person."""
    assert POINTS.read("identity", [text]).intent == "relative"


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("identity", "我要头诉你们，老打电话烦不烦"),
        ("agent_busy", "总是没人，投素你们"),
    ],
)
def test_a_complaint_heard_by_its_sound_stays_a_complaint(state: str, text: str) -> None:
    """The opt-out rules read 投诉 by sound; the complaint phrase said in a misheard
    spelling stays a complaint, with the opt-out recorded, as when spelt right."""
    r = POINTS.read(state, [text])
    assert (r.intent, r.opted_out) == ("complaint", True), r


def test_a_threat_that_is_no_complaint_phrase_stays_an_opt_out() -> None:
    r = POINTS.read("points_info", ["再打电话我就报警"])
    assert (r.intent, r.opted_out) == ("opt_out", True), r


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("explain_redeem", "那我回去跟老婆商量一下再换"),
        ("points_info", "我考虑一下怎么换吧"),
        ("explain_redeem", "犹豫呢，到时候再说吧"),
    ],
)
def test_redeeming_after_thinking_it_over_is_no_how_to(state: str, text: str) -> None:
    """Hesitation is not a how-to request (the 换 is for later), as it is no agreement."""
    assert POINTS.read(state, [text]).intent is None


@pytest.mark.parametrize(
    ("state", "text"), [("explain_redeem", "在哪换啊"), ("points_info", "怎么兑换")]
)
def test_a_how_to_without_hesitation_is_still_read(state: str, text: str) -> None:
    assert POINTS.read(state, [text]).intent == "how_to"


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("explain_return", "那你先发点资料给我看看吧"),
        ("explain_risk", "哦，那我先了解了解，你发个短信给我吧"),
        ("explain_return", "资料先发我，我自己看"),
    ],
)
def test_asking_for_the_material_declines_the_advisor(state: str, text: str) -> None:
    """Where agreeing puts the call through to the advisor, "send me the material first"
    declines the transfer (the next prompt offers to send it): wanting it sent is B, not A."""
    assert WEALTH.read(state, [text]).intent == "decline"


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        ("ask_interest", "中啊，说说", "agree"),
        ("explain_risk", "中", "agree"),
        ("explain_risk", "你们这不会是诈骗吧", "is_robot"),  # are you really the bank
        ("ask_interest", "你们是不是骗子啊", "is_robot"),
    ],
)
def test_wealth_dialect_assent_and_a_scam_question(state: str, text: str, intent: str) -> None:
    assert WEALTH.read(state, [text]).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("莫得兴趣", "decline"),  # dialect negations before 兴趣 are no interest
        ("冇兴趣", "decline"),
        ("无兴趣", "decline"),
        ("要不得", "decline"),  # Sichuan "no good": 要 inside it is no assent
        ("拉倒吧", "decline"),
        ("免了", "decline"),
        ("覅", "decline"),
        ("OK", "agree"),
    ],
)
def test_wealth_dialect_declines_and_a_loan_assent(text: str, intent: str) -> None:
    assert WEALTH.read("ask_interest", [text]).intent == intent


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        ("points_info", "莫得兴趣", "decline"),  # Southwestern 莫得 = 没有
        ("points_info", "是不是要下载你们那个APP才能换", "how_to"),  # asks what it takes
        ("agent_busy", "要等多久啊", None),  # how long, not agreement
    ],
)
def test_points_dialect_negation_and_questions(state: str, text: str, intent: str | None) -> None:
    r = POINTS.read(state, [text])
    assert r.intent == intent, r


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("points_info", "你说的这个我前天刚弄过"),  # read as no intent by the classifier
        ("explain_redeem", "你说的这个上回营业厅的人帮我弄过了"),  # read as a wrong person
        ("points_info", "这个我昨儿刚弄好，你们系统没更新吧"),  # 弄好 is done, not 好
    ],
)
def test_said_done_already_is_the_done_intent(state: str, text: str) -> None:
    assert POINTS.read(state, [text]).intent == "already_redeemed"


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("points_info", "还没弄好呢，你说说"),  # not done, go on
        ("explain_redeem", "帮我弄好"),  # wished, not done
    ],
)
def test_not_done_is_not_the_done_intent(state: str, text: str) -> None:
    assert POINTS.read(state, [text]).intent != "already_redeemed"


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        ("points_info", "打电话能直接换不", "how_to"),  # the V不 question
        ("explain_redeem", "这个可以抵年费不", "how_to"),  # not 可以 (agree)
        ("points_info", "这积分能值多少钱啊", "how_to"),  # what the points are worth
        ("explain_redeem", "积分商城里都有些啥东西啊", "how_to"),
        ("points_info", "积分能顶几块钱", "how_to"),
        ("points_info", "我岁数大了，你就说要按哪几个键", "how_to"),
        ("points_info", "那些东西都贵，我不换", "decline"),  # the offer's verb refused
        ("points_info", "你们这不会是骗子吧，让我点链接那种", None),  # no agreement
    ],
)
def test_questions_about_redeeming(state: str, text: str, intent: str | None) -> None:
    assert POINTS.read(state, [text]).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("行啊，晚上七点以后打", "agree"),  # the offered call accepted, with when
        ("行，我在开车，晚点打", "busy"),  # busy said
    ],
)
def test_an_assent_then_a_time_accepts_the_offered_call(text: str, intent: str) -> None:
    at = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert POINTS.read("agent_busy", [text], now=at).intent == intent


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        ("offer_info", "好的，发个短信给我吧", "agree"),  # the state that offers to send it
        ("explain_return", "转经理吧，资料也发我一份", "agree"),  # a person asked for too
        ("offer_advisor", "好的，转吧", "agree"),
    ],
)
def test_asking_for_the_material_where_it_is_offered_or_with_a_person(
    state: str, text: str, intent: str
) -> None:
    assert WEALTH.read(state, [text]).intent == intent


def test_a_question_naming_only_the_risk_topic_asks_about_risk() -> None:
    """跟国债比哪个安全 compares with bonds, words that come with returns, but asks which is
    safer: the risk cue decides between the two question intents (scripts.question_topic)."""
    u = Understanding(load_script(find_script("wealth_followup", "zh-CN")))
    for text in ("跟国债比哪个安全", "跟存款比哪个稳当"):
        assert u.read("ask_interest", [text]).intent == "ask_risk", text
    # a question about the terms (fees, redemption) shows interest
    for text in ("手续费多少", "能随时赎回吗"):
        assert u.read("ask_interest", [text]).intent == "agree", text
    # a condition asks nothing: 利息高的话我就买 agrees
    assert u.read("ask_interest", ["利息高的话我就买了"]).intent == "agree"
    # both topics named: the classifier's reading stands
    assert u.read("ask_interest", ["收益稳定吗，风险高不高"]).intent in ("ask_risk", "ask_return")


def test_no_sound_from_the_bot_is_no_refusal() -> None:
    """喂？喂？怎么没声了: the 没 of "no sound" refuses nothing, nor asks who calls; a
    refusal or a who-question said with the hearing trouble still counts."""
    u = Understanding(load_script(find_script("wealth_followup", "zh-CN")))
    for state, text in (
        ("explain_return", "喂？喂？怎么没声了"),
        ("agent_busy", "喂？喂？没声了"),
        ("explain_risk", "你那边怎么没声音"),
    ):
        assert u.read(state, [text]).intent is None, text
    assert u.read("offer_advisor", ["听不清，不用了"]).intent == "decline"
    assert u.read("identity", ["听不清，你是哪个银行的"]).intent == "is_robot"


def test_send_it_agrees_where_agreeing_sends_the_material() -> None:
    """你发吧，我跟我爱人商量一下: the hesitation is about the product; the material is
    accepted (scripts.send_instead.tells_to_send). A refusal to have it sent stays one."""
    u = Understanding(load_script(find_script("wealth_followup", "zh-CN")))
    for text in ("行，那你发吧，我跟我爱人商量一下", "发过来吧，我考虑考虑"):
        assert u.read("offer_info", [text]).intent == "agree", text
    assert u.read("offer_info", ["不用发了，我考虑一下"]).intent == "decline"
    # where agreeing transfers to a person, hesitation still voids the agreement
    assert u.read("offer_advisor", ["好的，我考虑一下"]).intent != "agree"


@pytest.mark.parametrize(
    ("state", "text", "intent"),
    [
        # a relation as the speaker, whatever denial is said with it
        ("identity", "아니요 저는 와이프인데요", "relative"),
        ("identity", "제가 그 사람 남편인데 무슨 일이에요", "relative"),
        ("identity", "누구요? 그런 분 모르는데", "wrong_person"),
        # a deferral is no intent, a global's word inside it too; busy with it is busy
        ("points_info", "음 그거 남편이랑 상의해 보고 할게요", None),
        ("explain_redeem", "음 상담원은 좀 그렇고 일단 생각 좀 해 보구요", None),
        ("points_info", "음 생각 좀 해 볼게요 지금은 바빠서요", "busy"),
        # "how did you get my number?" is no how-to and no wrong person
        ("explain_redeem", "내 번호 어떻게 알았어요?", None),
        (
            "explain_redeem",
            "아니 근데 이거 진짜 카드사 맞아요? 내 번호 어떻게 알았어요? 됐어요 끊어요",
            "decline",
        ),
        # an OK that does it later alone, takes leave or wants a text declines the transfer
        ("explain_redeem", "네 알겠어요 한번 볼게요 나중에", "decline"),
        ("explain_redeem", "아 네 알겠습니다 수고하세요", "decline"),
        ("explain_redeem", "문자로 좀 보내 주세요", "decline"),
        ("explain_redeem", "네 나중에 연결해 주세요", "agree"),
        (
            "explain_redeem",
            "아 잠깐만요 지금은 앱 비번이 기억이 안 나서 이따 찾아보고 할게요",
            "decline",
        ),
        # "don't connect me" declines the connection announced, "I'll wait" is no decline
        ("transfer_agent", "연결하지 마세여", "decline"),
        ("transfer_agent", "네 기다릴게요", None),
        ("transfer_agent", "다시는 전화하지 마세요", "opt_out"),
    ],
)
def test_korean_points_readings(state: str, text: str, intent: str | None) -> None:
    assert KO_POINTS.read(state, [text]).intent == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("啊？他们在忙？", None),  # the specialists the prompt says are busy
        ("专员都在忙啊，那行吧", "agree"),
        ("等了半天又说忙，耍人呢", "complaint"),  # busy reported, the service run down
        ("我在开车，没空", "busy"),
    ],
)
def test_dormant_busy_said_of_others_is_not_the_customer_busy(
    text: str, intent: str | None
) -> None:
    assert DORMANT.read("agent_busy", [text]).intent == intent


@pytest.mark.parametrize("text", ["米有装", "莫有", "早卸了", "卸载了"])
def test_not_installed_misheard_in_dialect_or_taken_off(text: str) -> None:
    assert DORMANT.read("ask_app", [text]).intent == "not_installed"


@pytest.mark.parametrize("text", ["太坑人了", "服务太差", "太不像话了", "耍人呢"])
def test_the_service_run_down_is_a_complaint(text: str) -> None:
    assert DORMANT.read("explain_login", [text]).intent == "complaint"


@pytest.mark.parametrize(
    ("state", "text"),
    [
        ("ask_app", "我跑了三趟都没弄好"),  # 好 the result of 弄, not assent
        ("explain_login", "忘记密码还要跑网点"),  # 要 of having to, not a wish
    ],
)
def test_a_result_or_an_obligation_is_not_agreement(state: str, text: str) -> None:
    assert DORMANT.lexicon(state).match(text) is None


@pytest.mark.parametrize("text", ["喂，你声音断断续续的", "声音太小了，听不太清"])
def test_not_hearing_without_asking_who_calls_is_no_intent(text: str) -> None:
    assert _dormant_reading("is_robot").read("ask_app", [text]).intent is None


@pytest.mark.parametrize("text", ["声音断断续续的，你们哪个银行", "声音太小，你是机器人吧"])
def test_not_hearing_with_a_who_question_is_still_who_is_calling(text: str) -> None:
    assert _dormant_reading("is_robot").read("ask_app", [text]).intent == "is_robot"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("中，咋整", "agree"),  # 中 "all right" (Henan)
        ("中中中", "agree"),
        ("中午吧", None),  # inside a word it is no assent
        ("明天中五吧", None),  # nor inside a misheard one
    ],
)
def test_dormant_henan_assent_agrees(text: str, intent: str | None) -> None:
    assert _dormant_reading("none", 0.4).read("offer_link", [text]).intent == intent


def test_kuaiyao_about_to_is_no_wish() -> None:
    """快要 is "about to" (快要过期): its 要 is no agreement."""
    assert POINTS.read("points_info", ["积分快要过期了吧"]).intent != "agree"
    assert POINTS.read("points_info", ["要"]).intent == "agree"


def test_northern_an_confirms_as_i() -> None:
    assert DORMANT.read("identity", ["俺就是"]).intent == "confirm_identity"


def test_a_korean_deferral_with_a_callback_time_gives_the_time() -> None:
    r = KO_POINTS.read("ask_callback", ["남편이랑 상의해 보고 내일 오후에 다시 주세요"])
    assert r.source == "slot" and r.slot is not None


def test_family_deciding_or_a_past_loss_declines_the_offer() -> None:
    """我得问问我老婆 leaves the decision to family; 亏过一次，不敢再买了 tells a loss, no
    purchase of the product: both decline (scripts.reading_zh), not busy, no-match or
    already_bought."""
    u = Understanding(load_script(find_script("wealth_followup", "zh-CN")))
    for state, text in (
        ("ask_interest", "这个我得问问我老婆，钱都是她管"),
        ("explain_risk", "我回去问问我儿子再说"),
        ("ask_interest", "亏过一次，不敢再买了"),
        ("ask_interest", "买过你们的，亏了，不想再买了"),
    ):
        assert u.read(state, [text]).intent == "decline", text
    # "send it" where agreeing sends the material stays agreement
    assert u.read("offer_info", ["行，那你发吧，我跟我爱人商量一下"]).intent == "agree"


def test_no_need_words_decline_and_a_term_question_outweighs_hesitation() -> None:
    """用不着 / 没必要 say there is no need (a class of decline words); a hesitation said
    with a question about the product's terms (agree's cues) is still interest."""
    u = Understanding(load_script(find_script("wealth_followup", "zh-CN")))
    assert u.read("ask_interest", ["我钱都在支付宝上买基金了，用不着"]).intent == "decline"
    assert u.read("ask_interest", ["跟存款比哪个稳一些"]).intent == "ask_risk"
    said = "要是期限短一点的话我倒是可以考虑，有三个月的吗"
    assert u.read("ask_interest", [said]).intent == "agree"
    assert u.read("ask_interest", ["好的，我考虑一下"]).intent != "agree"


def test_a_question_on_a_topic_read_as_a_refusal_is_the_question() -> None:
    """A question naming a topic with no refusal word is no refusal: the listened intent
    whose topic it names, or no intent where that intent is not listened for; a question
    about the advisor or agent (专员是谁啊) is no question about the caller."""
    assert WEALTH.read("ask_interest", ["我就怕钱放进去拿不回来，靠谱吗"]).intent == "ask_risk"
    assert WEALTH.read("explain_risk", ["那要是亏了谁负责"]).intent is None
    assert WEALTH.read("explain_risk", ["算了，不保本的我不考虑"]).intent == "decline"
    assert WEALTH.read("agent_busy", ["专员是谁啊"]).intent is None
    assert WEALTH.read("offer_advisor", ["他是哪个网点的"]).intent is None
    assert WEALTH.read("offer_advisor", ["你是机器人吗"]).intent == "is_robot"
    assert WEALTH.read("offer_advisor", ["经理是男的女的"]).intent is None  # read agree
    # a question about the product's term in months is interest (agree's topics)
    assert WEALTH.read("ask_interest", ["是那个三个月的吗"]).intent == "agree"
    # not wanting to hear the advisor's pitch declines it, no opt-out
    r = WEALTH.read("offer_advisor", ["算了，不想听经理推销"])
    assert r.intent == "decline" and not r.opted_out


def test_a_refusal_said_with_a_question_stays_a_refusal() -> None:
    """No interest (没啥兴趣, 性趣) or a rhetorical 还买啥 said with a topic and 呢/啥 declines."""
    assert WEALTH.read("ask_interest", ["没啥兴趣，上次买的还亏着呢"]).intent == "decline"
    assert WEALTH.read("explain_return", ["不代表实际收益那我还买啥"]).intent == "decline"


def test_the_speaker_named_last_confirms_over_the_classifiers_wrong_person() -> None:
    """你找他？就是我呀: no denial phrase is said, so the speaker naming themselves last
    confirms whatever the classifier made of the question back."""
    assert POINTS.read("identity", ["你找他？就是我呀"]).intent == "confirm_identity"
    assert POINTS.read("identity", ["你找他？不是我"]).intent == "wrong_person"
