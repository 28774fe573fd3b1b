"""Turning one call-list row into a phone number and customer values (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from dialer.lists.columns import ColumnMap
from dialer.lists.fields import FieldError, customer_values
from dialer.lists.phones import PhoneNormalizer
from dialer.lists.reasons import RowReason, reason


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    phone: str | None  # E.164, also set on some invalid rows so reports can show it masked
    values: dict[str, Any] | None  # None when the row is invalid
    error: RowReason | None = None


class RowParser:
    def __init__(self, cmap: ColumnMap, region: str, strict_width: bool) -> None:
        self.cmap = cmap
        self.normalizer = PhoneNormalizer(region)
        self.strict_width = strict_width
        self.ncols = len(cmap.headers)

    def parse(self, line: int, cells: list[str]) -> ParsedRow:
        if not any(c.strip() for c in cells):
            return ParsedRow(line, None, None, reason("empty_row", "empty row"))
        if self.strict_width and len(cells) != self.ncols:
            message = f"broken row: {len(cells)} cells, the header has {self.ncols}"
            broken = reason("broken_row", message, cells=len(cells), expected=self.ncols)
            return ParsedRow(line, None, None, broken)
        raw = {f: (cells[i] if i < len(cells) else "") for f, i in self.cmap.fields.items()}
        result = self.normalizer.normalize(raw.pop("phone"))
        if result.e164 is None:
            return ParsedRow(line, None, None, result.row_reason())
        try:
            values = customer_values(raw)
        except FieldError as exc:
            return ParsedRow(line, result.e164, None, exc.reason)
        extra = {
            name: cells[i].strip()
            for name, i in self.cmap.attributes.items()
            if i < len(cells) and cells[i].strip()
        }
        if extra:
            values["attributes"] = {**values.get("attributes", {}), **extra}
        return ParsedRow(line, result.e164, values)


def parsed_rows(
    rows: Iterable[tuple[int, list[str]]], cmap: ColumnMap, region: str, strict_width: bool
) -> Iterator[ParsedRow]:
    """Parses rows in order."""
    parser = RowParser(cmap, region, strict_width)
    for line, cells in rows:
        yield parser.parse(line, cells)
