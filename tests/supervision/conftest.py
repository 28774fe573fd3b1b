"""Finished calls made directly in the tables: a campaign, customers, attempts, records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from dialer.campaigns.models import Attempt, Campaign
from dialer.lists.models import Customer
from dialogue.speech.models import CallTranscriptRow
from kernel.db import Database
from supervision.calls import RecordFacts, record_call


def campaign(db: Database, name: str = "points", script_id: str = "points_reminder") -> int:
    with db.session() as s:
        c = Campaign(
            name=name,
            script_id=script_id,
            language="zh-CN",
            caller_id="10086",
            status="running",
            window={},
        )
        s.add(c)
        s.flush()
        return c.id


def finished_call(
    db: Database,
    campaign_id: int,
    *,
    dialed_at: datetime,
    lines: Sequence[tuple[str, str, float, float, str]] = (),
    phone: str | None = None,
    branch: str | None = "朝阳支行",
    variant: str | None = "A",
    duration_s: float = 60.0,
    **facts: object,
) -> int:
    """One answered, ended attempt with its transcript and record; its attempt id."""
    with db.session() as s:
        n = s.query(Customer).count()
        cust = Customer(
            phone_e164=phone or f"+861380000{n:04d}",
            name=f"客户{n}",
            branch=branch,
            external_id=f"C{n}",
        )
        s.add(cust)
        s.flush()
        a = Attempt(
            campaign_id=campaign_id,
            customer_id=cust.id,
            phone_e164=cust.phone_e164,
            variant=variant,
            status="ended",
            due_at=dialed_at,
            dialed_at=dialed_at,
            answered_at=dialed_at + timedelta(seconds=5),
            ended_at=dialed_at + timedelta(seconds=5 + duration_s),
            carrier_sid=f"CA{cust.id:06d}",
            outcome="answered",
        )
        s.add(a)
        s.flush()
        for i, (speaker, text, start, end, state) in enumerate(lines):
            s.add(
                CallTranscriptRow(
                    call_sid=a.carrier_sid,
                    attempt_id=a.id,
                    seq=i,
                    speaker=speaker,
                    text=text,
                    start_s=start,
                    end_s=end,
                    state=state,
                )
            )
        assert a.ended_at is not None
        record_call(s, RecordFacts(attempt_id=a.id, ended_at=a.ended_at, **facts))  # type: ignore[arg-type]
        return a.id
