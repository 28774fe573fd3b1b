"""The books of handoff requests and offers: every row the handoff service writes.

One method per step of a request's life, each one transaction. The database keeps the
rules that matter across processes: at most one live offer per call and per agent
(partial unique indexes), and an offer is accepted only while it is still ``offered``
(compare-and-set), so a timeout and an accept cannot both win.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from loguru import logger
from sqlalchemy import update

from dialogue.intent.scorer import HandoffRequest
from handoff.followups import create_follow_up
from handoff.models import Agent, FollowUpTask, HandoffRequestRow, Offer
from kernel.clock import Clock
from kernel.db import Database
from kernel.vocab import GRADES, Grade

LIVE_OFFER = ("offered", "accepted")


class RequestBook:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    def recover(self) -> None:
        """At process start no call of this process is live: offers left open by a crash
        would block their call and agent forever (the unique indexes), so close them."""
        now = self.clock.now()
        with self.db.session() as s:
            stale = _rowcount(
                s.execute(
                    update(Offer)
                    .where(Offer.status.in_(LIVE_OFFER))
                    .values(status="cancelled", decided_at=now)
                )
            )
            s.execute(
                update(Agent)
                .where(Agent.status == "on_call")
                .values(status="wrap_up", status_since=now, call_sid=None)
            )
            s.execute(
                update(HandoffRequestRow)
                .where(HandoffRequestRow.outcome.in_(("open", "accepted")))
                .values(outcome="interrupted", ended_at=now)
            )
        if stale:
            logger.warning("closed offers left open by a previous run", count=stale)

    def open(self, req: HandoffRequest) -> int:
        """A new request row; its id."""
        with self.db.session() as s:
            row = _row(req)
            s.add(row)
            s.flush()
            return row.id

    def open_taken(self, req: HandoffRequest, agent_id: int) -> tuple[int, int]:
        """An agent-first call back: the request, its offer and the agent, all accepted
        at once; (request id, offer id)."""
        now = self.clock.now()
        with self.db.session() as s:
            row = _row(req)
            row.outcome, row.agent_id = "accepted", agent_id
            s.add(row)
            s.flush()
            offer = Offer(
                request_id=row.id,
                call_sid=req.call_sid,
                agent_id=agent_id,
                offered_at=now,
                deadline=now,
                status="accepted",
                decided_at=now,
            )
            s.add(offer)
            s.execute(
                update(Agent)
                .where(Agent.user_id == agent_id)
                .values(status="on_call", status_since=now, call_sid=req.call_sid)
            )
            s.flush()
            return row.id, offer.id

    def task_grade(self, task_id: int | None, default: Grade) -> Grade:
        """The grade of a follow-up task's call (an agent-first call back's card)."""
        if task_id is None:
            return default
        with self.db.read() as s:
            task = s.get(FollowUpTask, task_id)
            grade = task.grade if task is not None else default
        return grade if grade in GRADES else default

    def offer(self, request_id: int, call_sid: str, agent_id: int, deadline: datetime) -> int:
        """An offer to one agent (IntegrityError: that agent or call has a live one)."""
        with self.db.session() as s:
            row = Offer(
                request_id=request_id,
                call_sid=call_sid,
                agent_id=agent_id,
                offered_at=self.clock.now(),
                deadline=deadline,
            )
            s.add(row)
            s.flush()
            return row.id

    def accept(self, request_id: int, offer_id: int | None, agent_id: int, call_sid: str) -> bool:
        """Compare-and-set on the offer (a timeout may have won); on success the agent is
        on the call and the request accepted, in the same transaction."""
        now = self.clock.now()
        with self.db.session() as s:
            done = _rowcount(
                s.execute(
                    update(Offer)
                    .where(Offer.id == offer_id, Offer.status == "offered")
                    .values(status="accepted", decided_at=now)
                )
            )
            if done:
                s.execute(
                    update(Agent)
                    .where(Agent.user_id == agent_id)
                    .values(status="on_call", status_since=now, call_sid=call_sid)
                )
                s.execute(
                    update(HandoffRequestRow)
                    .where(HandoffRequestRow.id == request_id)
                    .values(outcome="accepted", agent_id=agent_id)
                )
        return bool(done)

    def withdraw(self, offer_id: int | None, status: str) -> None:
        with self.db.session() as s:
            s.execute(
                update(Offer)
                .where(Offer.id == offer_id, Offer.status.in_(LIVE_OFFER))
                .values(status=status, decided_at=self.clock.now())
            )

    def close(
        self,
        request_id: int,
        offer_id: int | None,
        outcome: str,
        disposition: str | None = None,
        notes: str | None = None,
        branch_follow_up: bool = False,
    ) -> None:
        with self.db.session() as s:
            s.execute(
                update(Offer)
                .where(Offer.id == offer_id, Offer.status == "accepted")
                .values(status="done")
            )
            row = s.get(HandoffRequestRow, request_id)
            if row is not None:
                row.outcome, row.ended_at = outcome, self.clock.now()
                row.disposition, row.notes = disposition, notes
                row.branch_follow_up = branch_follow_up

    def fall_back(self, request_id: int, req: HandoffRequest, why: str, at: datetime) -> int:
        """Nobody took the call: a follow-up task for ``at``; the task's id."""
        with self.db.session() as s:
            task = create_follow_up(
                s,
                call_sid=req.call_sid,
                customer_id=req.customer_id,
                reason=(req.reasons[0].code if req.reasons else f"handoff_{why}"),
                grade=req.grade,
                callback_at=at,
                transcript_ref=f"call:{req.call_sid}",
            )
            row = s.get(HandoffRequestRow, request_id)
            if row is not None:
                row.outcome = "fallback"
            return task.id


def _row(req: HandoffRequest) -> HandoffRequestRow:
    return HandoffRequestRow(
        call_sid=req.call_sid,
        customer_id=req.customer_id,
        score=req.score,
        grade=req.grade,
        reasons=[r.to_dict() for r in req.reasons],
        skill=req.skill,
        state=req.state,
        requested_at=req.requested_at,
        callback_at=req.callback_at,
    )


def _rowcount(result: Any) -> int:
    """Rows matched by an UPDATE (a CursorResult; typed loosely by SQLAlchemy)."""
    return int(result.rowcount)
