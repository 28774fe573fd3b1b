"""A campaign's compliance choices as operators write them (pydantic, no I/O).

- ``machine_message``: what the bot leaves when a voicemail box answers (empty: it hangs
  up without a word); the script is never read to a machine.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class CompliancePolicy(BaseModel):
    machine_message: str = Field(default="", max_length=500)
