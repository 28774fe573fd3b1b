"""Launch checks: a campaign's scripts exist and lint clean, and its language has a speech
model unless it is text-only; each problem names the spec's field."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.campaigns.launch import LaunchChecks, ScriptFacts, launch_problems
from dialer.campaigns.spec import VariantSpec
from kernel.errors import InvalidInput
from scripts.loader import SCRIPTS_DIR, find_script
from tests.dialer.conftest import make_spec


class Models:
    """A ``SpeechModels`` with the given languages installed."""

    def __init__(self, *installed: str) -> None:
        self.installed = set(installed)

    def problem(self, language: str) -> str | None:
        if language in self.installed:
            return None
        return f"no model found; fix: `tailcall models install ARCHIVE --language {language}`"


def test_the_pure_decision_names_each_field() -> None:
    spec = make_spec(
        [1],
        script_id="a",
        language="zh-CN",
        variants=[VariantSpec(name="A"), VariantSpec(name="B", script_id="b")],
    )
    facts = {
        "a": ScriptFacts(found=True, lint_errors=("opt_out: missing",)),
        "b": ScriptFacts(False),
    }
    got = [(p.where, p.message) for p in launch_problems(spec, facts, "no model")]
    assert [w for w, _ in got] == ["script_id", "variants[1].script_id", "language"]
    assert "does not lint clean: opt_out: missing" in got[0][1]
    assert "'b'" in got[1][1] and "no model" in got[2][1]
    text_only = spec.model_copy(update={"text_only": True})
    assert [p.where for p in launch_problems(text_only, facts, "no model")] == [
        "script_id",
        "variants[1].script_id",
    ]


def test_a_shipped_script_with_its_model_is_ready() -> None:
    checks = LaunchChecks(Models("ko-KR"))
    checks.check(make_spec([1], script_id="points_reminder", language="ko-KR"))


def test_a_language_without_a_model_is_refused_with_the_fix() -> None:
    checks = LaunchChecks(Models("ko-KR"))
    spec = make_spec([1], script_id="points_reminder", language="zh-CN")
    with pytest.raises(InvalidInput) as err:
        checks.check(spec)
    assert err.value.where == "language"
    assert "tailcall models install" in err.value.message and "text_only" in err.value.message
    checks.check(spec.model_copy(update={"text_only": True}))


def test_a_missing_script_and_one_that_does_not_lint_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ko-KR.yaml"
    text = (SCRIPTS_DIR / "points_reminder.ko-KR.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("start: opening", "start: nowhere"), encoding="utf-8")

    def find(script_id: str, language: str) -> Path:
        if script_id == "broken":
            return broken
        return find_script(script_id, language)

    checks = LaunchChecks(Models("ko-KR"), find=find)
    with pytest.raises(InvalidInput) as err:
        checks.check(make_spec([1], script_id="no_such_script", language="ko-KR"))
    assert err.value.where == "script_id" and "no_such_script" in err.value.message
    with pytest.raises(InvalidInput) as err:
        checks.check(make_spec([1], script_id="broken", language="ko-KR"))
    assert err.value.where == "script_id" and "does not lint clean" in err.value.message
