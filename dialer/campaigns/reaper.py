"""The reaper: live attempts whose watchdog expired, reconciled with the carrier.

A dialing, ringing or answered attempt carries a lease that the carrier's status callbacks
keep renewing; when it expires (a lost callback, a crashed worker), the attempt is claimed
here and asked of the carrier: by its call id, or, when the crash came between the carrier
placing the call and the sid being stored, by number and time. What the carrier says is
applied as if its callback had come; what cannot be decided goes to review, so nothing is
redialed on a guess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from dialer.campaigns.config import DialerSettings
from dialer.campaigns.models import ATTEMPT_LEASE, LIVE_CALL_STATES, Attempt
from dialer.campaigns.outcomes import apply_carrier_status, finish_attempt
from dialer.carriers.base import CallNotFound, Carrier, CarrierError
from kernel.claims import claim
from kernel.clock import Clock
from kernel.db import Database
from kernel.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Reaper:
    db: Database
    settings: Settings
    ds: DialerSettings
    carrier: Carrier
    clock: Clock
    worker_id: str

    def reap(self) -> int:
        """Reconcile live attempts whose watchdog fired with the carrier's view of the call."""
        now = self.clock.now()
        with self.db.session() as s:
            ids = claim(  # expired watchdogs of live attempts
                s,
                ATTEMPT_LEASE,
                ready=Attempt.status.in_(LIVE_CALL_STATES),
                owner=self.worker_id,
                now=now,
                lease_seconds=self.ds.lease_s,
                limit=self.ds.claim_batch,
                order_by=(Attempt.lease_until, Attempt.id),
            )
        for attempt_id in ids:
            try:
                self.reconcile(attempt_id)
            except Exception:
                log.exception("reconcile failed", extra={"attempt_id": attempt_id})
        return len(ids)

    def reconcile(self, attempt_id: int) -> str:
        now = self.clock.now()
        with self.db.read() as s:
            a = s.get(Attempt, attempt_id)
            if a is None or a.status not in LIVE_CALL_STATES:
                return "gone"
            sid, phone, dialed_at, status = a.carrier_sid, a.phone_e164, a.dialed_at, a.status
        assert dialed_at is not None
        overdue = (now - dialed_at).total_seconds() > self.ds.review_after_s
        try:
            if sid is None:
                calls = self.carrier.find_calls(phone, dialed_at - timedelta(seconds=5))
                if not calls:
                    with self.db.session() as s:
                        a2 = s.get(Attempt, attempt_id)
                        if a2 is not None and a2.status == "dialing" and a2.carrier_sid is None:
                            a2.end_reason = "carrier has no such call"
                            finish_attempt(
                                s,
                                a2,
                                "not_dialed",
                                now,
                                default_tz=self.settings.default_timezone,
                            )
                    return "not_dialed"
                if len(calls) > 1:
                    return self._to_review(attempt_id, "several carrier calls match")
                info = calls[0]
            else:
                info = self.carrier.status(sid)
        except CallNotFound:
            return self._to_review(attempt_id, "carrier does not know the call")
        except CarrierError:
            if overdue:
                return self._to_review(attempt_id, "carrier unreachable while reconciling")
            return "retry"
        with self.db.session() as s:
            a3 = apply_carrier_status(
                s,
                now=now,
                settings=self.ds,
                default_tz=self.settings.default_timezone,
                sid=info.sid,
                attempt_id=attempt_id,
                status=info.status,
                answered_by=info.answered_by,
                duration_s=info.duration_s,
                sip_code=info.sip_code,
            )
            if a3 is not None and a3.status in LIVE_CALL_STATES:
                # Still going at the carrier: re-arm the watchdog for this state.
                period = (
                    self.ds.max_call_s if a3.status == "in_progress" else self.ds.ring_timeout_s
                )
                if a3.status == status == "dialing" and info.status in ("queued", "initiated"):
                    period = self.ds.ring_timeout_s
                a3.lease_owner = None
                a3.lease_until = now + timedelta(seconds=period)
            return a3.status if a3 is not None else "gone"

    def _to_review(self, attempt_id: int, why: str) -> str:
        with self.db.session() as s:
            a = s.get(Attempt, attempt_id)
            if a is not None and a.status in LIVE_CALL_STATES:
                a.status, a.end_reason = "review", why
                a.lease_owner = a.lease_until = None
                log.warning("attempt sent to review", extra={"attempt_id": attempt_id, "why": why})
        return "review"
