"""Agent presence: which status changes an agent may make themselves (pure)."""

from __future__ import annotations

MANUAL = {
    "offline": {"available", "away"},
    "available": {"away", "offline"},
    "away": {"available", "offline"},
    "wrap_up": {"available", "away", "offline"},
    "on_call": set(),  # only ending or handing back the call leaves it
}


def can_set(current: str, wanted: str) -> bool:
    return wanted in MANUAL.get(current, set())
