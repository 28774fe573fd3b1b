"""Calling windows in the customer's local time (pure, DST-safe).

A window is weekdays + local hour ranges + excluded dates + an optional holiday calendar.
It is evaluated on the local *wall clock* of every candidate zone of the customer: when the
zone is uncertain (a number spanning several zones) the call must be allowed in all of
them; when it is unknown, the default zone is used with the hour ranges narrowed by a
safety margin. That is "the most conservative window".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers import timezone as pn_tz
from phonenumbers.tzdata import TIMEZONE_DATA
from pydantic import BaseModel, Field, field_validator, model_validator

from dialer.campaigns.holidays import EMPTY, HolidayCalendar

UNKNOWN_ZONE_MARGIN_MIN = 60
CALENDAR_UNKNOWN = "calendar_unknown"
_BASE_DAY = date(2000, 1, 2)


class CallingWindow(BaseModel):
    """A campaign's calling window (local time of the customer)."""

    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], description="0=Mon")
    hours: list[tuple[time, time]] = Field(
        default_factory=lambda: [(time(9, 0), time(12, 0)), (time(14, 0), time(20, 0))]
    )
    excluded_dates: list[date] = Field(default_factory=list)
    holiday_calendar: str | None = "cn"

    @field_validator("weekdays")
    @classmethod
    def _weekdays(cls, v: list[int]) -> list[int]:
        if any(d < 0 or d > 6 for d in v):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return sorted(set(v))

    @model_validator(mode="after")
    def _ranges(self) -> CallingWindow:
        for i, (a, b) in enumerate(self.hours):
            if not a < b:
                raise ValueError(f"hours[{i}]: start must be before end (same day)")
        return self


@dataclass(frozen=True)
class ZoneSpec:
    """Where a customer may be: every zone must be in the window; margin narrows the hours."""

    zones: tuple[str, ...]
    margin_min: int = 0
    known: bool = True


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def valid_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=1024)
def _single_country_zone(prefix: str) -> str | None:
    """The zone of a calling code whose whole country has one zone (e.g. 86 -> Shanghai)."""

    if not prefix.isdigit() or int(prefix) not in COUNTRY_CODE_TO_REGION_CODE:
        return None
    zones = TIMEZONE_DATA.get(prefix)
    if zones and len(zones) == 1 and valid_zone(zones[0]):
        return str(zones[0])
    return None


@lru_cache(maxsize=65536)
def _phone_zones(phone_e164: str) -> tuple[str, ...]:

    if phone_e164.startswith("+"):
        # Fast path (no parsing): numbers are stored validated, and a country with a
        # single zone maps every valid number to it.
        for n in (1, 2, 3):
            only = _single_country_zone(phone_e164[1 : 1 + n])
            if only:
                return (only,)
    try:
        num = phonenumbers.parse(phone_e164, None)
    except phonenumbers.NumberParseException:
        return ()
    zones = tuple(z for z in pn_tz.time_zones_for_number(num) if valid_zone(z))
    return zones


def resolve_zones(
    customer_tz: str | None,
    phone_e164: str | None,
    default_tz: str,
    *,
    unknown_margin_min: int = UNKNOWN_ZONE_MARGIN_MIN,
) -> ZoneSpec:
    """The customer's zone: their own, else from the number, else the default with a margin."""
    if valid_zone(customer_tz):
        assert customer_tz is not None
        return ZoneSpec((customer_tz,))
    if phone_e164:
        zones = _phone_zones(phone_e164)
        if zones:
            return ZoneSpec(zones)
    return ZoneSpec((default_tz,), margin_min=unknown_margin_min, known=False)


def _day_reason(w: CallingWindow, cal: HolidayCalendar, d: date) -> str | None:
    if not cal.is_known(d):
        return CALENDAR_UNKNOWN  # a year the holiday calendar does not know: never open
    if d in w.excluded_dates:
        return "excluded_date"
    if cal.is_day_off(d):
        return "holiday"
    if cal.is_makeup_workday(d):
        return None
    if d.weekday() not in w.weekdays:
        return "closed_day"
    return None


