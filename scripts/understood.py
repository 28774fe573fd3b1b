"""The reading of one reply (``scripts.understanding``): the intent, how sure, from where.
Data only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scripts.slots import SlotResult

Source = Literal["opt_out", "phrase", "classifier", "slot", "none"]


@dataclass(frozen=True)
class Understood:
    """The reading of one reply: the intent (None: no-match), how sure, and from where."""

    intent: str | None
    confidence: float
    source: Source
    detail: str = ""  # the phrase, the opt-out rule, the slot text
    opted_out: bool = False
    slot: SlotResult | None = None
