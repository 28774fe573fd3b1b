"""Follow-up tasks: what an agent calls back later, and the call back itself.

A task is created when nobody could take a flagged customer live (the handoff service's
fallback). Agents see open tasks, claim one, and either complete it with an outcome or
ask the dialer to call the customer now with themselves on the line
(``CallbackRequester``: the dialer's ``DialerCallbacks`` in ``serve``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.orm import Session

from handoff.events import EventBus
from handoff.models import FollowUpTask
from kernel.clock import Clock
from kernel.db import Database
from kernel.errors import Conflict, InvalidInput


class CallbackRequester(Protocol):
    """Agent-first call back through the dialer (the composition root wires the dialer)."""

    def request_callback(
        self, *, customer_id: int, agent_id: int, task_id: int, call_sid: str
    ) -> None: ...


def create_follow_up(
    session: Session,
    call_sid: str,
    customer_id: int | None,
    reason: str,
    grade: str,
    callback_at: datetime,
    transcript_ref: str | None,
) -> FollowUpTask:
    """A follow-up task for a flagged customer nobody could take now (caller's transaction)."""
    if callback_at.tzinfo is None:
        raise InvalidInput("callback_at must be timezone-aware", where="callback_at")
    task = FollowUpTask(
        call_sid=call_sid,
        customer_id=customer_id,
        reason=reason[:200],
        grade=grade,
        callback_at=callback_at,
        transcript_ref=transcript_ref,
    )
    session.add(task)
    session.flush()
    return task


class FollowUps:
    """Claim, complete and call back follow-up tasks."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        bus: EventBus,
        callbacks: CallbackRequester | None = None,
    ) -> None:
        self.db, self.clock, self.bus = db, clock, bus
        self.callbacks = callbacks

    def claim(self, agent_id: int, task_id: int) -> None:
        with self.db.session() as s:
            done = _rowcount(
                s.execute(
                    update(FollowUpTask)
                    .where(FollowUpTask.id == task_id, FollowUpTask.status == "open")
                    .values(status="claimed", claimed_by=agent_id, claimed_at=self.clock.now())
                )
            )
        if not done:
            raise Conflict("task already claimed or closed", where=f"task {task_id}")
        self.bus.publish("follow_up", {"id": task_id, "status": "claimed", "by": agent_id})

    def complete(self, agent_id: int, task_id: int, outcome: str, notes: str) -> None:
        if not outcome.strip():
            raise InvalidInput("an outcome is required", where="outcome")
        with self.db.session() as s:
            done = _rowcount(
                s.execute(
                    update(FollowUpTask)
                    .where(
                        FollowUpTask.id == task_id,
                        FollowUpTask.status == "claimed",
                        FollowUpTask.claimed_by == agent_id,
                    )
                    .values(
                        status="done", completed_at=self.clock.now(), outcome=outcome, notes=notes
                    )
                )
            )
        if not done:
            raise Conflict("claim the task first", where=f"task {task_id}")
        self.bus.publish("follow_up", {"id": task_id, "status": "done", "by": agent_id})

    def call_back(self, agent_id: int, task_id: int) -> None:
        if self.callbacks is None:
            raise Conflict("call back through the dialer is not configured", where="dialer")
        with self.db.read() as s:
            task = s.get(FollowUpTask, task_id)
        if task is None or task.claimed_by != agent_id or task.status != "claimed":
            raise Conflict("claim the task first", where=f"task {task_id}")
        if task.customer_id is None:
            raise InvalidInput("the task has no customer", where=f"task {task_id}")
        self.callbacks.request_callback(
            customer_id=task.customer_id, agent_id=agent_id, task_id=task_id, call_sid=task.call_sid
        )


def _rowcount(result: Any) -> int:
    """Rows matched by an UPDATE (a CursorResult; typed loosely by SQLAlchemy)."""
    return int(result.rowcount)
