from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from crm_sync.outcomes import decide_leads, mask_phone
from tests.crm_sync.conftest import outcome


def test_grade_a_and_b_make_a_remote_center_lead() -> None:
    for grade in ("A", "B"):
        [lead] = decide_leads(outcome(1, grade=grade))
        assert (lead.route, lead.kind) == ("remote_center", "hot")
    assert decide_leads(outcome(1, grade="C")) == []
    assert decide_leads(outcome(1, grade="D")) == []


def test_accepted_handoff_wins_over_callback_and_carries_the_agent_result() -> None:
    o = outcome(
        1,
        grade="C",
        handoff_result="accepted",
        agent_outcome="appointment",
        callback_at=datetime(2026, 1, 6, 10, tzinfo=UTC),
    )
    [lead] = decide_leads(o)
    assert lead.kind == "handoff"
    assert "appointment" in lead.next_action
    assert decide_leads(outcome(1, grade="C", handoff_result="declined")) == []


def test_callback_request_is_a_lead_with_the_time() -> None:
    [lead] = decide_leads(outcome(1, grade="D", callback_at=datetime(2026, 1, 6, 10, tzinfo=UTC)))
    assert lead.kind == "callback"
    assert "2026-01-06T10:00" in lead.next_action


def test_branch_visit_is_routed_to_the_customers_branch() -> None:
    leads = decide_leads(outcome(1, grade="B", needs_branch_visit=True, branch="Jongno"))
    assert [(d.route, d.branch, d.kind) for d in leads] == [
        ("remote_center", "Jongno", "hot"),
        ("branch", "Jongno", "branch_visit"),
    ]
    [only] = decide_leads(outcome(1, grade="D", needs_branch_visit=True, branch=None))
    assert only.branch is None and "assign a branch" in only.next_action


def test_outcomes_need_aware_times_and_valid_grades() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        outcome(1, ended_at=datetime(2026, 1, 5, 9))
    with pytest.raises(ValidationError):
        outcome(1, grade="E")
    with pytest.raises(ValidationError):
        outcome(1, score=1.5)


def test_mask_phone_keeps_prefix_and_last_four() -> None:
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_phone("+12025550123") == "+12025**0123"
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) is None
