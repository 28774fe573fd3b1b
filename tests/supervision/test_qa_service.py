"""The QA sweep on stored calls: flags from the transcript and the dial, the review queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kernel.db import Database
from supervision.models import CallFlag, CallRecord
from supervision.qa_service import SweepSettings, disclosure_states, sweep
from supervision.sampling import SamplingPolicy
from tests.supervision.conftest import campaign, finished_call

# 10:00 in Shanghai on a Thursday
MORNING = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
OPENING = ("bot", "您好，我是智能语音助手，通话会被录音。", 0.0, 4.0, "opening")


def test_sweep_flags_and_queues(db: Database) -> None:
    assert "opening" in disclosure_states("points_reminder", "zh-CN")
    cid = campaign(db)
    clean = finished_call(
        db, cid, dialed_at=MORNING, lines=[OPENING, ("customer", "好的", 5, 6, "points_info")]
    )
    promise = finished_call(
        db, cid, dialed_at=MORNING, lines=[OPENING, ("bot", "保证收益", 5, 6, "x")]
    )
    night = finished_call(db, cid, dialed_at=MORNING + timedelta(hours=12), lines=[OPENING])
    no_opening = finished_call(
        db, cid, dialed_at=MORNING, lines=[("bot", "积分要到期了", 0, 3, "points_info")]
    )
    opt = finished_call(
        db,
        cid,
        dialed_at=MORNING,
        lines=[OPENING, ("customer", "别再打电话了", 5, 6, "x")],
        opted_out=True,
    )
    cfg = SweepSettings(settle_s=0, sampling=SamplingPolicy(rate=0.0))
    assert sweep(db, MORNING + timedelta(days=1), cfg) == 5
    assert sweep(db, MORNING + timedelta(days=1), cfg) == 0  # checked once
    with db.read() as s:
        recs = {r.attempt_id: r for r in s.scalars(select(CallRecord))}
        flags = {(f.attempt_id, f.code) for f in s.scalars(select(CallFlag))}
    assert recs[clean].flags == [] and recs[clean].review_state == "none"
    assert recs[opt].flags == []
    assert (promise, "blocklisted_promise") in flags
    assert (night, "outside_window") in flags
    assert (no_opening, "disclosure_missing") in flags
    assert recs[promise].review_state == "queued" and recs[promise].review_reason == "flagged"
