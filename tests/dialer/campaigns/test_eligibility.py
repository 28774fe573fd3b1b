"""Eligibility: suppression lists, live calls, frequency caps, windows; reasons and retry times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.campaigns.eligibility import (
    SUPPRESSION_ORDER,
    ContactHistory,
    CustomerFacts,
    FrequencyCaps,
    decide,
)
from dialer.campaigns.holidays import EMPTY, packaged_calendar
from dialer.campaigns.windows import CallingWindow, ZoneSpec, window_reason

CN = packaged_calendar("cn")
NOW = datetime(2026, 5, 6, 3, 0, tzinfo=UTC)  # Wednesday 11:00 in Shanghai
SH = ZoneSpec(("Asia/Shanghai",))
OPEN = CallingWindow(
    weekdays=list(range(7)), hours=[(time(0), time(23, 59, 59))], holiday_calendar=None
)

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1), timezones=st.just(UTC)
)
zones = st.sampled_from(
    [
        SH,
        ZoneSpec(("America/New_York",)),
        ZoneSpec(("Europe/London",)),
        ZoneSpec(("Asia/Shanghai",), margin_min=60, known=False),
    ]
)


@st.composite
def facts(draw: st.DrawFn, at: datetime) -> CustomerFacts:
    offsets = st.floats(min_value=0, max_value=9 * 86400)
    dialed = [at - timedelta(seconds=s) for s in draw(st.lists(offsets, max_size=4))]
    connected = [t for t in dialed if draw(st.booleans())]
    return CustomerFacts(
        customer_id=1,
        zones=draw(zones),
        suppressions=frozenset(draw(st.sets(st.sampled_from(SUPPRESSION_ORDER), max_size=2))),
        in_live_call=draw(st.booleans()),
        history=ContactHistory(tuple(dialed), tuple(connected)),
    )


caps_st = st.builds(
    FrequencyCaps,
    max_connected=st.integers(0, 2),
    connected_period_days=st.integers(1, 7),
    max_attempts_per_day=st.integers(0, 3),
)
windows_st = st.sampled_from([OPEN, CallingWindow(), CallingWindow(weekdays=[5, 6])])


@settings(max_examples=400, deadline=None)
@given(data=st.data(), at=instants, caps=caps_st, window=windows_st)
def test_allowed_only_when_every_rule_allows(
    data: st.DataObject, at: datetime, caps: FrequencyCaps, window: CallingWindow
) -> None:
    f = data.draw(facts(at))
    cal = CN if window.holiday_calendar else EMPTY
    d = decide(f, window, cal, caps, at)
    if d.ok:
        assert not f.suppressions and not f.in_live_call
        assert window_reason(window, cal, f.zones, at) is None
        period = at - timedelta(days=caps.connected_period_days)
        assert sum(1 for t in f.history.connected if period < t <= at) < caps.max_connected
    elif f.suppressions:
        assert d.final and d.reason == next(k for k in SUPPRESSION_ORDER if k in f.suppressions)
    else:
        assert d.reason is not None


@settings(max_examples=300, deadline=None)
@given(data=st.data(), at=instants, caps=caps_st, window=windows_st)
def test_retry_time_clears_the_reason(
    data: st.DataObject, at: datetime, caps: FrequencyCaps, window: CallingWindow
) -> None:
    f = data.draw(facts(at))
    cal = CN if window.holiday_calendar else EMPTY
    d = decide(f, window, cal, caps, at)
    if d.ok or d.final or d.reason == "in_live_call":
        return
    assert d.retry_at is not None and d.retry_at > at
    later = decide(f, window, cal, caps, d.retry_at)
    assert later.reason != d.reason


def test_reason_codes() -> None:
    caps = FrequencyCaps()
    base = CustomerFacts(customer_id=1, zones=SH)
    assert decide(base, OPEN, EMPTY, caps, NOW).ok
    assert (
        decide(CustomerFacts(1, SH, frozenset({"staff", "dnc"})), OPEN, EMPTY, caps, NOW).reason
        == "dnc"
    )
    live = decide(CustomerFacts(1, SH, in_live_call=True), OPEN, EMPTY, caps, NOW)
    assert live.reason == "in_live_call" and not live.final
    yesterday = NOW - timedelta(days=1)
    capped = decide(
        CustomerFacts(1, SH, history=ContactHistory((yesterday,), (yesterday,))),
        OPEN,
        EMPTY,
        caps,
        NOW,
    )
    assert capped.reason == "cap_connected"
    assert capped.retry_at == yesterday + timedelta(days=7)
    two_today = ContactHistory((NOW - timedelta(hours=1), NOW - timedelta(hours=2)))
    daily = decide(CustomerFacts(1, SH, history=two_today), OPEN, EMPTY, caps, NOW)
    assert daily.reason == "cap_daily_attempts"
    assert daily.retry_at == datetime(2026, 5, 6, 16, 0, tzinfo=UTC)  # local midnight
    holiday = decide(base, CallingWindow(), CN, caps, datetime(2026, 10, 2, 3, tzinfo=UTC))
    assert holiday.reason == "holiday" and holiday.retry_at == datetime(2026, 10, 8, 1, tzinfo=UTC)
    never = CallingWindow(weekdays=[0], excluded_dates=[], hours=[(time(9), time(9, 30))])
    assert (
        decide(
            CustomerFacts(1, ZoneSpec(("Asia/Shanghai",), margin_min=60)), never, EMPTY, caps, NOW
        ).reason
        == "no_window"
    )
