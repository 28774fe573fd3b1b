"""The lead status lifecycle: new -> sent -> accepted -> worked -> won | lost (pure).

Statuses only move forward (a step may be skipped: the CRM may report ``won`` for a lead
we only know as ``sent``); ``won`` and ``lost`` are final. A late or repeated update that
would move a lead back is ignored, not an error: webhooks arrive out of order.
"""

from __future__ import annotations

from typing import Literal

LeadStatus = Literal["new", "sent", "accepted", "worked", "won", "lost"]
ORDER: dict[str, int] = {"new": 0, "sent": 1, "accepted": 2, "worked": 3, "won": 4, "lost": 4}
FINAL = frozenset({"won", "lost"})


def can_move(current: str, target: str) -> bool:
    """Whether a lead at ``current`` may move to ``target``."""
    if current not in ORDER or target not in ORDER:
        raise ValueError(f"unknown lead status {target if target not in ORDER else current!r}")
    if current in FINAL:
        return False
    return ORDER[target] > ORDER[current]
