"""Where the bot may take a call back after the agent (``handoff.resume``)."""

from __future__ import annotations

import pytest

from handoff.resume import check_target, default_target, prompt_snippet, resume_choices
from kernel.errors import InvalidInput
from scripts.loader import current_script


def test_the_default_is_the_handoff_states_after_agent_state_then_every_state() -> None:
    script = current_script("points_reminder", "zh-CN")
    choices = resume_choices(script, "transfer_agent")
    assert choices[0].default and choices[0].state == ""
    assert choices[0].label.startswith("end_after_agent · ")
    assert [c.state for c in choices[1:]] == list(script.states)
    assert not any(c.default for c in choices[1:])


def test_a_state_without_a_handoff_defaults_to_ending_the_call() -> None:
    script = current_script("points_reminder", "zh-CN")
    assert default_target(script, "opening") is None
    assert default_target(script, None) is None
    assert resume_choices(script, "opening")[0].label == ""


def test_labels_show_what_the_bot_says_without_template_variables() -> None:
    assert prompt_snippet("您好，{name}先生，  我是银行的\n客服") == "您好，…先生， 我是银行的 客服"
    long = prompt_snippet("x" * 100)
    assert len(long) == 36 and long.endswith("…")


def test_an_unknown_state_is_refused_by_name() -> None:
    script = current_script("points_reminder", "zh-CN")
    check_target(script, None)
    check_target(script, "explain_redeem")
    with pytest.raises(InvalidInput) as err:
        check_target(script, "offer")
    assert err.value.where == "state" and "'offer'" in str(err.value)
