"""Labelled text-mode calls: deterministic, split by persona, replayable."""

from __future__ import annotations

import random

from dialogue.intent.labelled_calls import ReplayCall, replay
from dialogue.intent.model_files import default_model
from dialogue.intent.profile import CustomerProfile
from simulator.personas import load_personas
from simulator.textcalls import draw_profile, generate, persona_variants


def test_same_seed_same_calls_and_labels_are_persona_grades() -> None:
    a = list(generate("points_reminder", "zh-CN", 40, seed=9))
    b = list(generate("points_reminder", "zh-CN", 40, seed=9))
    assert a == b
    grades = {p.id: p.grade for p in load_personas().values()}
    for rec in a:
        assert rec["label"] == grades[rec["persona"].split("~")[0]]
        assert rec["script"] == "points_reminder" and rec["language"] == "zh-CN"


def test_fit_and_eval_personas_never_overlap() -> None:
    fit = persona_variants("fit", 3, seed=1)
    ev = persona_variants("eval", 3, seed=1)
    assert not {v.persona.id for v in fit} & {v.persona.id for v in ev}
    assert len(fit) == 3 * len(load_personas())
    # variants differ in behaviour, not only in name
    w_fit = [v.persona.intents for v in fit if v.persona.id.startswith("neutral")]
    w_ev = [v.persona.intents for v in ev if v.persona.id.startswith("neutral")]
    assert w_fit[0] != w_ev[0]
    recs = list(generate("points_reminder", "zh-CN", 30, split="fit", seed=1, per_persona=3))
    assert {r["persona"] for r in recs} <= {v.persona.id for v in fit}


def test_word_errors_change_what_the_bot_hears() -> None:
    clean = list(generate("points_reminder", "zh-CN", 30, seed=2, word_error_rate=0.0))
    noisy = list(generate("points_reminder", "zh-CN", 30, seed=2, word_error_rate=0.5))
    texts = lambda recs: [u["text"] for r in recs for u in r["utterances"] if u]  # noqa: E731
    assert texts(clean) != texts(noisy)


def test_generated_calls_replay_to_the_same_conversation() -> None:
    model = default_model("points_reminder")
    for rec in generate("points_reminder", "zh-CN", 25, seed=3):
        call = ReplayCall.model_validate(rec)
        res = replay(call, model)
        # the generator stopped when the engine ended: the replay uses every utterance
        assert res.ignored == 0
        assert res.disposition is not None
        silences = sum(1 for u in rec["utterances"] if u is None)
        assert res.final.turn == len(rec["utterances"]) - silences


def test_profiles_lean_on_the_grade_only_where_documented() -> None:
    rng = random.Random(1)
    views = {
        g: sum(
            draw_profile(rng, g, "points_reminder").app_views.get("points", 0) for _ in range(400)
        )
        for g in "AD"
    }
    assert views["A"] > views["D"]
    p = draw_profile(random.Random(2), "B", "wealth_followup")
    assert isinstance(p, CustomerProfile) and p.star_level is not None


def test_calls_reveal_their_grade_by_how_they_end() -> None:
    """A customers take the agent (or the specialist's callback), B ones ask for a
    callback or hesitate, C and D ones decline or leave; with noise, not always."""
    model = default_model("points_reminder")
    ends: dict[str, dict[str, int]] = {}
    for rec in generate("points_reminder", "zh-CN", 160, seed=5, word_error_rate=0.0):
        res = replay(ReplayCall.model_validate(rec), model)
        by = ends.setdefault(rec["label"], {})
        by[res.disposition or "-"] = by.get(res.disposition or "-", 0) + 1

    def share(grade: str, *dispositions: str) -> float:
        return sum(ends[grade].get(d, 0) for d in dispositions) / sum(ends[grade].values())

    assert share("A", "follow_up") > 0.6
    assert share("A", "follow_up") > 3 * max(share(g, "follow_up") for g in "BCD")
    assert share("B", "callback", "not_understood", "self_service") > 0.6
    assert share("D", "opted_out", "wrong_person", "complaint", "hung_up", "not_interested") > 0.8
