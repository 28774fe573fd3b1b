"""A campaign's funnel by variant, over time and its pacing state; stopping a variant."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.campaigns import dashboard, service
from dialer.campaigns.models import Attempt
from dialer.campaigns.pacing import pace_limit
from dialer.campaigns.spec import VariantSpec
from dialer.campaigns.variants import stop_variant
from kernel.actors import Actor
from kernel.db import Database
from kernel.errors import Conflict
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _campaign(s: Session, n: int = 20) -> int:
    cl = add_list(s, add_customers(s, n))
    spec = make_spec([cl.id], variants=[VariantSpec(name="A"), VariantSpec(name="B")])
    c = service.create_campaign(s, spec, NOW, by=Actor.system("test"))
    service.start_campaign(s, c.id, NOW, fast_settings(), "Asia/Shanghai", by=Actor.system("test"))
    return c.id


def test_funnel_by_variant_and_over_time(db: Database) -> None:
    with db.session() as s:
        cid = _campaign(s)
        attempts = list(s.scalars(select(Attempt).order_by(Attempt.id)))
        for i, a in enumerate(attempts[:10]):
            a.status, a.dialed_at = "ended", NOW + timedelta(seconds=i * 20)
            if i < 6:
                a.answered_at, a.answered_by = a.dialed_at, "human" if i < 5 else "voicemail"
            if i < 5:
                a.disposition = "complaint" if i == 4 else "interested"
                a.grade = "ABCDD"[i]
            if i == 0:
                a.handoff_requested_at, a.handoff_result = NOW, "accepted"
            if i == 1:
                a.handoff_requested_at, a.handoff_result = NOW, "timeout"
            a.opted_out = i == 3
    with db.read() as s:
        by = dashboard.funnel_by_variant(s, cid)
        t = dashboard.total(by)
        assert set(by) == {"A", "B"} and t.attempts == 20 and t.queued == 10
        assert (t.dialed, t.answered, t.human, t.engaged, t.completed) == (10, 6, 5, 5, 5)
        assert (t.grade_a, t.grade_b, t.grade_c, t.grade_d) == (1, 1, 1, 2)
        assert (t.handoffs_offered, t.handoffs_accepted, t.handoffs_timed_out) == (2, 1, 1)
        assert (t.handoffs_to_follow_up, t.opt_outs, t.complaints) == (1, 1, 1)
        points = dashboard.series(s, cid, 60)
        assert [p.dialed for p in points] == [3, 3, 3, 1]
        assert sum(p.grades["D"] for p in points) == 2
        assert dashboard.bucket_for(timedelta(hours=2)) == 300


def test_stop_variant_moves_queued_attempts(db: Database) -> None:
    with db.session() as s:
        cid = _campaign(s)
        had_b = s.scalar(select(Attempt.id).where(Attempt.variant == "B"))
        assert had_b is not None
        moved = stop_variant(s, cid, "B", NOW, by=Actor.system("test"))
        assert moved > 0
        assert s.scalar(select(Attempt.id).where(Attempt.variant == "B")) is None
        assert [v["weight"] for v in service.get_campaign(s, cid).variants] == [1.0, 0.0]
        with pytest.raises(Conflict):
            stop_variant(s, cid, "A", NOW, by=Actor.system("test"))  # the last one keeps running


def test_pace_limit_names_what_holds_the_campaign_back() -> None:
    base = dict(
        running=True,
        due_now=5,
        queued_later=0,
        in_flight=2,
        max_concurrent=10,
        global_in_flight=2,
        global_lines=30,
        handoff_budget_left=None,
        dialed_per_s=0.5,
        calls_per_second=2.0,
    )
    assert pace_limit(**base) == "none"  # type: ignore[arg-type]
    assert pace_limit(**{**base, "running": False}) == "not_running"  # type: ignore[arg-type]
    assert pace_limit(**{**base, "due_now": 0, "in_flight": 0}) == "done"  # type: ignore[arg-type]
    assert pace_limit(**{**base, "in_flight": 10}) == "lines"  # type: ignore[arg-type]
    assert pace_limit(**{**base, "handoff_budget_left": 0}) == "agents"  # type: ignore[arg-type]
    assert pace_limit(**{**base, "dialed_per_s": 1.9}) == "rate"  # type: ignore[arg-type]


def _expected(rows: list[Attempt]) -> dict[str, dashboard.FunnelCounts]:
    """The funnel's definitions (the module's docstring) applied row by row."""
    out: dict[str, dashboard.FunnelCounts] = {}
    for a in rows:
        f = out.setdefault(a.variant or "", dashboard.FunnelCounts())
        human = a.answered_by == "human"
        engaged = human and a.disposition is not None and a.disposition not in dashboard.NOT_ENGAGED
        offered = a.handoff_requested_at is not None
        for key, hit in (
            ("attempts", True), ("queued", a.status == "queued"),
            ("live", a.status in ("dialing", "ringing", "in_progress", "review")),
            ("dialed", a.dialed_at is not None), ("answered", a.answered_at is not None),
            ("human", human), ("engaged", engaged),
            ("completed", engaged and a.disposition not in dashboard.INCOMPLETE),
            ("grade_a", a.grade == "A"), ("grade_b", a.grade == "B"),
            ("grade_c", a.grade == "C"), ("grade_d", a.grade == "D"),
            ("handoffs_offered", offered), ("handoffs_accepted", a.handoff_result == "accepted"),
            ("handoffs_timed_out", a.handoff_result == "timeout"),
            ("handoffs_to_follow_up", offered and a.handoff_result != "accepted"),
            ("opt_outs", a.opted_out), ("complaints", a.disposition == "complaint"),
        ):  # fmt: skip
            setattr(f, key, getattr(f, key) + int(bool(hit)))
    return out


def test_grouped_funnel_and_ranged_series_match_a_row_by_row_count(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rnd = random.Random(11)
    pick = rnd.choice
    with db.session() as s:
        cid = _campaign(s, 300)
        for a in s.scalars(select(Attempt).where(Attempt.campaign_id == cid)):
            a.variant = pick(["A", "B", None])
            a.status = pick(["queued", "dialing", "in_progress", "review", "ended", "cancelled"])
            a.dialed_at = pick([None, NOW + timedelta(seconds=rnd.randint(0, 7200))])
            a.answered_at = pick([None, NOW])
            a.answered_by = pick([None, "human", "voicemail"])
            a.disposition = pick([None, "hung_up", "not_understood", "complaint", "interested"])
            a.grade = pick([None, "A", "B", "C", "D"])
            a.handoff_requested_at = pick([None, NOW])
            a.handoff_result = pick([None, "accepted", "timeout", "declined"])
            a.opted_out = rnd.random() < 0.1
    with db.read() as s:
        rows = list(s.scalars(select(Attempt).where(Attempt.campaign_id == cid)))
        assert dashboard.funnel_by_variant(s, cid) == _expected(rows)
        assert dashboard.funnel_by_sums(s, cid) == _expected(rows)  # PostgreSQL's form
        for bucket in (60, 300, 3600):
            by_epoch = dashboard._series_by_epoch(s, cid, bucket)
            assert dashboard.series(s, cid, bucket) == by_epoch
            assert sum(p.dialed for p in by_epoch) == sum(a.dialed_at is not None for a in rows)
        monkeypatch.setattr(dashboard, "MAX_RANGES", 3)  # a long campaign: by each row's epoch
        assert dashboard.series(s, cid, 60) == dashboard._series_by_epoch(s, cid, 60)
