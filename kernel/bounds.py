"""Bounds of the values that reach a database column from the wire.

A whole number from a request (a path id, a query offset, a list id in a body) must fit a
signed 64-bit column, or the database driver raises instead of answering "no such row".
Annotating it with these types makes validation refuse it first, naming the field (422).
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

MAX_INT64 = 2**63 - 1

RowId = Annotated[int, Interval(ge=0, le=MAX_INT64)]
"""A row id (path, query or body): 0 .. 2**63-1."""

Count = Annotated[int, Interval(ge=0, le=MAX_INT64)]
"""An offset or a count that goes into a query."""

Int64 = Annotated[int, Interval(ge=-MAX_INT64 - 1, le=MAX_INT64)]
"""Any whole number stored in a 64-bit column."""
