"""The reservation of one handoff request: pure state machine, time passed in.

    waiting --offer--> offered(agent, deadline) --accept--> accepted --end/hand back--> done
                          |  decline / timeout / agent gone
                          v
                    offered(next agent) ... no agent left or max offers -> fallback

``fallback``: the bot carries on and a follow-up task is created. Every step returns the
new reservation and the effects for the service to carry out; nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

Phase = Literal["waiting", "offered", "accepted", "fallback", "done", "cancelled"]


@dataclass(frozen=True)
class OfferTo:
    agent_id: int
    deadline: datetime


@dataclass(frozen=True)
class Withdraw:
    """The offer to this agent is over (declined, timed out, or the call went away)."""

    agent_id: int
    why: Literal["declined", "timed_out", "cancelled", "agent_gone"]


@dataclass(frozen=True)
class Connect:
    agent_id: int


@dataclass(frozen=True)
class Fallback:
    why: Literal["no_agent", "max_offers"]


Effect = OfferTo | Withdraw | Connect | Fallback


@dataclass(frozen=True)
class Reservation:
    call_sid: str
    skill: str | None
    offer_timeout_s: float
    max_offers: int
    phase: Phase = "waiting"
    agent_id: int | None = None
    deadline: datetime | None = None
    tried: tuple[int, ...] = ()

    @property
    def live(self) -> bool:
        return self.phase in ("waiting", "offered", "accepted")


Step = tuple[Reservation, list[Effect]]


def _next(res: Reservation, now: datetime, candidate: int | None, pre: list[Effect]) -> Step:
    """Offer to ``candidate`` (already chosen by routing, not yet tried) or fall back."""
    if len(res.tried) >= res.max_offers:
        return replace(res, phase="fallback", agent_id=None, deadline=None), [
            *pre,
            Fallback("max_offers"),
        ]
    if candidate is None or candidate in res.tried:
        return replace(res, phase="fallback", agent_id=None, deadline=None), [
            *pre,
            Fallback("no_agent"),
        ]
    deadline = now + timedelta(seconds=res.offer_timeout_s)
    new = replace(
        res, phase="offered", agent_id=candidate, deadline=deadline, tried=(*res.tried, candidate)
    )
    return new, [*pre, OfferTo(candidate, deadline)]


def start(res: Reservation, now: datetime, candidate: int | None) -> Step:
    if res.phase != "waiting":
        return res, []
    return _next(res, now, candidate, [])


def accept(res: Reservation, agent_id: int, now: datetime) -> Step:
    """Only the agent holding a live, unexpired offer can accept it."""
    if res.phase != "offered" or res.agent_id != agent_id:
        return res, []
    assert res.deadline is not None
    if now >= res.deadline:
        return res, []  # too late: the timeout step wins the race
    return replace(res, phase="accepted", deadline=None), [Connect(agent_id)]


def decline(res: Reservation, agent_id: int, now: datetime, candidate: int | None) -> Step:
    if res.phase != "offered" or res.agent_id != agent_id:
        return res, []
    return _next(res, now, candidate, [Withdraw(agent_id, "declined")])


def tick(res: Reservation, now: datetime, candidate: int | None) -> Step:
    """Time passed: an offer past its deadline moves on."""
    if res.phase != "offered" or res.deadline is None or now < res.deadline:
        return res, []
    assert res.agent_id is not None
    return _next(res, now, candidate, [Withdraw(res.agent_id, "timed_out")])


def agent_gone(res: Reservation, agent_id: int, now: datetime, candidate: int | None) -> Step:
    """The agent holding the call (or the alert) dropped for good: offer it again."""
    if res.agent_id != agent_id or res.phase not in ("offered", "accepted"):
        return res, []
    again = replace(res, phase="offered")
    return _next(again, now, candidate, [Withdraw(agent_id, "agent_gone")])


def finish(res: Reservation) -> Step:
    """The agent ended the call or handed it back."""
    if res.phase != "accepted":
        return res, []
    return replace(res, phase="done"), []


def cancel(res: Reservation) -> Step:
    """The call ended (customer hung up) before anybody took it."""
    if res.phase not in ("waiting", "offered"):
        return res, []
    effects: list[Effect] = []
    if res.phase == "offered" and res.agent_id is not None:
        effects.append(Withdraw(res.agent_id, "cancelled"))
    return replace(res, phase="cancelled", agent_id=None, deadline=None), effects
