"""Choosing the classifier's regularisation by cross-validation."""

from __future__ import annotations

from scripts.classifier_fit import choose_c


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
