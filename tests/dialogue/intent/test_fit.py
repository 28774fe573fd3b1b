"""Fit and evaluate on a small generated set; the CLI round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dialogue.intent.cli import intent_app
from dialogue.intent.fit import Example, evaluate, examples, fit
from dialogue.intent.labelled_calls import ReplayCall, shipped_script
from dialogue.intent.model_files import default_model, model_from_script, read_model
from kernel.errors import InvalidInput
from simulator.cli import simulator_app
from simulator.textcalls import generate


@pytest.fixture(scope="module")
def sets() -> tuple[list[Example], list[Example]]:
    m = default_model("points_reminder")
    fit_calls = [
        ReplayCall.model_validate(r)
        for r in generate("points_reminder", "zh-CN", 240, split="fit", seed=3)
    ]
    eval_calls = [
        ReplayCall.model_validate(r)
        for r in generate("points_reminder", "zh-CN", 160, split="eval", seed=4)
    ]
    return examples(fit_calls, m)[0], examples(eval_calls, m)[0]


def test_fit_then_evaluate_beats_the_generic_script_model(
    sets: tuple[list[Example], list[Example]],
) -> None:
    train, test = sets
    model = fit(train, family="points_reminder", version="points_reminder@t")
    assert model.metrics["fit_calls"] == 240 and model.metrics["kind"] == "per_grade"
    assert model.per_grade
    ev = evaluate(model, test)
    # the generic weights plus the script's declared signal weights: what a new script
    # gets before it has labelled calls (the shipped default is itself a 2,000-call fit)
    base = evaluate(model_from_script(shipped_script("points_reminder", "zh-CN")), test)
    assert ev.n == 160 and sum(map(sum, ev.confusion)) == 160
    assert ev.accuracy > base.accuracy
    assert ev.accuracy > 0.55  # 4 grades: chance is about 0.3
    assert ev.auc_ab is not None and ev.auc_ab > 0.9
    w = model.weight_map()
    assert w["signal:opted_out"] < 0
    # agreeing to be guided reads as interest: the features that fire together there
    # (reaching the state, the agree answer, the signal) share their weight under L2, so
    # their sum is what the model makes of it
    guided = ("state:explain_redeem", "answer:explain_redeem:agree", "signal:wants_guidance")
    assert sum(w.get(f, 0.0) for f in guided) > 0.1


def test_ordinal_fit_keeps_one_axis_and_ordered_cuts(
    sets: tuple[list[Example], list[Example]],
) -> None:
    train, test = sets
    model = fit(train, family="points_reminder", version="points_reminder@o", kind="ordinal")
    assert not model.per_grade and model.metrics["kind"] == "ordinal"
    cal = model.calibration
    assert cal.cut_a > cal.cut_b == 0.0 > cal.cut_c
    per_grade = fit(train, family="points_reminder", version="points_reminder@p")
    # C (polite, vague) and D (refusal) differ in kind: one axis cannot place both
    assert evaluate(per_grade, test).accuracy > evaluate(model, test).accuracy


def test_fit_needs_enough_varied_labels() -> None:
    one = [Example({"conv:positive": 1.0}, "A")] * 20
    with pytest.raises(InvalidInput, match="two different grades"):
        fit(one, family="f", version="f@1")
    with pytest.raises(InvalidInput, match="at least 10"):
        fit(one[:3], family="f", version="f@1")


def test_cli_generate_fit_eval_round_trip(tmp_path: Path) -> None:
    r = CliRunner()
    fit_file, eval_file, model_file = (
        tmp_path / "fit.jsonl",
        tmp_path / "eval.jsonl",
        tmp_path / "m.json",
    )
    res = r.invoke(
        simulator_app,
        ["textcalls", "--calls", "120", "--split", "fit", "--seed", "5", "--out", str(fit_file)],
    )
    assert res.exit_code == 0, res.output
    assert "wrote 120 calls" in res.output
    res = r.invoke(
        simulator_app, ["textcalls", "--calls", "60", "--seed", "6", "--out", str(eval_file)]
    )
    assert res.exit_code == 0, res.output
    res = r.invoke(intent_app, ["fit", "--labels", str(fit_file), "--out", str(model_file)])
    assert res.exit_code == 0, res.output
    model = read_model(model_file)
    assert model.family == "points_reminder" and model.feature_names
    figures = tmp_path / "figures.json"
    res = r.invoke(
        intent_app,
        ["eval", "--labels", str(eval_file), "--model", str(model_file), "--json", str(figures)],
    )
    assert res.exit_code == 0, res.output
    assert "confusion matrix" in res.output and "precision" in res.output
    data = json.loads(figures.read_text())
    assert data["n"] == 60 and set(data["per_grade"]) == {"A", "B", "C", "D"}
    res = r.invoke(intent_app, ["explain", str(eval_file), "--line", "2"])
    assert res.exit_code == 0, res.output and "disposition" in res.output


def test_cli_eval_reports_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"script": "points_reminder", "language": "zh-CN", "utterances": [], "label": "Z"}\n'
    )
    res = CliRunner().invoke(intent_app, ["eval", "--labels", str(bad)])
    assert res.exit_code == 2
    assert "bad.jsonl:1: label" in res.output


def test_a_precision_target_lowers_the_a_intercept_out_of_fold(
    sets: tuple[list[Example], list[Example]],
) -> None:
    train, test = sets
    plain = fit(train, family="points_reminder", version="p", a_precision=None)
    strict = fit(train, family="points_reminder", version="s", a_precision=0.99)
    assert "a_bias_shift" not in plain.metrics
    shift = strict.metrics["a_bias_shift"]
    assert shift <= 0 and strict.grade_bias is not None and plain.grade_bias is not None
    assert strict.grade_bias["A"] == pytest.approx(plain.grade_bias["A"] + shift, abs=1e-5)
    # fewer customers are called A, and those that are, are right at least as often
    a_plain = evaluate(plain, test).figures("A")
    a_strict = evaluate(strict, test).figures("A")
    assert a_strict.recall <= a_plain.recall
    assert a_strict.precision >= a_plain.precision
