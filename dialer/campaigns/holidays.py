"""Holiday calendars: days off and make-up working days (China's 调休).

Pure: answering "is this local date a day off / a make-up workday / known at all". The
days come from the ``holidays`` library (maintained upstream: China's statutory holidays
and 调休 workdays as the State Council publishes them); the bank's own days are data in
the ``holiday_days`` table (``tailcall campaigns holidays load FILE``, YAML parsed here)
and replace the library's for the years they cover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import holidays
import yaml
from holidays.countries.china import ChinaStaticHolidays

from kernel.errors import InvalidInput

MAX_RANGE_DAYS = 60
CALENDAR_WARN_DAYS = 30  # warn this long before a calendar's known years end
# The years whose official 放假安排 (with 调休) the installed library carries.
CN_OFFICIAL_YEARS = frozenset(ChinaStaticHolidays.special_public_holidays)


@dataclass(frozen=True)
class HolidayEntry:
    day: date
    kind: str  # "off" | "work"
    name: str | None = None


@dataclass(frozen=True)
class HolidayCalendar:
    """Days off and make-up working days of one calendar (e.g. ``cn``), and the years it
    knows (None: every year). A day of a year it does not know is never an open day."""

    name: str
    off: frozenset[date] = field(default_factory=frozenset)
    work: frozenset[date] = field(default_factory=frozenset)
    known_years: frozenset[int] | None = None
    names: Mapping[date, str] = field(default_factory=dict)

    @classmethod
    def from_entries(
        cls, name: str, entries: Iterable[HolidayEntry], known_years: Iterable[int] | None = None
    ) -> HolidayCalendar:
        off: set[date] = set()
        work: set[date] = set()
        names: dict[date, str] = {}
        for e in entries:
            (off if e.kind == "off" else work).add(e.day)
            if e.name:
                names[e.day] = e.name
        known = frozenset(known_years) if known_years is not None else None
        return cls(name, frozenset(off), frozenset(work), known, names)

    def is_known(self, day: date) -> bool:
        return self.known_years is None or day.year in self.known_years

    def is_day_off(self, day: date) -> bool:
        return day in self.off

    def is_makeup_workday(self, day: date) -> bool:
        return day in self.work

    def with_overrides(self, entries: Sequence[HolidayEntry]) -> HolidayCalendar:
        """The bank's days (``holidays load``) replace this calendar's whole years; the
        years they cover become known."""
        years = {e.day.year for e in entries}
        kept = [
            HolidayEntry(d, kind, self.names.get(d))
            for kind, days in (("off", self.off), ("work", self.work))
            for d in days
            if d.year not in years
        ]
        known = None if self.known_years is None else self.known_years | years
        return HolidayCalendar.from_entries(self.name, [*kept, *entries], known)


EMPTY = HolidayCalendar(name="none")


def _as_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise InvalidInput("expected a date YYYY-MM-DD", where=where) from exc


def parse_calendar(text: str, *, source: str = "calendar") -> tuple[str, list[HolidayEntry]]:
    """Parse a holiday YAML document into (calendar name, entries); errors name the entry."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput("not valid YAML", where=source) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("calendar"), str):
        raise InvalidInput("missing 'calendar' name", where=source)
    years = doc.get("years")
    if not isinstance(years, dict):
        raise InvalidInput("missing 'years' mapping", where=f"{source}: years")
    entries: list[HolidayEntry] = []
    seen: dict[date, str] = {}
    for year, body in years.items():
        body = body or {}
        if not isinstance(body, dict):
            raise InvalidInput("expected holidays/workdays", where=f"{source}: years.{year}")
        for i, item in enumerate(body.get("holidays") or []):
            where = f"{source}: years.{year}.holidays[{i}]"
            if not isinstance(item, dict):
                raise InvalidInput("expected {from, to, name}", where=where)
            start = _as_date(item.get("from"), where + ".from")
            end = _as_date(item.get("to", item.get("from")), where + ".to")
            if end < start or (end - start).days > MAX_RANGE_DAYS:
                raise InvalidInput("bad date range", where=where)
            d = start
            while d <= end:
                entries.append(HolidayEntry(d, "off", item.get("name")))
                seen[d] = where
                d += timedelta(days=1)
        for i, item in enumerate(body.get("workdays") or []):
            where = f"{source}: years.{year}.workdays[{i}]"
            if not isinstance(item, dict):
                raise InvalidInput("expected {day, name}", where=where)
            d = _as_date(item.get("day"), where + ".day")
            if d in seen:
                raise InvalidInput("day is both off and a working day", where=where)
            entries.append(HolidayEntry(d, "work", item.get("name")))
    return str(doc["calendar"]), entries


