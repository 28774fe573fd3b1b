"""The opt-out detector as shipped: the rules, their negation vetoes, then the learned model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.classifier import features
from scripts.optout import OptOutMatcher
from scripts.optout_concepts import PREFIX, concept_features
from scripts.optout_model import (
    OptOutModel,
    load_optout_model,
    optout_features,
    write_optout_model,
)


def _always(language: str) -> OptOutModel:
    """A model that reads every reply as an opt-out: what the rules keep it from."""
    return OptOutModel(language=language, weights={}, bias=10.0, temperature=1.0, threshold=0.9)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-CN", "我不是不接你们电话，是刚才在忙"),
        ("zh-CN", "今天别打了，改天再打"),
        ("zh-CN", "别打座机，打我手机"),
        ("zh-CN", "不用经理给我打电话"),
        ("zh-CN", "我要投诉这个收费"),
        ("ko-KR", "오늘은 전화하지 마시고 내일 해 주세요"),
        ("ko-KR", "카드 분실 신고하려고요"),
        # fresh false hits of the model (session 9): a veto now binds it
        ("zh-CN", "你们在打来的话记得早点"),  # the next call's manner
        ("zh-CN", "我手机老接到骚扰电话，你们银行能帮我查一下吗"),  # others' spam calls
        ("ko-KR", "앞으로 저한테 연락하실 때는 오후에 해 주세요"),  # a call asked for
        ("ko-KR", "전화 끊지 마세요, 확인할게요"),  # don't hang up
    ],
)
def test_a_negation_rule_keeps_precedence_over_the_model(language: str, text: str) -> None:
    assert OptOutMatcher(language, model=_always(language)).match(text) is None


def test_a_rule_hit_is_named_by_its_rule_not_the_model() -> None:
    hit = OptOutMatcher("zh-CN", model=_always("zh")).match("以后不要再给我打电话了")
    assert hit is not None and hit.rule == "negated_call"


def test_the_model_decides_what_no_rule_reads() -> None:
    text = "我的手机号请你们系统里别再留着了"
    assert OptOutMatcher("zh-CN", model=None).match(text) is None
    hit = OptOutMatcher("zh-CN", model=_always("zh")).match(text)
    assert hit is not None and hit.rule == "classifier"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-CN", "你们把我的手机号从系统里撤了吧"),
        ("zh-CN", "请把我加到不呼叫名单里"),
        ("ko-KR", "저한테 다시는 전화 돌리지 마요"),
    ],
)
def test_the_shipped_model_catches_paraphrases_the_rules_miss(language: str, text: str) -> None:
    assert OptOutMatcher(language, model=None).match(text) is None
    hit = OptOutMatcher(language).match(text)
    assert hit is not None and hit.rule == "classifier"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("zh-CN", "我现在不方便，下午再说"),
        ("zh-CN", "不需要，谢谢"),
        ("zh-CN", "好的，你说吧"),
        ("ko-KR", "관심 없어요 감사합니다"),
        ("ko-KR", "지금은 바빠요 나중에 전화 주세요"),
    ],
)
def test_the_shipped_model_leaves_declines_and_answers_alone(language: str, text: str) -> None:
    assert OptOutMatcher(language).match(text) is None


def test_the_shipped_models_are_calibrated_and_strict() -> None:
    for language in ("zh-CN", "ko-KR"):
        model = load_optout_model(language)
        assert model is not None
        assert model.threshold >= 0.6
        assert (
            model.probability(
                "以后不要再给我打电话了" if language == "zh-CN" else "전화하지 마세요"
            )
            > 0.9
        )


def test_a_model_round_trips_through_its_file(tmp_path: Path) -> None:
    model = load_optout_model("zh-CN")
    assert model is not None
    path = tmp_path / "optout.zh.json"
    write_optout_model(model, path)
    again = OptOutModel.from_json(json.loads(path.read_text(encoding="utf-8")))
    for text in ("别再打了", "我不需要", "把我号码删掉"):
        assert again.probability(text) == pytest.approx(model.probability(text), abs=1e-3)


def test_concept_classes_are_read_in_pinyin_and_order() -> None:
    said = concept_features("以后别再给我来电话了", "zh-CN")
    heard = concept_features("一后憋在给我来点话了", "zh-CN")  # the recogniser's homophones
    for f in ("o:LASTING", "o:NEG", "o:CALL", "o:NEG>CALL", "o:LASTING>NEG>CALL"):
        assert f in said and f in heard
    assert "o:CALL>NEG" not in said  # pairs keep their order


def test_a_one_syllable_word_is_its_class_only_as_its_character_or_a_known_homophone() -> None:
    assert "o:ASK" not in concept_features("把号码删了", "zh-CN")  # 把 is no 吧
    assert "o:AGAIN" in concept_features("别在打了", "zh-CN")  # 在 heard for 再


def test_concept_features_are_the_opt_out_models_alone() -> None:
    text = "以后别再给我来电话了"
    assert not any(f.startswith(PREFIX) for f in features(text, "zh-CN"))
    assert any(f.startswith(PREFIX) for f in optout_features(text, "zh-CN", "concepts"))
    assert not any(f.startswith(PREFIX) for f in optout_features(text, "zh-CN", "base"))
    assert concept_features("전화하지 마세요", "ko-KR") == ()
