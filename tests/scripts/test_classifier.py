"""The intent classifier: features, a state's own intents, calibrated no-match, fitting."""

from __future__ import annotations

from scripts.classifier import (
    NONE,
    IntentClassifier,
    _text_features,
    canonical_label,
    clear_reply_caches,
    features,
)
from scripts.classifier_fit import Example, fit_classifier
from scripts.loader import find_script, load_script

POINTS = load_script(find_script("points_reminder", "zh-CN"))


def test_features_are_characters_pinyin_and_the_state() -> None:
    f = features("别在打了", "zh-CN", "points_info")
    assert {"c:别", "c:^别", "p:zai", "p:zai_da", "s:points_info"} <= set(f)
    # a homophone error shares its pinyin with what was meant
    assert "p:bie_zai" in features("别再打了", "zh-CN")
    assert "w:stop calling" in features("Stop calling!", "en-US")


def _toy() -> IntentClassifier:
    return IntentClassifier(
        script="points_reminder",
        language="zh-CN",
        labels=["agree", "decline", NONE],
        weights={"c:行": {0: 3.0}, "c:不": {1: 3.0}, "c:啥": {2: 4.0}},
        bias=[0.0, 0.0, 0.0],
        temperature=1.0,
        threshold=0.6,
    )


def test_a_state_decides_among_its_own_intents_with_a_threshold() -> None:
    clf = _toy()
    assert clf.classify("行", "s", ["agree", "decline"]).intent == "agree"
    assert clf.classify("行", "s", ["decline"]).intent is None  # agree is not heard here
    assert clf.classify("啥", "s", ["agree", "decline"]).best == NONE
    weak = clf.classify("行不", "s", ["agree", "decline"])  # 50/50: below the threshold
    assert weak.intent is None and weak.confidence < 0.6
    again = IntentClassifier.from_json(clf.to_json())
    assert (
        again.classify("行", "s", ["agree"]).confidence
        == clf.classify("行", "s", ["agree"]).confidence
    )


def test_fit_on_a_few_examples() -> None:
    examples = [
        Example(t, "points_info", label)
        for label, texts in {
            "agree": [
                "好啊",
                "行啊",
                "可以的",
                "好的呀",
                "行",
                "成",
                "好嘞",
                "可以可以",
                "好",
                "没问题",
            ],
            "decline": [
                "不要",
                "不用",
                "算了",
                "不需要",
                "没兴趣",
                "不了",
                "别了",
                "不想",
                "免了",
                "不行",
            ],
            NONE: [
                "啊",
                "什么",
                "喂喂",
                "你说啥",
                "听不清",
                "嗯嗯",
                "哈",
                "呃",
                "再说一遍",
                "没听到",
            ],
        }.items()
        for t in texts
    ]
    clf, figures = fit_classifier(POINTS, examples, cs=(4.0,))
    assert figures["cv_accuracy"] > 0.5
    assert clf.classify("好的好的", "points_info", ["agree", "decline"]).intent == "agree"
    assert canonical_label("confirm") == "confirm_identity"


def test_scores_add_each_feature_in_order_to_the_bias() -> None:
    """The same numbers as adding the weights one feature at a time: floating-point sums
    depend on the order, and a refitted model's figures must not move in the last bits."""
    weights = {"c:行": {0: 0.1, 2: -0.3}, "c:^行": {0: 0.2}, "s:s": {1: 1e-17, 0: 0.7}}
    clf = IntentClassifier(
        script="points_reminder",
        language="zh-CN",
        labels=["agree", "decline", NONE],
        weights=weights,
        bias=[0.3, -0.0, 1e16],
        temperature=1.0,
        threshold=0.6,
    )
    want = [0.3, -0.0, 1e16]
    for f in features("行", "zh-CN", "s"):
        for k, w in weights.get(f, {}).items():
            want[k] += w
    got = clf.scores("行", "s")
    assert [repr(x) for x in got] == [repr(x) for x in want]


def test_a_reply_is_featurised_once_for_the_classifier_and_the_opt_out_model() -> None:
    """The opt-out model reads in the base language (zh), the classifier in the script's
    (zh-CN): both are one reading of the reply."""
    clear_reply_caches()
    assert features("别再打了", "zh") == features("别再打了", "zh-CN")
    assert _text_features.cache_info().currsize == 1


def test_korean_respellings_share_the_sound_key() -> None:
    from scripts.classifier import sound_key

    # a final consonant heard as the next initial, tense and aspirated as plain, ㅎ dropped
    for meant, heard in [
        ("없어요", "업써요"),
        ("맞아요", "마자요"),
        ("어떻게", "어떠케"),
        ("괜찮아요", "괜차나요"),
        ("그런데요", "그런대요"),
    ]:
        assert sound_key(meant) == sound_key(heard), (meant, heard)
    assert sound_key("아니요") != sound_key("알려요")
    assert {f for f in features("괜차나요", "ko-KR") if f.startswith("k:")} == {
        f for f in features("괜찮아요", "ko-KR") if f.startswith("k:")
    }


def test_the_korean_intent_model_reads_the_sound_key_and_not_the_opt_out_jamo() -> None:
    from scripts.classifier import OPT_OUT_ONLY, load_classifier

    clf = load_classifier("points_reminder", "ko-KR")
    assert clf is not None
    assert any(f.startswith("k:") for f in clf.weights)
    assert not any(f.startswith(OPT_OUT_ONLY) for f in clf.weights)
    # the opt-out model keeps reading the jamo trigrams
    assert any(f.startswith("j:") for f in features("전화하지 마세요", "ko-KR"))
