"""A campaign's compliance choices as operators write them (pydantic, no I/O).

- ``machine_message``: what the bot leaves when a voicemail box answers (empty: it hangs
  up without a word); the script is never read to a machine.
- ``product`` / ``channel`` and ``rule_packs``: the frequency rule packs the campaign's
  dials are checked against (``dialer.campaigns.rulepacks``), with what the bank's
  marketing caps need to know about the campaign.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class CompliancePolicy(BaseModel):
    machine_message: str = Field(default="", max_length=500)
    product: str | None = Field(default=None, max_length=40, description="e.g. wealth")
    channel: str = Field(default="voice_bot", max_length=40)
    rule_packs: list[str] = Field(default_factory=lambda: ["carrier-cn", "bank-marketing"])
