"""Words the subsystems share: declared once, imported wherever they are used."""

from __future__ import annotations

from typing import Literal

Grade = Literal["A", "B", "C", "D"]
"""The bank's intent grades: A act now, B interested later, C polite no, D refusal."""
GRADES: tuple[Grade, ...] = ("A", "B", "C", "D")

HandoffResult = Literal["accepted", "declined", "timeout", "no_agent"]
"""How a request for a live agent ended: an agent took it, the agents declined, nobody
answered in time, or nobody with the skill was free."""
HANDOFF_RESULTS: tuple[HandoffResult, ...] = ("accepted", "declined", "timeout", "no_agent")

AnsweredBy = Literal["human", "voicemail", "announcement"]
"""Who or what answered a call: a person, a voicemail box, a carrier's recorded message."""
