"""How many calls may be started now (pure): concurrency, calls per second, agent capacity.

Handoff-aware pacing: for a campaign with live handoff, the expected number of customers
asking for a human, ``handoff_rate x answer_rate x calls_in_progress``, must not exceed
the agents who are free, so nobody who wants a human is left waiting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Protocol

from pydantic import BaseModel, Field


class PacingConfig(BaseModel):
    """A campaign's pacing."""

    max_concurrent: int = Field(default=10, ge=0)
    calls_per_second: float = Field(default=2.0, gt=0)
    # Priors for the rates, used until enough calls have been seen.
    prior_answer_rate: float = Field(default=0.4, ge=0, le=1)
    prior_handoff_rate: float = Field(default=0.1, ge=0, le=1)
    prior_weight: float = Field(default=20.0, ge=0)


class AgentCapacity(Protocol):
    """Agents free to take a live handoff (the console implements this)."""

    def free_agents(self, skill: str | None) -> int: ...


class FixedAgentCapacity:
    """A fake: a settable number of free agents per skill (None = any skill)."""

    def __init__(self, free: int = 0, by_skill: dict[str, int] | None = None) -> None:
        self.free = free
        self.by_skill = dict(by_skill or {})

    def free_agents(self, skill: str | None) -> int:
        if skill is not None and skill in self.by_skill:
            return self.by_skill[skill]
        return self.free


def smoothed_rate(hits: int, trials: int, prior: float, weight: float) -> float:
    """A rate estimate pulled toward ``prior`` when few trials were seen."""
    if trials + weight <= 0:
        return prior
    return (hits + prior * weight) / (trials + weight)


def handoff_budget(
    in_progress: int, handoff_rate: float, answer_rate: float, free_agents: int
) -> int | None:
    """More calls allowed so that expected handoffs stay <= free agents (None: no limit)."""
    p = handoff_rate * answer_rate
    if p <= 0:
        return None
    allowed_total = math.floor(max(free_agents, 0) / p + 1e-9)
    return max(0, allowed_total - in_progress)


@dataclass(frozen=True)
class Load:
    """Calls holding or about to hold a line (live attempts + claimed, not yet dialed)."""

    campaign_in_flight: int
    global_in_flight: int


def dial_budget(
    cfg: PacingConfig,
    load: Load,
    global_lines: int,
    *,
    handoff: int | None = None,
) -> int:
    """How many new dials the concurrency caps and the handoff budget allow now."""
    budget = min(
        cfg.max_concurrent - load.campaign_in_flight,
        global_lines - load.global_in_flight,
    )
    if handoff is not None:
        budget = min(budget, handoff)
    return max(0, budget)


PaceLimit = Literal[
    "not_running", "done", "nothing_due", "lines", "global_lines", "agents", "rate", "none"
]


def pace_limit(
    *,
    running: bool,
    due_now: int,
    queued_later: int,
    in_flight: int,
    max_concurrent: int,
    global_in_flight: int,
    global_lines: int,
    handoff_budget_left: int | None,
    dialed_per_s: float,
    calls_per_second: float,
) -> PaceLimit:
    """Why a campaign is not dialing faster, the first that holds: it is not running,
    nothing is left or nothing is due yet (retries, windows), its lines or the system's
    are full, the free agents' handoff budget is spent, or it dials at its rate."""
    if not running:
        return "not_running"
    if due_now <= 0:
        return "nothing_due" if queued_later > 0 or in_flight > 0 else "done"
    if in_flight >= max_concurrent:
        return "lines"
    if global_in_flight >= global_lines:
        return "global_lines"
    if handoff_budget_left is not None and handoff_budget_left <= 0:
        return "agents"
    if dialed_per_s >= 0.8 * calls_per_second:
        return "rate"
    return "none"
