"""Normalisation of ASR text and lexicon matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.matching import Lexicon, match_any, normalize


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("嗯，那个，我就是不需要啊！！", "我不需要"),
        ("不 需 要", "不需要"),
        ("對對對，轉人工", "对转人工"),
        ("好的好的好的", "好的"),
        ("不要再打了不要再打了", "不要再打了"),
        ("ＡＢＣ　１２３？", "abc123"),
        ("呃……可以。", "可以"),
        ("莫得兴趣", "没有兴趣"),  # dialect spellings of 没有
        ("冇兴趣", "没有兴趣"),
        ("木有空", "没有空"),
    ],
)
def test_chinese_normalisation(raw: str, norm: str) -> None:
    assert normalize(raw, "zh-CN") == norm


def test_english_and_korean_normalisation() -> None:
    assert normalize("Um, YES yes please!", "en-US") == "yes please"
    assert normalize("음 네 맞 습니다", "ko-KR") == "네맞습니다"
    assert normalize("맞습니다", "ko-KR") == normalize("맞 습니다", "ko-KR")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["zh-CN", "en-US", "ko-KR"]))
def test_normalise_is_idempotent(text: str, lang: str) -> None:
    once = normalize(text, lang)
    assert normalize(once, lang) == once


LEX = Lexicon(
    {
        "agree": (["需要", "好的", "可以"], 0),
        "decline": (["不需要", "不用", "不可以"], 0),
        "opt_out": (["不要再打了", "别再打了"], 100),
        "ask_human": (["转人工", "真人"], 80),
        "is_robot": (["是真人吗"], 60),
    },
    "zh-CN",
)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("我不需要", "decline"),  # 需要 inside 不需要 does not count
        ("需要的", "agree"),
        ("嗯，好的好的", "agree"),
        ("不可以", "decline"),
        ("我不需要，你别再打了", "opt_out"),  # priority
        ("好的 转 人工吧", "ask_human"),
        ("你是真人吗", "is_robot"),  # longer phrase covers 真人
        ("不 要 再 打 了！", "opt_out"),
    ],
)
def test_intent_matching(text: str, intent: str) -> None:
    m = LEX.match(text)
    assert m is not None and m.intent == intent


def test_greetings_are_not_agreement() -> None:
    agree = Lexicon({"agree": (["好", "好的", "可以"], 0)}, "zh-CN")
    assert agree.match("你好") is None
    assert agree.match("喂，您好") is None
    m = agree.match("喂你好，可以")
    assert m is not None and m.intent == "agree"


def test_no_match_and_exactness() -> None:
    assert LEX.match("今天天气怎么样") is None
    assert LEX.match("") is None
    m = LEX.match("好的")
    assert m is not None and m.exact and m.coverage == 1.0


def test_english_matches_whole_words_only() -> None:
    lx = Lexicon({"agree": (["yes", "ok"], 0), "decline": (["no", "no thanks"], 0)}, "en-US")
    assert lx.match("Yes, please") is not None
    assert lx.match("nobody home") is None
    m = lx.match("no thanks")
    assert m is not None and m.phrase == "no thanks"


def test_alternatives_are_tried_in_order() -> None:
    m = match_any(LEX, ["天气", "好的"])
    assert m is not None and m.intent == "agree"
    assert match_any(LEX, []) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_matching_never_crashes(text: str) -> None:
    LEX.match(text)


# As the zh-CN scripts define them (one-character phrases included), with their globals.
ZH = Lexicon(
    {
        "agree": (
            ["好的", "好啊", "可以", "行", "是的", "想", "想了解", "要", "需要", "没问题", "对"],
            0,
        ),
        "decline": (["不需要", "不用", "不用了", "不要", "没兴趣", "不想", "不可以", "不行"], 0),
        "how_to": (["怎么兑换", "怎么操作", "流程"], 0),
        "opt_out": (["不要再打了", "别再打了"], 100),
        "complaint": (["投诉", "我要投诉"], 90),
        "ask_human": (["转人工", "人工"], 80),
        "wrong_person": (["不是我", "不是本人", "打错了"], 70),
        "is_robot": (["机器人", "是真人吗"], 60),
        "busy": (["在忙", "没空", "忙"], 50),
    },
    "zh-CN",
    {"agree": ["想想", "想一想", "想一下", "再想", "考虑", "再说吧"]},
)


@pytest.mark.parametrize(
    "text",
    [
        "我想想",
        "我再想想",
        "让我想一想",
        "我想一下",
        "我考虑一下",
        "好的，我考虑一下",
        "这两天再说吧",
    ],
)
def test_hesitation_is_not_agreement(text: str) -> None:
    m = ZH.match(text)
    assert m is None or m.intent != "agree", m


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("不用告诉我怎么兑换", "decline"),  # 怎么兑换 is governed by 不用
        ("我不想了解", "decline"),  # 想了解 is governed by 不想
        ("不需要人工", "decline"),
        ("不用转人工", "decline"),
        ("我不是要投诉", None),
        ("不是要投诉", None),
        ("我没有投诉", None),
        ("别给我转人工", None),
        ("我不忙", None),
        ("不太需要", None),
    ],
)
def test_a_negated_phrase_does_not_count(text: str, intent: str | None) -> None:
    m = ZH.match(text)
    assert (m.intent if m else None) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("要多久", None),  # 要 = take (time)
        ("要等多久啊", None),  # 要 = have to (wait)
        ("需要等几天", None),
        ("需要多少钱", None),
        ("你们银行", None),  # 行 inside 银行
        ("对不起", None),
        ("要不要钱", None),  # A-not-A questions ask, they do not answer
        ("可不可以", None),
        ("行不行", None),
        ("是不是要下载才能换", None),  # a modal asked with 是不是/是否
        ("是否需要带卡", None),
    ],
)
def test_a_phrase_inside_a_common_word_does_not_count(text: str, intent: str | None) -> None:
    m = ZH.match(text)
    assert (m.intent if m else None) == intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("不需要", "decline"),  # the phrase carries its own negation
        ("我不需要", "decline"),
        ("不用了，不需要", "decline"),
        ("不要再打了", "opt_out"),
        ("你别再打了", "opt_out"),
        ("不是我", "wrong_person"),
        ("好的", "agree"),
        ("可以", "agree"),
        ("对的", "agree"),
        ("行，你说吧", "agree"),
        ("嗯，要的", "agree"),
        ("想", "agree"),
        ("我想了解一下", "agree"),
        ("我要兑换", "agree"),
        ("没问题", "agree"),
        ("不好意思，我想了解一下", "agree"),  # 不好意思 negates nothing
        ("我不知道怎么兑换", "how_to"),  # nor does 不知道
        ("我不太会弄，怎么兑换", "how_to"),  # a bare 不 governs only the next word
        ("没有，我想问一下怎么兑换", "how_to"),
        ("你不是机器人吗", "is_robot"),  # rhetorical question
        ("我要投诉", "complaint"),
        ("转人工", "ask_human"),
        ("我现在很忙", "busy"),
        ("对对对，转人工", "ask_human"),
    ],
)
def test_what_must_keep_working(text: str, intent: str) -> None:
    m = ZH.match(text)
    assert m is not None and m.intent == intent, m


def test_reduplicated_think_is_kept_apart_from_emphatic_repeats() -> None:
    assert normalize("我想想", "zh-CN") == "我想一想"
    assert normalize("想想想", "zh-CN") == "想一想"
    assert normalize("对对对", "zh-CN") == "对"


def test_not_if_voids_only_its_own_intent() -> None:
    m = ZH.match("我考虑一下，你晚点再打吧，我在忙")
    assert m is not None and m.intent == "busy"
    lx = Lexicon({"agree": (["yes"], 0)}, "en-US", {"agree": ["think"]})
    assert lx.match("yes let me think") is None
    assert lx.match("yes I thought so") is not None  # whole words


def test_later_occurrences_count() -> None:
    """The first 人工 is inside 人工智能; the second is a request for a person."""
    lx = Lexicon({"ask_human": (["人工"], 80), "is_robot": (["人工智能"], 60)}, "zh-CN")
    m = lx.match("人工智能吗，我要人工")
    assert m is not None and m.intent == "ask_human"


def test_other_languages_read_as_before() -> None:
    en = Lexicon({"agree": (["yes"], 0), "decline": (["not interested"], 0)}, "en-US")
    m = en.match("yes I am not interested")
    assert m is not None and m.intent == "decline"
    ko = Lexicon({"agree": (["네"], 0)}, "ko-KR")
    assert ko.match("네 좋아요") is not None


def test_a_korean_phrase_starts_a_word() -> None:
    """Korean is written in spaced words: 네 (yes) is not inside 나쁘네요 (it is bad)."""
    lx = Lexicon({"agree": (["네", "좋 아요"], 0)}, "ko-KR")
    assert lx.match("기분 나쁘네요") is None
    assert lx.match("기분이 좋아요") is not None  # 좋아요 starts a word
    m = lx.match("네 그러죠")
    assert m is not None and m.intent == "agree"
    assert lx.match("네네") is not None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("今天外面风好大啊", None),  # 好 inside a word of degree or manner is no assent
        ("你声音还挺好听的", None),
        ("我这个版本好像不一样", None),
        ("好啊", "agree"),
        ("啊？你说啥", None),  # 你说 before a question word asks what was said
        ("你说什么，没听清", None),
        ("你说找谁", None),
        ("你说吧", "confirm_identity"),
    ],
)
def test_assent_inside_a_word_or_a_question_does_not_count(text: str, intent: str | None) -> None:
    lx = Lexicon(
        {"agree": (["好啊", "好的"], 0), "confirm_identity": (["你说", "说吧"], 0)}, "zh-CN"
    )
    m = lx.match(text)
    assert (m.intent if m else None) == intent, m


@pytest.mark.parametrize(
    ("heard", "normal"),
    [
        ("步要发", "不要发"),
        ("我步用了", "我不用了"),
        ("步需要", "不需要"),
        ("收益高步高", "收益高不高"),
        ("风险大步大", "风险大不大"),
        ("下一步呢", "下一步呢"),
        ("第一步是啥", "第一步是啥"),
        ("步骤是什么", "步骤是什么"),
        ("进一步了解", "进一步了解"),
        ("走一步看一步", "走一步看一步"),
    ],
)
def test_bu_misheard_as_bu4_step_is_read_as_not(heard: str, normal: str) -> None:
    assert normalize(heard) == normal


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("中", "agree"),  # the Henan "all right"
        ("中啊，说说", "agree"),
        ("中国银行的吗", None),  # 中 inside a word is no assent
        ("中午再说吧", None),
        ("中途能取出来吗", None),
        ("是中风险的吗", "ask_risk"),  # 中风 holds 中, not the 风险 after it
        ("中不中", None),  # an A-not-A question asks
    ],
)
def test_zhong_is_assent_only_as_a_word(text: str, intent: str | None) -> None:
    lx = Lexicon({"agree": (["中", "好的"], 0), "ask_risk": (["风险"], 0)}, "zh-CN")
    m = lx.match(text)
    assert (m.intent if m else None) == intent, m


def test_northern_an_is_i() -> None:
    assert normalize("俺就是") == normalize("我就是")
    assert normalize("俺们") == "我们"


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("在微信上能换不", "在微信上能换吗"),
        ("柜台能换步？", "柜台能换吗"),  # 不 heard as 步
        ("可以抵年费不呢", "可以抵年费吗呢"),
        ("能不能换", "能不能换"),  # A-not-A, left
        ("可以不", "可以不"),  # 不 right after the modal, left
    ],
)
def test_a_clause_final_v_bu_question_is_asked_with_ma(text: str, norm: str) -> None:
    assert normalize(text) == norm


def test_hao_as_a_result_is_not_assent() -> None:
    lx = Lexicon({"agree": (["好"], 0)}, "zh-CN")
    assert lx.match("我刚弄好") is None
