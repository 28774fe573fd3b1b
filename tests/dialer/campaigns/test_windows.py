"""Calling windows: local wall clock in IANA zones, DST, holidays, unknown zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.campaigns.holidays import EMPTY, HolidayCalendar, packaged_calendar
from dialer.campaigns.windows import (
    CallingWindow,
    ZoneSpec,
    local_midnight_after,
    next_open,
    resolve_zones,
    window_reason,
    zone,
)

ZONES = [
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Pacific/Chatham",
]
CN = packaged_calendar("cn")

# Instants concentrated around DST transitions of several zones (2025-2026).
TRANSITIONS = [
    datetime(2026, 3, 8, 7, tzinfo=UTC),
    datetime(2026, 11, 1, 6, tzinfo=UTC),
    datetime(2026, 3, 29, 1, tzinfo=UTC),
    datetime(2026, 10, 25, 1, tzinfo=UTC),
    datetime(2026, 4, 4, 16, tzinfo=UTC),
    datetime(2026, 10, 3, 16, tzinfo=UTC),
]
instants = st.one_of(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
    ),
    st.builds(
        lambda base, m: base + timedelta(minutes=m),
        st.sampled_from(TRANSITIONS),
        st.integers(-36 * 60, 36 * 60),
    ),
)
hours = st.tuples(st.integers(0, 22), st.integers(0, 59), st.integers(1, 6)).map(
    lambda t: (time(t[0], t[1]), time(min(23, t[0] + t[2]), 59))
)
windows = st.builds(
    lambda wd, hs, cal: CallingWindow(weekdays=wd, hours=hs, holiday_calendar=cal),
    st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True),
    st.lists(hours, min_size=1, max_size=2),
    st.sampled_from([None, "cn"]),
)
specs = st.builds(
    lambda zs, m: ZoneSpec(tuple(zs), margin_min=m),
    st.lists(st.sampled_from(ZONES), min_size=1, max_size=2, unique=True),
    st.sampled_from([0, 0, 30, 60]),
)


def _cal(w: CallingWindow) -> HolidayCalendar:
    return CN if w.holiday_calendar else EMPTY


@settings(max_examples=300, deadline=None)
@given(w=windows, spec=specs, at=instants)
def test_open_means_inside_hours_on_an_open_day_in_every_zone(
    w: CallingWindow, spec: ZoneSpec, at: datetime
) -> None:
    if window_reason(w, _cal(w), spec, at) is not None:
        return
    for name in spec.zones:
        local = at.astimezone(zone(name))
        m = timedelta(minutes=spec.margin_min)
        t = local.replace(tzinfo=None)
        assert any(
            datetime.combine(t.date(), a) + m <= t < datetime.combine(t.date(), b) - m
            for a, b in w.hours
        )
        d = local.date()
        assert d not in CN.off if w.holiday_calendar else True
        assert d.weekday() in w.weekdays or (w.holiday_calendar and d in CN.work)


@settings(max_examples=200, deadline=None)
@given(w=windows, spec=specs, at=instants)
def test_next_open_is_open_and_nothing_earlier_is(
    w: CallingWindow, spec: ZoneSpec, at: datetime
) -> None:
    cal = _cal(w)
    nxt = next_open(w, cal, spec, at, horizon_days=20)
    if nxt is None:
        return
    assert nxt >= at
    assert window_reason(w, cal, spec, nxt) is None
    if nxt > at:
        # Closed one second before, and at sampled points in between.
        assert window_reason(w, cal, spec, nxt - timedelta(seconds=1)) is not None
        step = (nxt - at) / 40
        for i in range(40):
            assert window_reason(w, cal, spec, at + step * i) is not None


def test_spring_forward_gap_opens_at_the_jump() -> None:
    # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    w = CallingWindow(
        weekdays=list(range(7)), hours=[(time(2, 30), time(4, 0))], holiday_calendar=None
    )
    spec = ZoneSpec(("America/New_York",))
    at = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    assert next_open(w, EMPTY, spec, at) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_fall_back_hour_is_in_window_twice() -> None:
    w = CallingWindow(
        weekdays=list(range(7)), hours=[(time(1, 0), time(2, 0))], holiday_calendar=None
    )
    spec = ZoneSpec(("America/New_York",))
    # 2026-11-01 01:30 EDT (05:30Z) and 01:30 EST (06:30Z) are both inside.
    assert window_reason(w, EMPTY, spec, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)) is None
    assert window_reason(w, EMPTY, spec, datetime(2026, 11, 1, 6, 30, tzinfo=UTC)) is None
    assert window_reason(w, EMPTY, spec, datetime(2026, 11, 1, 7, 30, tzinfo=UTC)) is not None


def test_china_holidays_and_makeup_workdays() -> None:
    w = CallingWindow()  # Mon-Fri 09-12, 14-20, calendar cn
    spec = ZoneSpec(("Asia/Shanghai",))
    national_day = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)  # Thursday 10:00 local
    assert window_reason(w, CN, spec, national_day) == "holiday"
    makeup_saturday = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
    assert window_reason(w, CN, spec, makeup_saturday) is None
    plain_saturday = datetime(2026, 10, 17, 2, 0, tzinfo=UTC)
    assert window_reason(w, CN, spec, plain_saturday) == "closed_day"
    # After the Oct 1-7 holiday the next opening is Thursday Oct 8 09:00 local.
    assert next_open(w, CN, spec, national_day) == datetime(2026, 10, 8, 1, 0, tzinfo=UTC)
    lunch = datetime(2026, 10, 8, 4, 30, tzinfo=UTC)
    assert window_reason(w, CN, spec, lunch) == "outside_hours"
    excluded = w.model_copy(update={"excluded_dates": [date(2026, 10, 8)]})
    assert window_reason(excluded, CN, spec, lunch) == "excluded_date"


def test_zone_resolution_and_conservative_fallback() -> None:
    assert resolve_zones("Europe/London", "+8613800000000", "Asia/Shanghai").zones == (
        "Europe/London",
    )
    from_phone = resolve_zones(None, "+12125550123", "Asia/Shanghai")
    assert from_phone.zones == ("America/New_York",) and from_phone.known
    unknown = resolve_zones("Mars/Olympus", "garbage", "Asia/Shanghai")
    assert not unknown.known and unknown.margin_min == 60
    w = CallingWindow(weekdays=list(range(7)), hours=[(time(9), time(20))], holiday_calendar=None)
    at_0930 = datetime(2026, 5, 6, 1, 30, tzinfo=UTC)
    assert window_reason(w, EMPTY, resolve_zones("Asia/Shanghai", None, "UTC"), at_0930) is None
    assert window_reason(w, EMPTY, unknown, at_0930) == "outside_hours"
    assert next_open(w, EMPTY, unknown, at_0930) == datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def test_several_zones_must_all_be_open() -> None:
    w = CallingWindow(weekdays=list(range(7)), hours=[(time(9), time(20))], holiday_calendar=None)
    spec = ZoneSpec(("America/New_York", "America/Los_Angeles"))
    at = datetime(2026, 5, 6, 14, 0, tzinfo=UTC)  # 10:00 NY, 07:00 LA
    assert window_reason(w, EMPTY, spec, at) == "outside_hours"
    assert next_open(w, EMPTY, spec, at) == datetime(2026, 5, 6, 16, 0, tzinfo=UTC)


def test_local_midnight_after_is_dst_safe() -> None:
    at = datetime(2026, 3, 28, 12, tzinfo=UTC)
    nxt = local_midnight_after(at, "Europe/London")
    assert nxt.astimezone(zone("Europe/London")).replace(tzinfo=None) == datetime(2026, 3, 29)
