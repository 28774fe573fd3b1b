"""The holiday calendars in effect: the ``holidays`` library's, with the bank's days from
the ``holiday_days`` table replacing the library's for the years they cover."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dialer.campaigns.holidays import EMPTY, HolidayCalendar, HolidayEntry, packaged_calendar
from dialer.campaigns.models import HolidayDay


def load_calendars(session: Session, names: Iterable[str]) -> dict[str, HolidayCalendar]:
    """Each calendar: the library's, overridden by the bank's stored years."""
    out: dict[str, HolidayCalendar] = {}
    for name in set(names):
        rows = session.execute(
            select(HolidayDay.day, HolidayDay.kind, HolidayDay.name).where(
                HolidayDay.calendar == name
            )
        ).all()
        base = packaged_calendar(name)
        out[name] = base.with_overrides([HolidayEntry(d, k, n) for d, k, n in rows])
    return out


def calendar_for(session: Session, name: str | None) -> HolidayCalendar:
    if not name:
        return EMPTY
    return load_calendars(session, [name])[name]


def store_calendar(
    session: Session, name: str, entries: Sequence[HolidayEntry], *, replace_years: bool = True
) -> int:
    """Upsert a calendar's days; the years present in ``entries`` are replaced whole."""
    years = {e.day.year for e in entries}
    if replace_years:
        for y in years:
            session.execute(
                delete(HolidayDay).where(
                    HolidayDay.calendar == name,
                    HolidayDay.day >= datetime(y, 1, 1).date(),
                    HolidayDay.day <= datetime(y, 12, 31).date(),
                )
            )
    for e in entries:
        session.add(HolidayDay(calendar=name, day=e.day, kind=e.kind, name=e.name))
    session.flush()
    return len(entries)
