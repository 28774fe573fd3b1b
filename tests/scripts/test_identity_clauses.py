"""The clauses of a reply at the identity question."""

from __future__ import annotations

from scripts.identity_clauses import first_clause, may_confirm
from scripts.understood import Understood


def test_the_first_clause_that_says_something_with_more_after_it() -> None:
    assert first_clause("喂，嗯，对，是我") == "对"
    assert first_clause("对？你是谁") is None  # asked, not answered
    assert first_clause("是我") is None  # nothing follows


def test_a_confirming_clause_overrides_nothing_a_caller_question_or_the_classifiers_denial() -> (
    None
):
    assert may_confirm(Understood(None, 0.0, "none"))
    assert may_confirm(Understood("is_robot", 0.9, "classifier"))
    assert may_confirm(Understood("wrong_person", 0.9, "classifier"))
    assert not may_confirm(Understood("wrong_person", 1.0, "phrase", "不是我"))