def library_calendar(name: str, years: Iterable[int]) -> HolidayCalendar:
    """A country's calendar from the ``holidays`` library (``cn``: China's statutory
    holidays and 调休 make-up workdays) for ``years``.

    Weekend days joined to a holiday (the official 放假 periods run through them) are days
    off too, unless they are make-up workdays. Known years: for China, the years whose
    official schedule (with its 调休) the library carries; a later year's dates are only
    the library's estimate, so such a year is not known until the bank loads it.
    """
    code = name.upper()
    if code not in holidays.list_supported_countries():
        raise InvalidInput(f"no holiday calendar {name!r}", where="holiday_calendar")
    wanted = sorted(set(years))
    lang = "zh_CN" if code == "CN" else None
    lib = holidays.country_holidays(code, years=wanted, language=lang)
    workdays = {d for d in lib.weekend_workdays if d.year in wanted}
    entries = [HolidayEntry(d, "off", str(n)) for d, n in lib.items()]
    off = {e.day for e in entries}
    for d in sorted(off):
        for step in (1, -1):
            nxt = d + timedelta(days=step)
            while nxt.weekday() >= 5 and nxt not in workdays and nxt not in off:
                entries.append(HolidayEntry(nxt, "off", lib.get(d)))
                off.add(nxt)
                nxt += timedelta(days=step)
    entries += [HolidayEntry(d, "work", "调休" if lang else "workday") for d in workdays]
    known = set(CN_OFFICIAL_YEARS) if code == "CN" else set(wanted)
    return HolidayCalendar.from_entries(name, entries, known & set(wanted))


def packaged_calendar(name: str, years: Iterable[int] | None = None) -> HolidayCalendar:
    """The library's calendar for ``years`` (default: two years back to four ahead)."""
    this = date.today().year
    return _cached(name, tuple(years if years is not None else range(this - 2, this + 5)))


@lru_cache(maxsize=32)
def _cached(name: str, years: tuple[int, ...]) -> HolidayCalendar:
    return library_calendar(name, years)


LOAD_COMMAND = "tailcall campaigns holidays load FILE"


@dataclass(frozen=True)
class CalendarNotice:
    """A calendar whose known years end soon: from ``unknown_from`` no day is open to calls
    until the bank loads that year (``LOAD_COMMAND``)."""

    calendar: str
    known_through: date
    days_left: int  # days from today to ``unknown_from``

    @property
    def unknown_from(self) -> date:
        return self.known_through + timedelta(days=1)

    @property
    def year(self) -> int:
        return self.unknown_from.year

    def text(self) -> str:
        return (
            f"calendar_ends: the holiday calendar {self.calendar!r} is known through "
            f"{self.known_through.isoformat()}; from {self.unknown_from.isoformat()} (in "
            f"{self.days_left} days) no day is open to calls until the bank loads {self.year} "
            f"(the official 放假安排 with its 调休 days): {LOAD_COMMAND}"
        )


def calendar_notice(cal: HolidayCalendar, today: date, warn_days: int) -> CalendarNotice | None:
    """A notice when the run of known years from ``today``'s ends within ``warn_days``
    (None: far enough, every year known, or today's year already unknown, which is the
    campaign's ``calendar_unknown`` wait, not a warning)."""
    if cal.known_years is None or today.year not in cal.known_years:
        return None
    year = today.year
    while year + 1 in cal.known_years:
        year += 1
    last = date(year, 12, 31)
    days_left = (last - today).days + 1
    if days_left > warn_days:
        return None
    return CalendarNotice(cal.name, last, days_left)
