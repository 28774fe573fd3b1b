"""The supervisor's live floor as data: pure views over the facts of live calls, handoff
requests and agents (no I/O; ``handoff.floor_feed`` gathers the facts and publishes).

A call is shown by its masked customer and campaign, never by the carrier's call id (the
id is only the row's key in the page). Durations and ages are sent as start times; the
page ticks them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kernel.privacy import mask_phone


def mask_name(name: str | None) -> str:
    """A customer's name as a supervisor sees it: the first character (the family name in
    Chinese and Korean, the initial in English) and stars for the rest."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " in name:  # Western order: initials of each part
        return " ".join(p[0] + "." for p in name.split() if p)
    if len(name) == 1:
        return name
    return name[0] + "*" * (len(name) - 1)


@dataclass(frozen=True)
class Party:
    """Who a live call reached, as read once at its start (already masked)."""

    customer: str = ""  # masked name
    phone: str = ""  # masked number
    campaign_id: int | None = None
    campaign: str = ""

    @classmethod
    def of(
        cls, name: str | None, phone: str | None, campaign_id: int | None, campaign: str | None
    ) -> Party:
        return cls(mask_name(name), mask_phone(phone), campaign_id, campaign or "")


@dataclass(frozen=True)
class RequestFacts:
    """A live handoff request as the floor shows it."""

    call_sid: str
    request_id: int
    phase: str  # waiting | offered | accepted
    agent_id: int | None
    requested_at: datetime
    grade: str
    score: float
    tried: int  # agents offered so far


@dataclass(frozen=True)
class FloorCall:
    """A live call as the floor shows it."""

    call_sid: str
    party: Party
    started_at: datetime
    state: str | None
    score: float | None
    grade: str | None
    mode: str  # bot | human
    holding: bool
    agent_id: int | None  # a console agent holding it
    handled_by: str | None = None  # an agent outside the console (a simulated one)


def score_100(score: float | None) -> float | None:
    """Scores are 0..100; a 0..1 score (a request's, in tests and old rows) is scaled."""
    if score is None:
        return None
    return round(score * 100 if score <= 1.0 else score, 1)


def call_row(
    call: FloorCall,
    request: RequestFacts | None,
    agent_names: Mapping[int, str],
    simulated: Collection[int] = (),
) -> dict[str, Any]:
    """One live call's row on the floor; ``simulated``: the console's simulated (overflow)
    agents, named as such."""
    if request is not None and request.phase == "accepted":
        agent_id = request.agent_id
    else:
        agent_id = call.agent_id if call.mode == "human" else None
    agent = agent_names.get(agent_id, "") if agent_id is not None else ""
    is_sim = agent_id is not None and agent_id in simulated
    if not agent and call.handled_by:
        agent, is_sim = call.handled_by, True
    grade = call.grade or (request.grade if request else None)
    score = call.score if call.score is not None else (request.score if request else None)
    return {
        "id": call.call_sid,
        "customer": call.party.customer,
        "phone": call.party.phone,
        "campaign_id": call.party.campaign_id,
        "campaign": call.party.campaign,
        "started_at": call.started_at.isoformat(),
        "state": call.state or "",
        "score": score_100(score),
        "grade": grade or "",
        "mode": "human" if (call.mode == "human" or call.handled_by) else "bot",
        "holding": call.holding,
        "agent_id": agent_id,
        "agent": agent,
        "simulated_agent": is_sim,
        "handoff": request.phase if request is not None else None,
    }


def queue_rows(
    requests: Iterable[RequestFacts],
    calls: Mapping[str, FloorCall],
    agent_names: Mapping[int, str],
) -> list[dict[str, Any]]:
    """Handoff requests not yet taken, oldest first: who is waiting, for how long (from
    ``requested_at``), and which agent is being offered the call now."""
    out = []
    for r in sorted(requests, key=lambda r: (r.requested_at, r.request_id)):
        if r.phase not in ("waiting", "offered"):
            continue
        call = calls.get(r.call_sid)
        party = call.party if call is not None else Party()
        out.append(
            {
                "request_id": r.request_id,
                "id": r.call_sid,
                "customer": party.customer,
                "phone": party.phone,
                "campaign": party.campaign,
                "grade": r.grade,
                "score": score_100(r.score),
                "phase": r.phase,
                "offered_to": agent_names.get(r.agent_id, "") if r.agent_id is not None else "",
                "tried": r.tried,
                "since": r.requested_at.isoformat(),
            }
        )
    return out


def counters(
    rows: Iterable[Mapping[str, Any]], queue: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Per campaign: live calls, with the bot, with a person, waiting for an agent, and
    live calls graded A and B; campaigns by name."""
    by: dict[str, dict[str, Any]] = {}

    def slot(campaign: str) -> dict[str, Any]:
        return by.setdefault(
            campaign,
            {"campaign": campaign, "live": 0, "bot": 0, "human": 0, "waiting": 0, "a": 0, "b": 0},
        )

    for r in rows:
        c = slot(str(r.get("campaign") or ""))
        c["live"] += 1
        c["human" if r.get("mode") == "human" else "bot"] += 1
        if r.get("grade") == "A":
            c["a"] += 1
        elif r.get("grade") == "B":
            c["b"] += 1
    for q in queue:
        slot(str(q.get("campaign") or ""))["waiting"] += 1
    return [by[k] for k in sorted(by)]


def agent_row(
    agent_id: int,
    name: str,
    status: str,
    since: datetime,
    skills: Iterable[str],
    ringing: bool,
    simulated: bool = False,
) -> dict[str, Any]:
    """An agent with presence and when it was entered (the page ticks the time in state);
    ``simulated``: an overflow agent the simulator plays."""
    return {
        "agent_id": agent_id,
        "name": name,
        "status": status,
        "since": since.isoformat(),
        "ringing": ringing,
        "skills": sorted(skills),
        "simulated": simulated,
    }


def agent_row_call(call: Mapping[str, Any] | None) -> dict[str, Any]:
    """The call an agent holds, by its masked customer."""
    return {
        "call": call.get("id") if call else None,
        "customer": call.get("customer", "") if call else "",
    }


@dataclass
class FloorDiff:
    """What changed since the last published floor (rows compared as dicts)."""

    calls: list[dict[str, Any]]
    gone: list[str]

    @property
    def empty(self) -> bool:
        return not self.calls and not self.gone


def diff_rows(
    before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]]
) -> FloorDiff:
    changed = [dict(row) for sid, row in after.items() if before.get(sid) != row]
    gone = [sid for sid in before if sid not in after]
    return FloorDiff(changed, gone)
