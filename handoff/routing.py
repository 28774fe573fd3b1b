"""Which agent gets an offer: pure. Free agents with the skill, longest idle first; overflow
agents last (they take only what no other free agent was left to take)."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AgentView:
    """What routing knows of one agent."""

    agent_id: int
    status: str
    idle_since: datetime
    skills: frozenset[str]
    ringing: bool = False  # holds a live offer already
    overflow: bool = False  # offered only after every other free agent


def is_free(agent: AgentView, skill: str | None) -> bool:
    return (
        agent.status == "available"
        and not agent.ringing
        and (skill is None or skill in agent.skills)
    )


def free_agents(agents: Iterable[AgentView], skill: str | None) -> list[AgentView]:
    """Free agents with the skill, longest idle first (ties by id, so it is deterministic),
    overflow agents after all the others."""
    free = [a for a in agents if is_free(a, skill)]
    return sorted(free, key=lambda a: (a.overflow, a.idle_since, a.agent_id))


def pick_agent(
    agents: Iterable[AgentView], skill: str | None, exclude: Collection[int] = ()
) -> int | None:
    for a in free_agents(agents, skill):
        if a.agent_id not in exclude:
            return a.agent_id
    return None
