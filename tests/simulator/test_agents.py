from __future__ import annotations

import asyncio

import pytest

from kernel.clock import VirtualClock
from simulator.agents import Decision, HandoffOffer, SimAgent, SimulatedAgentPool
from tests.simulator.conftest import run_virtual


async def decide(pool: SimulatedAgentPool, clock: VirtualClock, offer: HandoffOffer) -> Decision:
    task = asyncio.create_task(pool.offer(offer))
    await asyncio.sleep(0)  # let the offer start before time moves
    await run_virtual(clock, task.done, step=0.25)
    return task.result()


async def test_accepts_after_its_latency_and_stays_busy() -> None:
    clock = VirtualClock()
    pool = SimulatedAgentPool([SimAgent("a1", frozenset({"loans"}), 1.0, (3.0, 3.0))], clock)
    start = clock.monotonic()
    d = await decide(pool, clock, HandoffOffer("o1", "CA1", "high_intent", "loans"))
    assert d.accepted and d.agent_id == "a1" and d.latency_s == 3.0
    assert clock.monotonic() - start == pytest.approx(3.0, abs=0.26)
    busy = await decide(pool, clock, HandoffOffer("o2", "CA2", "high_intent", "loans"))
    assert busy.outcome == "no_agent"
    pool.release("a1")
    again = await decide(pool, clock, HandoffOffer("o3", "CA3", "high_intent", "loans"))
    assert again.accepted


async def test_decline_timeout_and_skills() -> None:
    clock = VirtualClock()
    pool = SimulatedAgentPool(
        [
            SimAgent("slow", frozenset({"cards"}), 1.0, (30.0, 40.0)),
            SimAgent("no", frozenset({"loans"}), 0.0, (1.0, 1.0)),
        ],
        clock,
    )
    lapsed = await decide(pool, clock, HandoffOffer("o1", "CA1", "r", "cards", timeout_s=20))
    assert lapsed.outcome == "timeout" and lapsed.latency_s == 20
    declined = await decide(pool, clock, HandoffOffer("o2", "CA2", "r", "loans"))
    assert declined.outcome == "declined" and declined.agent_id == "no"
    assert pool.busy == set()  # declining or lapsing frees the agent
    none = await decide(pool, clock, HandoffOffer("o3", "CA3", "r", "mortgage"))
    assert none.outcome == "no_agent"


async def test_deterministic_for_a_seed() -> None:
    async def run(seed: int) -> list[tuple[bool, float]]:
        clock = VirtualClock()
        agents = [SimAgent(f"a{i}", frozenset(), 0.6, (1.0, 10.0)) for i in range(3)]
        pool = SimulatedAgentPool(agents, clock, seed=seed)
        out = []
        for i in range(12):
            d = await decide(pool, clock, HandoffOffer(f"o{i}", f"CA{i}", "r"))
            out.append((d.accepted, d.latency_s))
            if d.accepted and d.agent_id:
                pool.release(d.agent_id)
        return out

    first = await run(3)
    assert first == await run(3)
    assert first != await run(4)
    assert 0 < sum(a for a, _ in first) < 12
