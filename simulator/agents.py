"""Simulated agents: accept or decline handoff offers after a set latency.

``SimulatedAgentPool.offer(offer)`` is what the handoff subsystem calls instead of
alerting a person in the console. The decision and its latency are drawn from a seeded
RNG keyed by the offer id, so a run is reproducible; time passes on the injected clock.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from kernel.clock import Clock
from kernel.vocab import HandoffResult


@dataclass(frozen=True)
class HandoffOffer:
    offer_id: str
    call_sid: str
    reason: str
    skill: str | None = None
    timeout_s: float = 20.0  # nobody accepts within this: the offer lapses


@dataclass(frozen=True)
class Decision:
    accepted: bool
    agent_id: str | None
    latency_s: float
    outcome: HandoffResult


@dataclass(frozen=True)
class SimAgent:
    agent_id: str
    skills: frozenset[str] = frozenset()
    accept_probability: float = 0.9
    latency_s: tuple[float, float] = (2.0, 8.0)  # alert to click


@dataclass
class SimulatedAgentPool:
    """Agents that take one call at a time; offers go to the free agent idle longest."""

    agents: Sequence[SimAgent]
    clock: Clock
    seed: int = 0
    busy: set[str] = field(default_factory=set)
    decisions: list[tuple[HandoffOffer, Decision]] = field(default_factory=list)
    _idle_since: dict[str, int] = field(default_factory=dict)
    _counter: int = 0

    def _candidates(self, skill: str | None) -> list[SimAgent]:
        free = [
            a
            for a in self.agents
            if a.agent_id not in self.busy and (skill is None or skill in a.skills)
        ]
        return sorted(free, key=lambda a: (self._idle_since.get(a.agent_id, -1), a.agent_id))

    def decide(self, offer: HandoffOffer) -> Decision:
        """Who is alerted and what they will do (drawn now, seeded by the offer id); the
        agent stays reserved until ``release`` (the alert rings, or the call goes on)."""
        candidates = self._candidates(offer.skill)
        if not candidates:
            return Decision(False, None, 0.0, "no_agent")
        agent = candidates[0]
        self.busy.add(agent.agent_id)  # reserved while the alert rings
        rng = random.Random(f"{self.seed}:{offer.offer_id}")
        latency = round(rng.uniform(*agent.latency_s), 3)
        accepts = rng.random() < agent.accept_probability
        if latency >= offer.timeout_s:
            return Decision(False, agent.agent_id, offer.timeout_s, "timeout")
        outcome: Literal["accepted", "declined"] = "accepted" if accepts else "declined"
        return Decision(accepts, agent.agent_id, latency, outcome)

    async def offer(self, offer: HandoffOffer) -> Decision:
        """Alert one free agent; resolve after their latency (or the offer's timeout)."""
        decision = self.decide(offer)
        if decision.agent_id is not None:
            try:
                await self.clock.sleep(decision.latency_s)
            except BaseException:
                self._free(decision.agent_id)  # cancelled while the alert rang
                raise
            if not decision.accepted:  # declined or lapsed
                self._free(decision.agent_id)
        self.decisions.append((offer, decision))
        return decision

    def release(self, agent_id: str) -> None:
        """The agent finished the call and is free again."""
        self._free(agent_id)

    def _free(self, agent_id: str) -> None:
        self.busy.discard(agent_id)
        self._counter += 1
        self._idle_since[agent_id] = self._counter
