"""Turning one call-list row into a phone number and customer values (pure).

Parsing is the CPU-heavy half of an import; for big files it runs in a worker process
(``parsed_rows(..., workers=1)``) while the importing process does the database work.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any

from dialer.columns import ColumnMap
from dialer.fields import FieldError, customer_values
from dialer.phones import PhoneNormalizer

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class ParsedRow:
    line: int
    phone: str | None  # E.164, also set on some invalid rows so reports can show it masked
    values: dict[str, Any] | None  # None when the row is invalid
    error: str | None = None


class RowParser:
    def __init__(self, cmap: ColumnMap, region: str, strict_width: bool) -> None:
        self.cmap = cmap
        self.normalizer = PhoneNormalizer(region)
        self.strict_width = strict_width
        self.ncols = len(cmap.headers)

    def parse(self, line: int, cells: list[str]) -> ParsedRow:
        if not any(c.strip() for c in cells):
            return ParsedRow(line, None, None, "empty row")
        if self.strict_width and len(cells) != self.ncols:
            return ParsedRow(
                line, None, None, f"broken row: {len(cells)} cells, the header has {self.ncols}"
            )
        raw = {f: (cells[i] if i < len(cells) else "") for f, i in self.cmap.fields.items()}
        result = self.normalizer.normalize(raw.pop("phone"))
        if result.e164 is None:
            return ParsedRow(line, None, None, f"phone: {result.reason}")
        try:
            values = customer_values(raw)
        except FieldError as exc:
            return ParsedRow(line, result.e164, None, str(exc))
        extra = {
            name: cells[i].strip()
            for name, i in self.cmap.attributes.items()
            if i < len(cells) and cells[i].strip()
        }
        if extra:
            values["attributes"] = {**values.get("attributes", {}), **extra}
        return ParsedRow(line, result.e164, values)

    def parse_chunk(self, rows: list[tuple[int, list[str]]]) -> list[ParsedRow]:
        return [self.parse(line, cells) for line, cells in rows]


_worker_parser: RowParser | None = None


def _init_worker(cmap: ColumnMap, region: str, strict_width: bool) -> None:
    global _worker_parser
    _worker_parser = RowParser(cmap, region, strict_width)


def _parse_in_worker(rows: list[tuple[int, list[str]]]) -> list[ParsedRow]:
    assert _worker_parser is not None
    return _worker_parser.parse_chunk(rows)


def _chunks(rows: Iterable[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    it = iter(rows)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def parsed_rows(
    rows: Iterable[tuple[int, list[str]]],
    cmap: ColumnMap,
    region: str,
    strict_width: bool,
    workers: int = 0,
) -> Iterator[ParsedRow]:
    """Parses rows in order; with ``workers`` > 0 the parsing runs in that many processes,
    a few chunks ahead of the consumer."""
    if workers <= 0:
        parser = RowParser(cmap, region, strict_width)
        for line, cells in rows:
            yield parser.parse(line, cells)
        return
    ctx = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init_worker, initargs=(cmap, region, strict_width)
    ) as pool:
        pending = []
        chunks = _chunks(rows)
        for chunk in chunks:
            pending.append(pool.submit(_parse_in_worker, chunk))
            if len(pending) > 2 * workers + 2:
                yield from pending.pop(0).result()
        for fut in pending:
            yield from fut.result()
