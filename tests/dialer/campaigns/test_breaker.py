"""The compliance circuit breaker: a simulated opt-out spike pauses the campaign, says
why on the campaign and in the compliance record, and alerts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.breaker import Trip, WindowCounts, decide
from dialer.campaigns.ledger import export
from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.outcomes import record_opt_out
from dialer.campaigns.policy import BreakerThresholds
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import InMemoryCarrier
from kernel.actors import Actor
from kernel.audit import about
from kernel.clock import VirtualClock
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
T = BreakerThresholds()


def test_the_decision_on_counts() -> None:
    assert decide(T, WindowCounts(dials=30, answered=25, opt_outs=2)) is None
    trip = decide(T, WindowCounts(dials=30, answered=25, opt_outs=3))
    assert trip is not None and trip.reason == "opt_outs" and "12%" in trip.detail
    assert decide(T, WindowCounts(dials=5, answered=5, opt_outs=3)) is None  # too few yet
    assert decide(T, WindowCounts(complaints=2)) == Trip("complaints", "2 complaints in 60 min")
    trip = decide(T, WindowCounts(dials=40, interceptions=9))
    assert trip is not None and trip.reason == "interceptions"


def test_an_opt_out_spike_pauses_the_campaign(db: Database) -> None:
    clock = VirtualClock(T0)
    with db.session() as s:
        custs = add_customers(s, 25)
        c = service.create_campaign(
            s, make_spec([add_list(s, custs).id]), T0, by=Actor.system("test")
        )
        service.start_campaign(
            s, c.id, T0, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        cid = c.id
        attempts = s.scalars(select(Attempt).where(Attempt.campaign_id == cid)).all()
        for i, a in enumerate(attempts):  # 25 answered calls in the last half hour ...
            a.status, a.outcome, a.answered_by = "ended", "answered", "human"
            a.dialed_at = a.answered_at = T0 - timedelta(minutes=30 - i)
        for a in attempts[:4]:  # ... and 4 of them said "stop calling me"
            record_opt_out(s, a.customer_id, f"call:{a.id}", T0 - timedelta(minutes=5))
    alerts: list[tuple[int, Trip]] = []
    dialer = Dialer(db, db.settings, fast_settings(), InMemoryCarrier(now=clock.now), clock=clock,
                    alert=lambda campaign, trip: alerts.append((campaign, trip)))  # fmt: skip
    assert dialer.check_breakers(T0, force=True) == [cid]
    with db.read() as s:
        c2 = s.get(Campaign, cid)
        assert c2 is not None and c2.status == "paused"
        assert c2.end_reason is not None and "4 opt-outs in 25 answered" in c2.end_reason
        entries = [e for e in export(s, campaign_id=cid) if e["kind"] == "breaker"]
        paused = about(s, f"campaign:{cid}")[0]  # the newest action on the campaign
    assert (paused.event, paused.username, paused.address) == (
        "campaign_pause",
        "system:breaker",
        "system",
    )
    assert "compliance breaker: 4 opt-outs" in paused.detail
    assert entries and entries[0]["record"]["reason"] == "opt_outs"
    assert [(i, t.reason) for i, t in alerts] == [(cid, "opt_outs")]
    assert dialer.check_breakers(T0, force=True) == []  # paused: nothing more to do
