"""Call outcomes in, lead decisions out: pure code, no I/O.

The dialer hands a :class:`CallOutcome` to ``crm_sync.service.record_outcome`` when a call
ends (and again when a later fact arrives, e.g. the agent's result after a handoff).
:func:`decide_leads` says which leads the outcome makes:

- ``remote_center`` lead: grade A/B, an accepted handoff (with the agent's result when
  known), or a callback request; ``kind`` is the strongest reason
  (handoff > callback > hot).
- ``branch`` lead: the customer must be served in person; routed to their branch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kernel.privacy import mask_phone as _mask
from kernel.vocab import Grade, HandoffResult

Route = Literal["remote_center", "branch"]


class CallOutcome(BaseModel):
    """What the dialer knows about a finished call (the input of ``record_outcome``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    call_id: int
    attempt_id: int | None = None
    campaign_id: int | None = None
    customer_id: int
    branch: str | None = Field(default=None, max_length=100)
    phone_e164: str | None = Field(default=None, max_length=20)
    script_id: str | None = Field(default=None, max_length=100)
    variant: str | None = Field(default=None, max_length=50, description="the script variant (A/B)")
    disposition: str = Field(min_length=1, max_length=40)
    grade: Grade | None = None
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    reasons: tuple[str, ...] = ()
    handoff_result: HandoffResult | None = None
    agent_outcome: str | None = Field(
        default=None, max_length=40, description="The agent's result after an accepted handoff"
    )
    callback_at: datetime | None = None
    needs_branch_visit: bool = False
    transcript_url: str | None = None
    ended_at: datetime

    @field_validator("ended_at", "callback_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("must be timezone-aware")
        return v


@dataclass(frozen=True)
class LeadDraft:
    """The fields of a lead as decided from one outcome."""

    route: Route
    branch: str | None
    kind: str
    next_action: str


@dataclass(frozen=True)
class BranchInfo:
    """The customer's branch as the directory knows it (``crm_sync.branches``)."""

    code: str
    name: str
    contact: str = ""
    phone: str = ""


def decide_leads(outcome: CallOutcome, branch: BranchInfo | None = None) -> list[LeadDraft]:
    """The leads an outcome makes (none, a remote-center lead, a branch lead, or both).

    ``branch`` is the directory's entry for ``outcome.branch``; a branch lead goes to it by
    code with its contact in the next action, or is marked for assignment when the
    directory does not know the customer's branch."""
    drafts: list[LeadDraft] = []
    remote = _remote_center(outcome)
    if remote is not None:
        drafts.append(remote)
    if outcome.needs_branch_visit:
        result = f" (agent: {outcome.agent_outcome})" if outcome.agent_outcome else ""
        if branch is not None:
            who = ", ".join(x for x in (branch.contact, branch.phone) if x)
            action = f"invite the customer to {branch.name} ({branch.code})" + (
                f"; contact {who}" if who else ""
            )
            drafts.append(LeadDraft("branch", branch.code, "branch_visit", (action + result)[:200]))
        else:
            action = (
                f"branch {outcome.branch!r} is not in the branch directory: assign a branch, "
                "then invite the customer to visit"
                if outcome.branch
                else "assign a branch, then invite the customer to visit"
            )
            drafts.append(
                LeadDraft("branch", outcome.branch, "branch_visit", (action + result)[:200])
            )
    return drafts


def _remote_center(o: CallOutcome) -> LeadDraft | None:
    if o.handoff_result == "accepted":
        action = (
            f"follow up the agent's result: {o.agent_outcome}"
            if o.agent_outcome
            else "follow up the live handoff"
        )
        return LeadDraft("remote_center", o.branch, "handoff", action)
    if o.callback_at is not None:
        when = o.callback_at.isoformat(timespec="minutes")
        return LeadDraft("remote_center", o.branch, "callback", f"call back at {when}")
    if o.grade in ("A", "B"):
        action = "call within 1 business day" if o.grade == "A" else "call within 3 business days"
        return LeadDraft("remote_center", o.branch, "hot", action)
    return None


def mask_phone(phone: str | None) -> str | None:
    """The masked number (``kernel.privacy``), or None where there is no number."""
    return _mask(phone) or None
