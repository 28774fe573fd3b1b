"""The dial loop's daily look at the holiday calendars: a warning in the log, once a day
per calendar, while a calendar that a live campaign uses is about to run out of known
years (``holidays.calendar_notice``), so the bank loads the next year before its calls
stop on the first day of it."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.campaigns.calendars import load_calendars
from dialer.campaigns.holidays import CalendarNotice, calendar_notice
from dialer.campaigns.models import Campaign
from dialer.campaigns.stored import window_of
from kernel.db import Database

log = logging.getLogger(__name__)
LIVE = ("draft", "scheduled", "running", "paused")


def live_notices(session: Session, today: date, warn_days: int) -> list[CalendarNotice]:
    """A notice per holiday calendar of a campaign not yet ended whose known years end
    within ``warn_days``."""
    campaigns = session.scalars(select(Campaign).where(Campaign.status.in_(LIVE))).all()
    names = {n for c in campaigns if (n := window_of(c).holiday_calendar)}
    calendars = load_calendars(session, names)
    found = (calendar_notice(calendars[n], today, warn_days) for n in sorted(names))
    return [n for n in found if n is not None]


class CalendarWatch:
    def __init__(self, db: Database, warn_days: int) -> None:
        self.db = db
        self.warn_days = warn_days
        self._checked: date | None = None

    def check(self, now: datetime) -> list[CalendarNotice]:
        """The notices logged now (at most one look a day)."""
        today = now.date()
        if self._checked == today:
            return []
        self._checked = today
        with self.db.read() as s:
            notices = live_notices(s, today, self.warn_days)
        for n in notices:
            log.warning(n.text(), extra={"calendar": n.calendar, "days_left": n.days_left})
        return notices
