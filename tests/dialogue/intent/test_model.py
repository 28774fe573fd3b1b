"""A scoring model's grade from its features (dialogue.intent.model)."""

from __future__ import annotations

from dialogue.intent.model import Calibration, GradeThresholds, ScoringModel, has_a_evidence


def _a_leaning() -> ScoringModel:
    """A per-grade model whose only feature pulls hard towards A."""
    names = ("state:identity", "conv:positive")
    return ScoringModel(
        family="dormant_reactivation",
        version="dormant_reactivation@test",
        feature_names=names,
        weights=(0.0, 0.0),
        bias=0.0,
        calibration=Calibration(cut_a=1.0, cut_b=0.0, cut_c=-1.0),
        grade_weights={"A": (5.0, 5.0), "B": (0.0, 0.0), "C": (0.0, 0.0), "D": (1.0, 0.0)},
        grade_bias={"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0},
    )


def test_no_a_without_a_positive_reply() -> None:
    """A call whose answers were not understood or were refusals is never A, however the
    weights lean: A needs positive or committing wording, a how-to question or an answer
    the script rewards."""
    m = _a_leaning()
    silent = {"state:identity": 1.0, "conv:customer_turns": 2.0, "conv:no_match": 2.0}
    assert not has_a_evidence(silent)
    assert m.probabilities(silent)["A"] == 0.0
    assert GradeThresholds().grade(m.score(silent)) == "D"
    said_yes = {**silent, "conv:positive": 1.0}
    assert GradeThresholds().grade(m.score(said_yes)) == "A"
    rewarded = {**silent, "script:signal_weight": 1.5}  # wants guidance
    assert has_a_evidence(rewarded) and GradeThresholds().grade(m.score(rewarded)) == "A"
    assert not has_a_evidence({**silent, "script:signal_weight": -1.0})
    assert not has_a_evidence({**silent, "script:signal_weight": 0.3})  # busy: a callback
