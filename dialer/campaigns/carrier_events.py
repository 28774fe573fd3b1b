"""An in-process carrier's call progress, written to the attempt (its status callback).

A REST carrier reports progress to ``/carrier/status``; an in-process one (the SIP trunk)
hands ``CarrierEvent``s to a ``StatusSink``. ``CarrierEventRecorder`` is that sink: each
event is applied exactly as a callback would be (``apply_carrier_status``: idempotent,
never backwards), and an ended call keeps the carrier's words for how it ended.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialer.campaigns.config import DialerSettings
from dialer.campaigns.outcomes import apply_carrier_status
from dialer.carriers.base import CarrierEvent
from kernel.clock import Clock, SystemClock
from kernel.db import Database


@dataclass
class CarrierEventRecorder:
    db: Database
    ds: DialerSettings
    default_tz: str
    clock: Clock | None = None

    def __call__(self, event: CarrierEvent) -> None:
        now = (self.clock or SystemClock()).now()
        with self.db.session() as s:
            a = apply_carrier_status(
                s,
                now=now,
                settings=self.ds,
                default_tz=self.default_tz,
                sid=event.sid,
                status=event.status,
                attempt_id=event.attempt_id,
                answered_by=event.answered_by,
                duration_s=event.duration_s,
                sip_code=event.sip_code,
            )
            if a is not None and a.status == "ended" and event.reason and not a.end_reason:
                a.end_reason = event.reason[:200]
