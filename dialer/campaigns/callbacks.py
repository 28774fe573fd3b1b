"""Call backs: the customer's own asked time, and an agent's call back from a task.

``schedule_redial``: a customer told the bot "call me back at ..." and the campaign turns
such times into redials: an attempt due at that time (or the window's next opening after
it), marked ``callback_asked_at`` so the marketing caps do not apply (the customer asked;
suppressions, the window and the carriers' rules still do), dialed by the dial loop.

Agent-first call backs: a console agent works a follow-up task and asks the dialer to
call the customer now, with the agent already on the line.

``DialerCallbacks`` is the handoff service's ``CallbackRequester``. It finds the campaign
of the task's original call, checks at once whether the customer may be called now
(``eligibility.decide_callback``: suppressions, a live call elsewhere and the calling
window apply, the marketing frequency caps do not) so the agent hears "no" straight
away, then adds an attempt that carries the agent and the task, leased to this worker,
and dials it through ``Dialer.dial`` (dial intent committed first, as every call) on a
thread. The stream's start then names the agent (``agentId``), and the media endpoint
connects the agent the moment the customer answers.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dialer.campaigns.audience import CustomerRow, FactsLoader
from dialer.campaigns.calendars import calendar_for
from dialer.campaigns.eligibility import decide_callback
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.stored import window_of
from dialer.campaigns.windows import next_open, resolve_zones
from dialer.campaigns.worker import _EMPTY, Dialer
from dialer.lists.models import Customer
from kernel.errors import Conflict, NotFound

log = logging.getLogger(__name__)


def schedule_redial(
    session: Session, attempt_id: int, asked_at: datetime, now: datetime, default_tz: str
) -> Attempt | None:
    """Queue the redial the customer asked for (in the caller's transaction); None when the
    window never opens after the asked time."""
    origin = session.get(Attempt, attempt_id)
    if origin is None:
        raise NotFound(f"attempt {attempt_id} does not exist", where="attempt_id")
    c = session.get(Campaign, origin.campaign_id)
    cust = session.get(Customer, origin.customer_id)
    assert c is not None and cust is not None
    window = window_of(c)
    zones = resolve_zones(cust.timezone, cust.phone_e164, default_tz)
    start = max(asked_at, now)
    due = next_open(window, calendar_for(session, window.holiday_calendar), zones, start)
    if due is None:
        return None
    seq = session.scalar(
        select(func.coalesce(func.max(Attempt.seq), 0)).where(
            Attempt.campaign_id == c.id, Attempt.customer_id == cust.id
        )
    )
    a = Attempt(
        campaign_id=c.id,
        customer_id=cust.id,
        phone_e164=cust.phone_e164,
        seq=int(seq or 0) + 1,
        retry_of_id=origin.id,
        variant=origin.variant,
        status="queued",
        due_at=due,
        queued_at=now,
        callback_asked_at=asked_at,
    )
    session.add(a)
    session.flush()
    return a


class DialerCallbacks:
    def __init__(self, dialer: Dialer) -> None:
        self.dialer = dialer
        self.threads: list[threading.Thread] = []

    def request_callback(
        self, *, customer_id: int, agent_id: int, task_id: int, call_sid: str
    ) -> None:
        """Dial ``customer_id`` for ``agent_id`` now; ``call_sid`` is the call the follow-up
        task came from (its campaign and variant are the call back's)."""
        attempt_id = self.queue(
            customer_id=customer_id, agent_id=agent_id, task_id=task_id, call_sid=call_sid
        )
        t = threading.Thread(
            target=self._dial, args=(attempt_id,), name=f"callback-{attempt_id}", daemon=True
        )
        self.threads.append(t)
        t.start()

    def queue(self, *, customer_id: int, agent_id: int, task_id: int, call_sid: str) -> int:
        """The callback's attempt, leased to this worker (raises when it may not be dialed)."""
        d = self.dialer
        now = d.clock.now()
        with d.db.session() as s:
            origin = s.scalar(select(Attempt).where(Attempt.carrier_sid == call_sid))
            if origin is None:
                raise Conflict(
                    "the task's call was not placed by this dialer", where=f"task {task_id}"
                )
            c = s.get(Campaign, origin.campaign_id)
            cust = s.get(Customer, customer_id)
            if c is None or cust is None:
                raise NotFound("the task's campaign or customer is gone", where=f"task {task_id}")
            if c.status not in ("running", "completed"):
                raise Conflict(f"the campaign is {c.status}", where=f"campaign {c.id}")
            row = CustomerRow(cust.id, cust.phone_e164, cust.external_id, cust.timezone)
            facts = FactsLoader(s, d.ds, d.settings.default_timezone).load([row], now)[cust.id]
            window = window_of(c)
            decision = decide_callback(facts, window, _EMPTY, now)
            if not decision.ok:
                raise Conflict(
                    f"the customer may not be called now ({decision.reason})",
                    where=f"customer {customer_id}",
                )
            seq = s.scalar(
                select(func.coalesce(func.max(Attempt.seq), 0)).where(
                    Attempt.campaign_id == c.id, Attempt.customer_id == cust.id
                )
            )
            a = Attempt(
                campaign_id=c.id,
                customer_id=cust.id,
                phone_e164=cust.phone_e164,
                seq=int(seq or 0) + 1,
                variant=origin.variant,
                status="queued",
                due_at=now,
                queued_at=now,
                lease_owner=d.worker_id,
                lease_until=now + timedelta(seconds=d.ds.lease_s),
                agent_id=agent_id,
                follow_up_id=task_id,
            )
            s.add(a)
            s.flush()
            return a.id

    def _dial(self, attempt_id: int) -> None:
        outcome = self.dialer.dial(attempt_id)
        if outcome in ("dialed",):
            return
        log.warning("agent-first call back not dialed", extra={"attempt_id": attempt_id})
        with self.dialer.db.session() as s:
            a = s.get(Attempt, attempt_id)
            if a is not None and a.status == "queued":
                a.status, a.ended_at = "cancelled", self.dialer.clock.now()
                a.end_reason = f"call back {outcome}"
                a.lease_owner = a.lease_until = None
