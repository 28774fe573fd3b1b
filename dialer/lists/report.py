"""The per-row import report: every row's outcome, saved as CSV and JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from dialer.lists.reasons import RowReason, params_of

OUTCOMES = ("accepted", "merged", "invalid", "excluded")
CSV_NAME = "report.csv"
JSON_NAME = "report.json"
_PROBLEMS_NAME = ".problems.jsonl"
COLUMNS = ("line", "outcome", "reason", "code", "params", "phone", "customer_id")


@dataclass(frozen=True, slots=True)
class RowOutcome:
    line: int
    outcome: str
    why: RowReason | None  # None for an accepted row
    phone: str  # masked
    customer_id: int | None

    def fields(self) -> dict[str, Any]:
        """The report's columns: the English reason, its code and parameters (JSON)."""
        w = self.why
        return {
            "line": self.line,
            "outcome": self.outcome,
            "reason": w.message if w else "",
            "code": w.code if w else "",
            "params": w.params_json() if w else "",
            "phone": self.phone,
            "customer_id": self.customer_id,
        }


class ReportWriter:
    """Streams outcomes to report.csv; non-accepted rows also go to report.json."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._csv_fh: IO[str] = (directory / CSV_NAME).open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._csv_fh)
        self._csv.writerow(COLUMNS)
        self._problems: IO[str] = (directory / _PROBLEMS_NAME).open("w", encoding="utf-8")

    def write(self, row: RowOutcome) -> None:
        cols = row.fields()
        self._csv.writerow([cols[c] if cols[c] is not None else "" for c in COLUMNS])
        if row.outcome != "accepted":
            problem = {**cols, "params": row.why.params if row.why else {}}
            self._problems.write(json.dumps(problem, ensure_ascii=False) + "\n")

    def finish(self, summary: dict[str, Any]) -> None:
        """Writes report.json: the summary and every row that was not accepted."""
        self._problems.close()
        with (self.dir / JSON_NAME).open("w", encoding="utf-8") as out:
            head = json.dumps({"summary": summary}, ensure_ascii=False)[:-1]
            out.write(head + ', "rows": [')
            with (self.dir / _PROBLEMS_NAME).open(encoding="utf-8") as src:
                for i, line in enumerate(src):
                    out.write(("," if i else "") + "\n" + line.rstrip("\n"))
            out.write("\n]}\n")
        (self.dir / _PROBLEMS_NAME).unlink()

    def close(self) -> None:
        self._csv_fh.close()
        if not self._problems.closed:
            self._problems.close()

    def __enter__(self) -> ReportWriter:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def read_rows(
    directory: Path, outcome: str | None = None, offset: int = 0, limit: int = 100
) -> Iterator[dict[str, Any]]:
    """Reads rows back from report.csv, filtered by outcome, paged."""
    path = directory / CSV_NAME
    if not path.exists():
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        skipped = 0
        given = 0
        for rec in csv.DictReader(fh):
            if outcome and rec["outcome"] != outcome:
                continue
            if skipped < offset:
                skipped += 1
                continue
            if given >= limit:
                return
            given += 1
            yield {
                "line": int(rec["line"]),
                "outcome": rec["outcome"],
                "reason": rec["reason"],
                "code": rec.get("code") or "",
                "params": params_of(rec.get("params") or ""),
                "phone": rec["phone"],
                "customer_id": int(rec["customer_id"]) if rec["customer_id"] else None,
            }
