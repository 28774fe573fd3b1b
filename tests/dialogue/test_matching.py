"""Normalisation of ASR text and lexicon matching."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.matching import Lexicon, match_any, normalize


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
