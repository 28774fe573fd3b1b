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


def mask_phone(phone: str | None) -> str:
    """+8613812345678 -> +86138****5678: the first digits and the last four, no more."""
    if not phone:
        return ""
    if len(phone) <= 8:
        return "*" * len(phone)
    head = min(6, len(phone) - 8)
    return f"{phone[:head]}{'*' * (len(phone) - head - 4)}{phone[-4:]}"
