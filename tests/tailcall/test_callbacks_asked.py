"""A call back time the customer gives the bot becomes scheduled work: a redial at that
time (in the window, the marketing caps exempt) or an agent's follow-up task, as the
campaign chose."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from dialer.campaigns.models import Attempt
from dialer.campaigns.outcomes import apply_carrier_status
from dialer.campaigns.policy import CompliancePolicy
from dialer.campaigns.service import create_campaign, start_campaign
from dialer.campaigns.windows import CallingWindow
from dialer.campaigns.worker import Dialer
from dialer.carriers.base import InMemoryCarrier
from handoff.models import FollowUpTask
from kernel.actors import Actor
from kernel.clock import VirtualClock
from kernel.db import Database
from tailcall.outcomes import FinishedCall, record_finished_call
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in Shanghai
WINDOW = CallingWindow(
    weekdays=list(range(7)), hours=[(time(9, 0), time(20, 0))], holiday_calendar=None
)


def _answered(db: Database, callbacks: str) -> int:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        policy = CompliancePolicy(rule_packs=[], callbacks=callbacks)  # type: ignore[arg-type]
        spec = make_spec([cl.id], script_id="points_reminder", language="zh-CN",
                         window=WINDOW, compliance=policy)  # fmt: skip
        c = create_campaign(s, spec, NOW, by=Actor.system("test"))
        start_campaign(s, c.id, NOW, fast_settings(), "Asia/Shanghai", by=Actor.system("test"))
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.status, a.carrier_sid, a.answered_by = "ended", "CA-cb", "human"
        a.outcome, a.dialed_at, a.answered_at = "answered", NOW, NOW
        return a.id


def test_the_asked_time_becomes_a_redial_that_the_caps_do_not_stop(db: Database) -> None:
    aid = _answered(db, "redial")
    asked = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)  # 22:00 local: after the window
    with db.session() as s:
        record_finished_call(s, FinishedCall(aid, NOW + timedelta(minutes=2), callback_at=asked))
    with db.read() as s:
        redial = s.scalar(select(Attempt).where(Attempt.retry_of_id == aid))
        assert redial is not None and redial.status == "queued"
        assert redial.callback_asked_at == asked
        assert redial.due_at == datetime(2026, 3, 5, 1, 0, tzinfo=UTC)  # 09:00 next morning
    # the customer was reached today (max_connected=1 would stop a marketing redial)
    clock = VirtualClock(datetime(2026, 3, 5, 1, 0, 5, tzinfo=UTC))
    dialer = Dialer(db, db.settings, fast_settings(), InMemoryCarrier(now=clock.now), clock=clock)
    assert dialer.tick().dialed == 1
    with db.session() as s:  # busy: its retry is still the call back the customer asked for
        redial = s.scalar(select(Attempt).where(Attempt.retry_of_id == aid))
        assert redial is not None
        apply_carrier_status(
            s, now=clock.now(), settings=fast_settings(), default_tz="Asia/Shanghai",
            sid=redial.carrier_sid, status="busy",
        )  # fmt: skip
        retry = s.scalar(select(Attempt).where(Attempt.retry_of_id == redial.id))
        assert retry is not None and retry.callback_asked_at == asked


def test_or_an_agent_task_when_the_campaign_says_so(db: Database) -> None:
    aid = _answered(db, "agent_task")
    asked = datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    with db.session() as s:
        record_finished_call(
            s, FinishedCall(aid, NOW + timedelta(minutes=2), grade="B", callback_at=asked)
        )
    with db.read() as s:
        task = s.scalar(select(FollowUpTask).where(FollowUpTask.call_sid == "CA-cb"))
        assert task is not None and task.callback_at == asked and task.status == "open"
        assert s.scalar(select(Attempt).where(Attempt.retry_of_id == aid)) is None
