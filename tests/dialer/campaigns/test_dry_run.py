"""The dry run's arithmetic: a sample scaled to the audience, the calling time and when
the window lets it end, and the spec's digest (the same saved as unsaved)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from dialer.campaigns import service
from dialer.campaigns.dry_run import (
    calling_seconds,
    estimate_duration,
    retry_tail_s,
    scale,
    spec_digest,
    walk_window,
)
from dialer.campaigns.holidays import HolidayCalendar
from dialer.campaigns.retries import RetryPolicy, RetryRule
from dialer.campaigns.stored import spec_of
from dialer.campaigns.windows import CallingWindow
from kernel.actors import Actor
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, make_spec

SH = "Asia/Shanghai"
NONE = HolidayCalendar(name="none")
OFFICE = CallingWindow(
    weekdays=[0, 1, 2, 3, 4], hours=[(time(9), time(12)), (time(14), time(20))],
    holiday_calendar=None,
)  # fmt: skip


def _sh(day: int, hour: int, minute: int = 0) -> datetime:
    """March 2026 in Shanghai (the 6th is a Friday), as UTC."""
    return datetime(2026, 3, day, hour - 8, minute, tzinfo=UTC)


def test_scale_rounds_each_count() -> None:
    assert scale({"dialed": 47, "leads": 3, "none": 0}, 1.5) == {
        "dialed": 70,
        "leads": 4,
        "none": 0,
    }
    assert scale({"dialed": 200}, 1.0) == {"dialed": 200}


def test_calling_seconds_is_the_tighter_of_lines_and_rate() -> None:
    # 1,000 dials of 60 s on 10 lines: 6,000 s; at 2 a second only 500 s
    assert calling_seconds(1000, 60.0, 10, 2.0) == (6000.0, "lines")
    # short calls on many lines: the rate holds it back
    assert calling_seconds(1000, 10.0, 100, 1.0) == (1000.0, "rate")


def test_walking_the_window_skips_nights_lunch_and_weekends() -> None:
    # Friday 19:00 with 2 hours of calling: 1 h on Friday, then Monday 09:00-10:00
    assert walk_window(OFFICE, NONE, SH, _sh(6, 19), 2 * 3600) == _sh(9, 10)
    # Monday 11:00 with 2 hours: 11-12, lunch, 14-15
    assert walk_window(OFFICE, NONE, SH, _sh(9, 11), 2 * 3600) == _sh(9, 15)
    # Saturday night and nothing to do: the next opening
    assert walk_window(OFFICE, NONE, SH, _sh(7, 22), 0) == _sh(9, 9)
    # a holiday calendar's day off is skipped like a weekend
    off = HolidayCalendar(name="x", off=frozenset({datetime(2026, 3, 9).date()}))
    assert walk_window(OFFICE, off, SH, _sh(6, 19), 2 * 3600) == _sh(10, 10)
    never = CallingWindow(weekdays=[], hours=[(time(9), time(10))], holiday_calendar=None)
    assert walk_window(never, NONE, SH, _sh(6, 9), 60) is None


def test_estimate_adds_the_last_retry_delay_in_the_window() -> None:
    policy = RetryPolicy(rules={"no_answer": RetryRule(max_retries=1, delay_minutes=120)})
    tail = retry_tail_s(policy, {"no_answer": 5, "answered": 9, "busy": 0})
    assert tail == 7200.0
    e = estimate_duration(
        window=OFFICE, calendar=NONE, zone_name=SH, start=_sh(6, 18), dials=100,
        line_s_per_dial=72.0, lines=2, cps=1.0, tail_s=tail,
    )  # fmt: skip
    # 100 x 72 s on 2 lines = 3,600 s: Friday 18:00-19:00, the retries from 21:00 wait
    # for Monday 09:00 and take one more call's time
    assert (e.calling_s, e.limited_by) == (3600.0, "lines")
    assert e.ends_at == _sh(9, 9) + timedelta(seconds=72)
    assert e.calendar_days == 4  # Friday to Monday


def test_a_saved_spec_has_the_digest_of_the_form_it_came_from(db: Database) -> None:
    start = datetime(2026, 4, 1, 9, 30, tzinfo=UTC).astimezone(datetime.now().astimezone().tzinfo)
    with db.session() as s:
        cl = add_list(s, add_customers(s, 3))
        spec = make_spec([cl.id], name="积分提醒", start_at=start)
        c = service.create_campaign(
            s, spec, datetime(2026, 3, 1, tzinfo=UTC), by=Actor.system("test")
        )
        assert spec_digest(spec_of(c)) == spec_digest(spec)
        assert spec_digest(spec.model_copy(update={"name": "other"})) != spec_digest(spec)
