"""The linter: shipped scripts are clean, and every rule has a fixture that fails it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.lint import (
    STANDARD_COLUMNS,
    LintConfig,
    lint_path,
    read_blocklist,
    speaking_seconds,
)
from scripts.loader import shipped_scripts

FIXTURES = Path(__file__).parent / "fixtures"

# fixture file -> (rule id, severity, line the finding points at)
RULE_FIXTURES = {
    "schema": ("schema", "error", 36),
    "undefined_state": ("undefined-state", "error", 38),
    "undefined_intent": ("undefined-intent", "error", 39),
    "undefined_slot": ("undefined-slot", "error", 28),
    "unreachable_state": ("unreachable-state", "error", 53),
    "no_way_out": ("no-way-out", "error", 40),
    "undeclared_variable": ("undeclared-variable", "error", 36),
    "unknown_column": ("unknown-column", "error", 15),
    "opt_out_unreachable": ("opt-out-unreachable", "error", 35),
    "missing_disclosure": ("missing-disclosure", "error", 30),
    "missing_recording_notice": ("missing-recording-notice", "error", 30),
    "blocklist": ("blocklist", "error", 36),
    "promise": ("promise", "error", 36),
    "required_statement": ("required-statement", "error", 11),
    "robot_answer": ("robot-answer", "error", 27),
    "prompt_too_long": ("prompt-too-long", "warning", 36),
    "missing_global_intent": ("missing-global-intent", "warning", 22),
    "duplicate_phrase": ("duplicate-phrase", "warning", 35),
    "never_matches": ("never-matches", "warning", 20),
    "disclosure_barge_in": ("disclosure-barge-in", "warning", 30),
    "personal_before_identity": ("personal-before-identity", "error", 28),
}


def test_every_rule_has_a_fixture() -> None:
    files = {p.stem for p in FIXTURES.glob("*.yaml")} - {"valid.zh-CN"}
    assert files == set(RULE_FIXTURES)


@pytest.mark.parametrize("script", list(shipped_scripts()), ids=lambda p: p.name)
def test_shipped_scripts_lint_clean(script: Path) -> None:
    assert lint_path(script) == []


def test_valid_fixture_is_clean() -> None:
    assert lint_path(FIXTURES / "valid.zh-CN.yaml") == []


@pytest.mark.parametrize("name", sorted(RULE_FIXTURES))
def test_rule_fixture_fails_its_rule(name: str) -> None:
    rule, severity, line = RULE_FIXTURES[name]
    findings = lint_path(FIXTURES / f"{name}.yaml")
    hits = [f for f in findings if f.rule == rule]
    assert hits, findings
    assert {f.severity for f in hits} == {severity}
    assert any(f.line == line for f in hits), [(f.line, f.message) for f in hits]
    assert all(f.file.endswith(f"{name}.yaml") for f in hits)


def test_warnings_only_fixtures_have_no_errors() -> None:
    for name, (_, severity, _) in RULE_FIXTURES.items():
        if severity == "warning":
            assert all(f.severity == "warning" for f in lint_path(FIXTURES / f"{name}.yaml")), name


def test_extra_columns_satisfy_unknown_column() -> None:
    config = LintConfig(columns=STANDARD_COLUMNS | {"balance"})
    assert lint_path(FIXTURES / "unknown_column.yaml", config) == []


def test_blocklist_is_configurable(tmp_path: Path) -> None:
    bl = tmp_path / "blocklist.txt"
    bl.write_text("# our list\n需要吗\n\n", encoding="utf-8")
    config = LintConfig(blocklist=read_blocklist(bl))
    findings = lint_path(FIXTURES / "valid.zh-CN.yaml", config)
    assert [f.rule for f in findings] == ["blocklist"]
    # the default list no longer applies
    blocked = lint_path(FIXTURES / "blocklist.yaml", config)
    assert not [f for f in blocked if f.rule == "blocklist" and "保本" in f.message]


def test_blocklist_matches_across_case_and_spaces() -> None:
    text = (FIXTURES / "valid.zh-CN.yaml").read_text(encoding="utf-8")
    from scripts.lint import lint_script
    from scripts.loader import parse_script

    script = parse_script(text.replace("需要吗？", "A Guaranteed  Return, risk free?"), "x.yaml")
    rules = {f.message for f in lint_script(script)}
    assert "banned phrase 'guaranteed return'" in rules
    assert "banned phrase 'risk-free'" in rules


def test_missing_file_is_a_schema_finding(tmp_path: Path) -> None:
    (f,) = lint_path(tmp_path / "nope.yaml")
    assert f.rule == "schema" and f.severity == "error"


def test_speaking_time_by_language() -> None:
    assert speaking_seconds("一" * 45, "zh-CN") == pytest.approx(10)
    assert speaking_seconds(" ".join(["word"] * 25), "en-US") == pytest.approx(10)
    assert speaking_seconds("안녕하세요", "ko-KR") < 1


def _with_ask(prompt: str, product_type: str = "general") -> list[str]:
    from scripts.lint import lint_script
    from scripts.loader import parse_script

    text = (FIXTURES / "valid.zh-CN.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  assistant: 小测\n", f"  assistant: 小测\n  product_type: {product_type}\n"
    )
    script = parse_script(text.replace("需要吗？", prompt), "x.yaml")
    return sorted({f.rule for f in lint_script(script)})


@pytest.mark.parametrize(
    "prompt",
    ["本产品不保本，需要吗？", "我们不能保证收益，需要吗？", "产品并不是没有风险，需要吗？"],
)
def test_a_negated_promise_is_a_disclaimer(prompt: str) -> None:
    assert _with_ask(prompt) == []


@pytest.mark.parametrize(
    "prompt",
    [
        "肯定不会亏、年化百分之八，需要吗？",
        "收益稳定在年化4%，需要吗？",
        "放心买，亏不了，需要吗？",
    ],
)
def test_a_promise_in_any_wording_is_an_error(prompt: str) -> None:
    assert "promise" in _with_ask(prompt)


def test_the_risk_warning_uninterruptible_before_the_transfer_satisfies_wealth() -> None:
    assert "required-statement" in _with_ask("需要吗？", "wealth")
    text = (FIXTURES / "valid.zh-CN.yaml").read_text(encoding="utf-8")
    assert "来提醒您一件事。" in text
    from scripts.lint import lint_script
    from scripts.loader import parse_script

    fixed = text.replace("来提醒您一件事。", "来提醒您一件事。理财有风险，投资需谨慎。").replace(
        "  assistant: 小测\n", "  assistant: 小测\n  product_type: wealth\n"
    )
    assert lint_script(parse_script(fixed, "x.yaml")) == []
