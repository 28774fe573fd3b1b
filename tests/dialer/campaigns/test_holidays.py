"""Holidays from the ``holidays`` library with the bank's overrides; a year the calendar
does not know is never an open day: the campaign waits and the operator is told."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

import pytest

from dialer.campaigns.calendar_watch import CalendarWatch
from dialer.campaigns.calendars import store_calendar
from dialer.campaigns.eligibility import CustomerFacts, FrequencyCaps, decide
from dialer.campaigns.holidays import (
    CN_OFFICIAL_YEARS,
    HolidayEntry,
    calendar_notice,
    packaged_calendar,
)
from dialer.campaigns.models import Campaign
from dialer.campaigns.reports import campaign_status
from dialer.campaigns.service import create_campaign
from dialer.campaigns.windows import CallingWindow, ZoneSpec
from kernel.actors import Actor
from kernel.db import Database
from tests.dialer.conftest import add_customers, add_list, make_spec

WINDOW = CallingWindow(hours=[(time(9, 0), time(20, 0))], weekdays=list(range(7)))
FACTS = CustomerFacts(customer_id=1, zones=ZoneSpec(("Asia/Shanghai",)))
CAPS = FrequencyCaps(max_connected=5, max_attempts_per_day=5)


def test_china_2026_from_the_library_with_its_make_up_workdays() -> None:
    cn = packaged_calendar("cn", range(2025, 2028))
    # 春节 2026: 2月15日至23日放假 (weekends inside included), 2月14日、28日上班
    assert all(cn.is_day_off(date(2026, 2, d)) for d in range(15, 24))
    assert cn.is_makeup_workday(date(2026, 2, 14)) and cn.is_makeup_workday(date(2026, 2, 28))
    assert not cn.is_day_off(date(2026, 2, 24))
    assert cn.names[date(2026, 2, 17)] == "春节"


def test_new_year_2027_is_never_an_open_calling_day() -> None:
    cn = packaged_calendar("cn", range(2025, 2029))
    at = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai, a Friday
    d = decide(FACTS, WINDOW, cn, CAPS, at)
    assert not d.ok and d.reason in ("holiday", "calendar_unknown")
    assert not d.final  # the customer waits; nothing is skipped for good


def test_a_year_the_calendar_does_not_know_waits_until_the_bank_loads_it(db: Database) -> None:
    year = max(CN_OFFICIAL_YEARS) + 1  # the library's dates for it are only estimates
    cn = packaged_calendar("cn", range(year - 1, year + 2))
    at = datetime(year, 3, 10, 3, 0, tzinfo=UTC)  # an ordinary weekday morning
    d = decide(FACTS, WINDOW, cn, CAPS, at)
    assert (d.ok, d.reason, d.final) == (False, "calendar_unknown", False)
    assert d.retry_at is not None and d.retry_at > at
    loaded = cn.with_overrides([HolidayEntry(date(year, 1, 1), "off", "元旦")])
    assert decide(FACTS, WINDOW, loaded, CAPS, at).ok  # the bank vouched for the year
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        c = create_campaign(s, make_spec([cl.id], window=WINDOW.model_copy(
            update={"holiday_calendar": "cn"})), at, by=Actor.system("test"))  # fmt: skip
        waiting = campaign_status(s, c.id, at)["waiting"]
        assert waiting and waiting[0].startswith("calendar_unknown") and str(year) in waiting[0]
        store_calendar(s, "cn", [HolidayEntry(date(year, 1, 1), "off", "元旦")])
        assert campaign_status(s, c.id, at)["waiting"] == []
        assert s.get(Campaign, c.id) is not None


def test_the_end_of_the_known_calendar_is_told_a_month_ahead(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """Four weeks before the last known year ends, the status, the log (once a day) and
    the command to load the next year say so; the dates are never made up."""
    last = max(CN_OFFICIAL_YEARS)
    cn = packaged_calendar("cn", range(last - 1, last + 2))
    early = calendar_notice(cn, date(last, 11, 1), 30)
    assert early is None  # 61 days ahead: not yet
    n = calendar_notice(cn, date(last, 12, 4), 30)
    assert n is not None and (n.known_through, n.unknown_from) == (
        date(last, 12, 31),
        date(last + 1, 1, 1),
    )
    assert n.days_left == 28 and "tailcall campaigns holidays load" in n.text()
    loaded = cn.with_overrides([HolidayEntry(date(last + 1, 1, 1), "off", "元旦")])
    assert calendar_notice(loaded, date(last, 12, 4), 30) is None  # the bank loaded it
    at = datetime(last, 12, 4, 2, 0, tzinfo=UTC)
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        c = create_campaign(s, make_spec([cl.id], window=WINDOW.model_copy(
            update={"holiday_calendar": "cn"})), at, by=Actor.system("test"))  # fmt: skip
        st = campaign_status(s, c.id, at)
        assert st["waiting"] == []  # it still calls today
        assert len(st["warnings"]) == 1 and f"loads {last + 1}" in st["warnings"][0]
    watch = CalendarWatch(db, 30)
    with caplog.at_level(logging.WARNING, logger="dialer.campaigns.calendar_watch"):
        assert [x.calendar for x in watch.check(at)] == ["cn"]
        assert watch.check(at + timedelta(hours=3)) == []  # once a day
        assert len(watch.check(at + timedelta(days=1))) == 1
    assert sum("calendar_ends" in r.getMessage() for r in caplog.records) == 2
