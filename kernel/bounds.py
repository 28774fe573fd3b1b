"""Bounds of the values that reach a database column from the wire.

A whole number from a request (a path id, a query offset, a list id in a body) must fit a
signed 64-bit column, or the database driver raises instead of answering "no such row".
Annotating it with these types makes validation refuse it first, naming the field (422).
A day from a request (a report's, a filter's) must leave its local midnight and the next
day's representable in any time zone (``date.max`` plus a day is an ``OverflowError``).
Console forms, which ignore a value they cannot read, use ``row_id`` and ``day``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from annotated_types import Interval

MAX_INT64 = 2**63 - 1

RowId = Annotated[int, Interval(ge=0, le=MAX_INT64)]
"""A row id (path, query or body): 0 .. 2**63-1."""

Count = Annotated[int, Interval(ge=0, le=MAX_INT64)]
"""An offset or a count that goes into a query."""

Int64 = Annotated[int, Interval(ge=-MAX_INT64 - 1, le=MAX_INT64)]
"""Any whole number stored in a 64-bit column."""

MIN_DAY = date(1970, 1, 1)
MAX_DAY = date(9998, 12, 31)

Day = Annotated[date, Interval(ge=MIN_DAY, le=MAX_DAY)]
"""A calendar day: 1970-01-01 .. 9998-12-31."""


def row_id(text: str | None) -> int | None:
    """``text`` as a row id (ASCII digits, at most 2**63-1), else None."""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    n = int(text)
    return n if n <= MAX_INT64 else None


def day(text: str | None) -> date | None:
    """``text`` as a ``Day`` (YYYY-MM-DD in range), else None."""
    try:
        d = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return d if d is not None and MIN_DAY <= d <= MAX_DAY else None
