"""Agent-first call backs: a console agent works a follow-up task and asks the dialer to
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
from datetime import timedelta

from sqlalchemy import func, select

from dialer.campaigns.audience import CustomerRow, FactsLoader
from dialer.campaigns.eligibility import decide_callback
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.stored import window_of
from dialer.campaigns.worker import _EMPTY, Dialer
from dialer.lists.models import Customer
from kernel.errors import Conflict, NotFound

log = logging.getLogger(__name__)


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
