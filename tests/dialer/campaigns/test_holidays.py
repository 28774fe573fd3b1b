"""Holidays from the ``holidays`` library with the bank's overrides; a year the calendar
does not know is never an open day: the campaign waits and the operator is told."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from dialer.campaigns.calendars import store_calendar
from dialer.campaigns.eligibility import CustomerFacts, FrequencyCaps, decide
from dialer.campaigns.holidays import CN_OFFICIAL_YEARS, HolidayEntry, packaged_calendar
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
