"""Maker-checker for scripts, the decisions only (pure, no I/O).

A script version is identified by the SHA-256 of its file's bytes: what the bot will say,
exactly. Its author submits it; a different user whose role may approve (compliance or
admin) approves or rejects it. Only an approved digest may be used by a campaign, so an
edit after approval is a new, unapproved version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from kernel.errors import Conflict, Forbidden

ReviewStatus = Literal["submitted", "approved", "rejected"]
Decision = Literal["approve", "reject"]
APPROVER_ROLES: tuple[str, ...] = ("compliance", "admin")


def script_digest(content: bytes) -> str:
    """The version's identity: hex SHA-256 of the file's bytes."""
    return hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class ReviewState:
    """What a decision needs to know about a submitted version."""

    status: ReviewStatus
    submitted_by: str
    lint_errors: int


def check_decision(review: ReviewState, decision: Decision, actor: str, actor_role: str) -> None:
    """Raise unless ``actor`` may take ``decision`` on ``review`` (the four-eyes rule)."""
    if actor_role not in APPROVER_ROLES:
        raise Forbidden(
            f"role {actor_role!r} cannot review scripts (needs one of {', '.join(APPROVER_ROLES)})",
            where="role",
        )
    if actor == review.submitted_by:
        raise Forbidden(
            "the author cannot review their own script version (maker-checker)", where="actor"
        )
    if review.status != "submitted":
        raise Conflict(f"this version is already {review.status}", where="status")
    if decision == "approve" and review.lint_errors:
        raise Conflict(
            f"this version has {review.lint_errors} lint error(s); it cannot be approved",
            where="lint",
        )