def _ranges(w: CallingWindow, margin_min: int) -> list[tuple[time, time]]:
    if not margin_min:
        return list(w.hours)
    out = []
    m = timedelta(minutes=margin_min)
    for a, b in w.hours:
        a2 = (datetime.combine(_BASE_DAY, a) + m).time()
        b2 = (datetime.combine(_BASE_DAY, b) - m).time()
        if a < a2 < b2 < b:
            out.append((a2, b2))
    return out


def local_reason(
    w: CallingWindow, cal: HolidayCalendar, local: datetime, margin_min: int = 0
) -> str | None:
    """Why a local wall-clock moment is outside the window, or None when inside."""
    reason = _day_reason(w, cal, local.date())
    if reason:
        return reason
    t = local.time().replace(tzinfo=None)
    for a, b in _ranges(w, margin_min):
        if a <= t < b:
            return None
    return "outside_hours"


def window_reason(
    w: CallingWindow, cal: HolidayCalendar, spec: ZoneSpec, at: datetime
) -> str | None:
    """Why ``at`` (aware) is outside the window in any of the customer's zones, or None."""
    for name in spec.zones:
        reason = local_reason(w, cal, at.astimezone(zone(name)), spec.margin_min)
        if reason:
            return reason
    return None


def _first_true(lo: int, hi: int, pred: Callable[[int], bool]) -> int:
    """The smallest whole second in (lo, hi] where ``pred`` holds (pred(hi) must hold)."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _ts(t: datetime) -> int:
    return int(t.timestamp())


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _local_start_utc(d: date, t: time, tz: ZoneInfo) -> datetime:
    """The first UTC instant whose local wall time on day ``d`` is at or after ``t``."""
    naive = datetime.combine(d, t)
    early = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    late = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if early.astimezone(tz).replace(tzinfo=None) == naive:
        return early  # exists (for an ambiguous time, fold=0 is the first occurrence)
    # In a DST gap: the wall clock jumps over t; the jump is the first instant after it.
    lo, hi = _ts(min(early, late)), _ts(max(early, late))
    return _utc(_first_true(lo, hi, lambda x: _utc(x).astimezone(tz).replace(tzinfo=None) >= naive))


def _transitions(tz: ZoneInfo, start: datetime, days: int) -> list[datetime]:
    """UTC instants in the next ``days`` days where the zone's offset changes (DST)."""
    out = []
    prev = start
    for i in range(1, days + 1):
        cur = start + timedelta(days=i)
        before = prev.astimezone(tz).utcoffset()
        if before != cur.astimezone(tz).utcoffset():
            out.append(_utc(_first_true(_ts(prev), _ts(cur), _offset_differs(tz, before))))
        prev = cur
    return out


def _offset_differs(tz: ZoneInfo, before: timedelta | None) -> Callable[[int], bool]:
    return lambda x: _utc(x).astimezone(tz).utcoffset() != before


def next_open(
    w: CallingWindow,
    cal: HolidayCalendar,
    spec: ZoneSpec,
    at: datetime,
    *,
    horizon_days: int = 45,
) -> datetime | None:
    """The earliest instant >= ``at`` when the window is open in every zone (None: never)."""
    if window_reason(w, cal, spec, at) is None:
        return at
    ranges = _ranges(w, spec.margin_min)
    if not ranges:
        return None
    candidates: list[datetime] = []
    for name in spec.zones:
        tz = zone(name)
        first = at.astimezone(tz).date()
        for i in range(horizon_days + 1):
            d = first + timedelta(days=i)
            if _day_reason(w, cal, d):
                continue
            for a, _b in ranges:
                c = _local_start_utc(d, a, tz)
                if c > at:
                    candidates.append(c)
        # Falling back can re-enter a range without crossing its start.
        candidates += [t for t in _transitions(tz, at, horizon_days + 1) if t > at]
    for c in sorted(set(candidates)):
        if window_reason(w, cal, spec, c) is None:
            return c
    return None


def local_midnight_after(at: datetime, zone_name: str) -> datetime:
    """The start of the next local day (UTC), DST-safe."""
    tz = zone(zone_name)
    d = at.astimezone(tz).date() + timedelta(days=1)
    return _local_start_utc(d, time(0, 0), tz)


def calendar_for(name: str | None, loaded: dict[str, HolidayCalendar]) -> HolidayCalendar:
    if not name:
        return EMPTY
    return loaded.get(name, EMPTY)
