"""A campaign with calls in every state of the funnel, for the workspace's tests."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select

from crm_sync.models import Lead
from dialer.campaigns import service
from dialer.campaigns.models import Attempt
from dialer.campaigns.spec import VariantSpec
from kernel.actors import Actor
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec


def seed_campaign(db: Database, now: datetime, n: int = 200, called: int = 160) -> int:
    """A running campaign of ``n`` customers with variants A and B; the first ``called``
    attempts dialed over the last hour with answers, grades, handoffs, opt-outs and
    leads (B converts better). Returns its id."""
    rnd = random.Random(4)
    start = now - timedelta(hours=1)
    with db.session() as s:
        cl = add_list(s, add_customers(s, n), name="3月理财到期客户")
        spec = make_spec(
            [cl.id],
            name="理财到期回访（3月）",
            variants=[VariantSpec(name="A"), VariantSpec(name="B")],
            live_handoff=True,
            handoff_skill="wealth",
        )
        c = service.create_campaign(s, spec, start, by=Actor.system("test"))
        service.start_campaign(
            s, c.id, start, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        q = select(Attempt).where(Attempt.campaign_id == c.id).order_by(Attempt.id)
        for i, a in enumerate(s.scalars(q)):
            if i >= called:
                break
            a.status, a.dialed_at = "ended", start + timedelta(seconds=i * 3600 // called)
            if rnd.random() >= 0.62:
                continue
            a.answered_at = a.dialed_at + timedelta(seconds=8)
            a.answered_by = "human" if rnd.random() < 0.85 else "voicemail"
            if a.answered_by != "human":
                continue
            r = rnd.random() - (0.15 if a.variant == "B" else 0.0)
            a.grade = "A" if r < 0.12 else "B" if r < 0.3 else "C" if r < 0.7 else "D"
            a.disposition = "complaint" if rnd.random() < 0.03 else "interested"
            a.opted_out = rnd.random() < 0.04
            if a.grade in "AB":
                s.add(_lead(a, now))
                if rnd.random() < 0.6:
                    a.handoff_requested_at = a.answered_at + timedelta(seconds=40)
                    a.handoff_result = "accepted" if rnd.random() < 0.75 else "timeout"
        return c.id


def _lead(a: Attempt, now: datetime) -> Lead:
    return Lead(
        call_id=a.id,
        attempt_id=a.id,
        campaign_id=a.campaign_id,
        customer_id=a.customer_id,
        variant=a.variant,
        route="remote_center",
        kind="hot",
        grade=a.grade,
        disposition="interested",
        next_action="call back",
        call_ended_at=now,
    )
