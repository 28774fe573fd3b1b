"""Holiday calendars as data: days off and make-up working days (China's 调休).

Pure: parsing YAML text and answering "is this local date a day off / a make-up workday".
The packaged China calendar is ``dialer/data/holidays_cn.yaml``; the bank loads updates
into the ``holiday_days`` table with ``tailcall campaigns holidays load``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from kernel.errors import InvalidInput

DATA_DIR = Path(__file__).with_name("data")
MAX_RANGE_DAYS = 60


@dataclass(frozen=True)
class HolidayEntry:
    day: date
    kind: str  # "off" | "work"
    name: str | None = None


@dataclass(frozen=True)
class HolidayCalendar:
    """Days off and make-up working days of one calendar (e.g. ``cn``)."""

    name: str
    off: frozenset[date] = field(default_factory=frozenset)
    work: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_entries(cls, name: str, entries: Iterable[HolidayEntry]) -> HolidayCalendar:
        off: set[date] = set()
        work: set[date] = set()
        for e in entries:
            (off if e.kind == "off" else work).add(e.day)
        return cls(name=name, off=frozenset(off), work=frozenset(work))

    def is_day_off(self, day: date) -> bool:
        return day in self.off

    def is_makeup_workday(self, day: date) -> bool:
        return day in self.work


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


def packaged_calendar(name: str) -> HolidayCalendar:
    """The calendar shipped with tailcall (``dialer/data/holidays_<name>.yaml``)."""
    path = DATA_DIR / f"holidays_{name}.yaml"
    if not path.exists():
        raise InvalidInput(f"no packaged holiday calendar {name!r}", where="holiday_calendar")
    cal_name, entries = parse_calendar(path.read_text(encoding="utf-8"), source=path.name)
    return HolidayCalendar.from_entries(cal_name, entries)
