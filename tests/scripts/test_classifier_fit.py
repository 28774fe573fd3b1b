"""Choosing the classifier's regularisation by cross-validation; pooling other scripts'
replies."""

from __future__ import annotations

from scripts.classifier import NONE
from scripts.classifier_fit import (
    Example,
    choose_c,
    dropped_characters,
    fit_classifier,
    widened_grammar,
)
from scripts.intent_pool import listening_states, pool_state, pooled_examples
from scripts.loader import find_script, load_script

POINTS = load_script(find_script("points_reminder", "zh-CN"))
WEALTH = load_script(find_script("wealth_followup", "zh-CN"))


def test_c_values_cv_cannot_tell_apart_go_to_the_simplest_model() -> None:
    # 0.9601 and 0.9604 on 2,800 replies: well inside one standard error (about 0.004)
    tried = [(0.5, 0.950, "a"), (2.0, 0.9601, "b"), (8.0, 0.9604, "c")]
    assert choose_c(tried, 2800)[0] == 2.0


def test_a_clearly_better_c_is_kept() -> None:
    tried = [(0.5, 0.900, "a"), (2.0, 0.930, "b"), (8.0, 0.960, "c")]
    assert choose_c(tried, 2800)[0] == 8.0


def test_few_replies_widen_the_tolerance() -> None:
    tried = [(0.5, 0.945, "a"), (8.0, 0.96, "c")]
    assert choose_c(tried, 100)[0] == 0.5
    assert choose_c(tried, 10_000)[0] == 8.0


def test_the_best_rule_keeps_the_most_accurate_c() -> None:
    tried = [(0.5, 0.950, "a"), (2.0, 0.9601, "b"), (8.0, 0.9604, "c")]
    assert choose_c(tried, 2800, "best")[0] == 8.0
    tie = [(0.5, 0.96, "a"), (2.0, 0.96, "b")]
    assert choose_c(tie, 2800, "best")[0] == 0.5


def _examples() -> list[Example]:
    texts = {
        "agree": ["好啊", "行啊", "可以的", "好的呀", "行", "成", "好嘞", "可以可以", "没问题"],
        "decline": ["不要", "不用", "算了", "不需要", "没兴趣", "不了", "别了", "不想", "免了"],
        NONE: ["啊", "什么", "喂喂", "你说啥", "听不清", "嗯嗯", "呃", "再说一遍", "没听到"],
    }
    return [Example(t, "points_info", label) for label, ts in texts.items() for t in ts]


def test_pooled_examples_are_trained_on_but_not_scored_nor_widen_the_grammar() -> None:
    own = _examples()
    _, alone = fit_classifier(POINTS, own, cs=(4.0,))
    # pooled replies that CV would read wrong if it scored them change no figure of
    # the script's own replies but the model and the example count
    pool = [
        Example("好的好的好的", "points_info", "agree", 0.3, pooled=True),
        Example("怎么弄我不会", "points_info", "decline", 0.3, pooled=True),
    ]
    clf, figures = fit_classifier(POINTS, own + pool, cs=(4.0,))
    assert figures["examples"] == alone["examples"] + 2
    assert "2 of them other scripts' replies" in clf.description
    assert "好的好的好的" not in widened_grammar(POINTS, own + pool).get("points_info", [])
    assert all(i < len(own) for i in dropped_characters(own + pool, 1))


def test_a_shared_state_keeps_its_replies_and_a_global_is_dealt_to_a_state_that_hears_it() -> None:
    assert pool_state(POINTS, WEALTH, "identity", "confirm_identity", "对是我") == "identity"
    assert pool_state(POINTS, WEALTH, "agent_busy", "agree", "好那等等") == "agent_busy"
    # the points identity question takes no decline; agree to a wealth product is not pooled
    assert pool_state(POINTS, WEALTH, "identity", "decline", "不需要") is None
    assert pool_state(POINTS, WEALTH, "ask_interest", "agree", "行啊") is None
    assert pool_state(POINTS, WEALTH, "ask_interest", "opt_out", "别打了") is None
    busy = pool_state(POINTS, WEALTH, "ask_interest", "busy", "我在开会")
    assert busy is not None and "busy" in POINTS.expected_intents(busy)
    assert pool_state(POINTS, WEALTH, "ask_interest", NONE, "啊？") in listening_states(POINTS)


def test_pooled_replies_leave_out_texts_the_script_has_and_repeats() -> None:
    own = [Example("我在开会", "points_info", "busy")]
    theirs = [
        Example("我在开会", "ask_interest", "busy"),
        Example("在开车呢", "ask_interest", "busy"),
        Example("在开车呢！", "offer_info", "busy"),
        Example("行啊", "ask_interest", "agree"),
    ]
    pooled = pooled_examples(POINTS, own, [(WEALTH, theirs)], 0.3)
    assert [(e.text, e.label, e.weight, e.pooled) for e in pooled] == [
        ("在开车呢", "busy", 0.3, True)
    ]
