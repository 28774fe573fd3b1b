"""A campaign's compliance choices as operators write them (pydantic, no I/O).

- ``machine_message``: what the bot leaves when a voicemail box answers (empty: it hangs
  up without a word); the script is never read to a machine.
- ``product`` / ``channel`` and ``rule_packs``: the frequency rule packs the campaign's
  dials are checked against (``dialer.campaigns.rulepacks``), with what the bank's
  marketing caps need to know about the campaign.
- ``breaker``: when the campaign pauses itself (``dialer.campaigns.breaker``).
- ``callbacks``: what a call back time the customer gives becomes (a redial or a task).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class BreakerThresholds(BaseModel):
    window_minutes: int = Field(default=60, ge=1)
    min_answered: int = Field(default=20, ge=1, description="answered calls before rates count")
    max_opt_out_rate: float = Field(default=0.10, gt=0, le=1, description="of answered calls")
    max_complaints: int = Field(default=2, ge=1)
    min_dials: int = Field(default=20, ge=1, description="dials before interception counts")
    max_interception_rate: float = Field(default=0.20, gt=0, le=1, description="of dials")


class CompliancePolicy(BaseModel):
    machine_message: str = Field(default="", max_length=500)
    product: str | None = Field(default=None, max_length=40, description="e.g. wealth")
    channel: str = Field(default="voice_bot", max_length=40)
    rule_packs: list[str] = Field(default_factory=lambda: ["carrier-cn", "bank-marketing"])
    breaker: BreakerThresholds = Field(default_factory=BreakerThresholds)
    callbacks: Literal["redial", "agent_task"] = Field(
        default="redial",
        description="a time the customer asks to be called back at becomes a redial at "
        "that time (in the window) or a follow-up task for an agent",
    )
