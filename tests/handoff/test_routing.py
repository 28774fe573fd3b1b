from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.routing import AgentView, free_agents, pick_agent

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _a(
    i: int, idle_min: int, status: str = "available", skills: str = "wealth", ringing: bool = False
) -> AgentView:
    return AgentView(
        i, status, T0 - timedelta(minutes=idle_min), frozenset(skills.split(",")), ringing
    )


def test_longest_idle_free_agent_with_the_skill() -> None:
    agents = [
        _a(1, 5),
        _a(2, 30),
        _a(3, 60, skills="points"),
        _a(4, 90, status="away"),
        _a(5, 99, ringing=True),
    ]
    assert pick_agent(agents, "wealth") == 2
    assert pick_agent(agents, "points") == 3
    assert pick_agent(agents, None) == 3
    assert pick_agent(agents, "wealth", exclude={2}) == 1
    assert pick_agent(agents, "fx") is None
    assert [a.agent_id for a in free_agents(agents, "wealth")] == [2, 1]


def test_ties_break_by_id() -> None:
    assert pick_agent([_a(9, 10), _a(4, 10)], "wealth") == 4


def test_overflow_agents_are_offered_only_when_no_other_is_left() -> None:
    sim = AgentView(7, "available", T0 - timedelta(hours=5), frozenset({"wealth"}), overflow=True)
    person = _a(2, 1)
    assert pick_agent([sim, person], "wealth") == 2  # the person first, however idle sim is
    assert pick_agent([sim, person], "wealth", exclude={2}) == 7  # the person let it ring
    assert pick_agent([sim, _a(2, 1, status="offline")], "wealth") == 7  # nobody else there
