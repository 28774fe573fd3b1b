"""The four-eyes rule for script versions (pure)."""

from __future__ import annotations

import pytest

from kernel.errors import Conflict, Forbidden
from scripts.review import ReviewState, check_decision, script_digest

SUBMITTED = ReviewState("submitted", "ana", 0)


def test_a_different_compliance_or_admin_user_may_decide() -> None:
    check_decision(SUBMITTED, "approve", "chen", "compliance")
    check_decision(SUBMITTED, "reject", "li", "admin")


def test_the_author_cannot_approve_their_own_version() -> None:
    with pytest.raises(Forbidden, match="maker-checker"):
        check_decision(SUBMITTED, "approve", "ana", "admin")


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_other_roles_cannot_review(role: str) -> None:
    with pytest.raises(Forbidden, match="cannot review"):
        check_decision(SUBMITTED, "approve", "chen", role)


def test_a_decided_version_is_final_and_lint_errors_block_approval() -> None:
    with pytest.raises(Conflict, match="already approved"):
        check_decision(ReviewState("approved", "ana", 0), "reject", "chen", "admin")
    with pytest.raises(Conflict, match="lint error"):
        check_decision(ReviewState("submitted", "ana", 2), "approve", "chen", "admin")
    check_decision(ReviewState("submitted", "ana", 2), "reject", "chen", "admin")


def test_the_digest_is_of_the_exact_bytes() -> None:
    assert script_digest(b"a") != script_digest(b"a ")
    assert len(script_digest(b"")) == 64
