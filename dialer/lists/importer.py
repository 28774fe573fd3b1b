"""Call-list import: messy bank exports in, customers and a per-row report out.

The whole import is one transaction (a failure leaves nothing half-written) and is keyed by
the file's bytes plus the options, so importing the same file twice changes nothing the
second time. Rows stream through in batches: memory stays flat on million-row files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from dialer.lists.columns import build_column_map
from dialer.lists.models import CallList, Customer, ListMember
from dialer.lists.readers import open_table
from dialer.lists.reasons import RowReason, reason
from dialer.lists.report import ReportWriter, RowOutcome
from dialer.lists.rowparse import ParsedRow, parsed_rows
from dialer.lists.suppression import KIND_LABELS, find_suppressed
from kernel.db import Database, bulk_insert, execute_many, reserve_ids, utcnow
from kernel.errors import InvalidInput
from kernel.privacy import mask_phone

Progress = Callable[[int, int], None]

CUSTOMERS = cast(Table, Customer.__table__)
MEMBERS = cast(Table, ListMember.__table__)
_EMPTY: dict[str, Any] = {
    "external_id": None,
    "name": None,
    "timezone": None,
    "star_level": None,
    "aum_band": None,
    "branch": None,
    "points": None,
    "tags": [],
    "attributes": {},
}
_COMPARED = (
    "name",
    "external_id",
    "star_level",
    "aum_band",
    "branch",
    "points",
    "tags",
    "timezone",
)
# One expanding parameter: rendered at execution, not as 5,000 bound parameters per batch.
_EXISTING = select(
    Customer.id,
    Customer.phone_e164,
    Customer.attributes,
    *(getattr(Customer, c) for c in _COMPARED),
).where(Customer.phone_e164.in_(bindparam("phones", expanding=True)))


@dataclass
class ImportSummary:
    list_id: int
    name: str
    filename: str
    format: str
    encoding: str
    total: int = 0
    accepted: int = 0
    merged: int = 0
    invalid: int = 0
    excluded: int = 0
    already_imported: bool = False
    report_dir: str = ""
    column_map: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Pending:
    line: int
    phone: str
    values: dict[str, Any]
    duplicates: list[int] = field(default_factory=list)


def _file_key(path: Path, options: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    h.update(json.dumps(options, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def summary_of(row: CallList, fmt: str = "") -> ImportSummary:
    return ImportSummary(
        list_id=row.id,
        name=row.name,
        filename=row.filename,
        format=fmt or ("xlsx" if row.encoding == "xlsx" else "csv"),
        encoding=row.encoding,
        total=row.total_rows,
        accepted=row.accepted,
        merged=row.merged,
        invalid=row.invalid,
        excluded=row.excluded,
        report_dir=row.report_dir,
        column_map=dict(row.column_map or {}),
    )


def import_call_list(
    db: Database,
    path: Path,
    *,
    name: str | None = None,
    encoding: str | None = None,
    overrides: Mapping[str, str] | None = None,
    region: str = "CN",
    reports_root: Path,
    progress: Progress | None = None,
    batch_size: int = 5000,
    original_filename: str | None = None,
    lawful_basis: str | None = None,
) -> ImportSummary:
    """Imports one file; raises InvalidInput (naming the line or column) on a broken file."""
    started = time.perf_counter()
    filename = original_filename or path.name
    options = {"encoding": encoding, "map": dict(overrides or {}), "region": region.upper()}
    key = _file_key(path, options)
    with db.read() as s:
        existing = s.scalar(select(CallList).where(CallList.sha256 == key))
    if existing is not None:
        summary = summary_of(existing)
        summary.already_imported = True
        return summary

    reader = open_table(path, encoding)
    tmp_dir = reports_root / f".import-{uuid.uuid4().hex}"
    final_dir: Path | None = None
    try:
        cmap = build_column_map(reader.headers, overrides)
        tmp_dir.mkdir(parents=True)
        with db.session() as s:
            call_list = CallList(
                name=name or Path(filename).stem,
                filename=filename[:255],
                sha256=key,
                encoding=reader.encoding,
                region=region.upper(),
                column_map=cmap.describe(),
                report_dir="",
                lawful_basis=lawful_basis,
            )
            s.add(call_list)
            s.flush()
            summary = ImportSummary(
                list_id=call_list.id,
                name=call_list.name,
                filename=call_list.filename,
                format=reader.format,
                encoding=reader.encoding,
                column_map=cmap.describe(),
            )
            with ReportWriter(tmp_dir) as report:
                run = _ImportRun(s, call_list.id, report, summary, batch_size)
                last_tick = 0.0
                rows = parsed_rows(reader.rows, cmap, region, reader.format == "csv")
                for row in rows:
                    run.add_row(row)
                    if progress is not None and (now := time.monotonic()) - last_tick > 0.2:
                        last_tick = now
                        progress(reader.position(), reader.size)
                run.flush()
                summary.seconds = round(time.perf_counter() - started, 3)
                report.finish(summary.to_dict())
            final_dir = reports_root / f"list-{call_list.id}"
            if final_dir.exists():
                shutil.rmtree(final_dir)
            tmp_dir.rename(final_dir)
            summary.report_dir = str(final_dir)
            call_list.report_dir = str(final_dir)
            call_list.total_rows = summary.total
            call_list.accepted = summary.accepted
            call_list.merged = summary.merged
            call_list.invalid = summary.invalid
            call_list.excluded = summary.excluded
        if progress is not None:
            progress(reader.size, reader.size)
        return summary
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        if final_dir is not None:
            shutil.rmtree(final_dir, ignore_errors=True)
        raise
    finally:
        reader.close()


class _ImportRun:
    """The row loop of one import, batching database work."""

    def __init__(
        self,
        session: Session,
        list_id: int,
        report: ReportWriter,
        summary: ImportSummary,
        batch_size: int,
    ) -> None:
        self.s = session
        self.conn = session.connection()
        self.list_id = list_id
        self.report = report
        self.summary = summary
        self.batch_size = batch_size
        # phone (as int) -> customer id, or -(line) while still pending, or 0 when excluded
        self.seen: dict[int, int] = {}
        self.first_line: dict[int, int] = {}
        self.excluded_reason: dict[int, RowReason] = {}
        self.batch: dict[int, _Pending] = {}
        self.late_updates: dict[int, dict[str, Any]] = {}

    def _outcome(
        self,
        line: int,
        outcome: str,
        why: RowReason | None = None,
        phone: str | None = None,
        customer_id: int | None = None,
    ) -> None:
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        self.report.write(RowOutcome(line, outcome, why, mask_phone(phone), customer_id))

    def add_row(self, row: ParsedRow) -> None:
        self.summary.total += 1
        line, phone, values = row.line, row.phone, row.values
        if values is None or phone is None:
            self._outcome(line, "invalid", row.error, phone)
            return
        key = int(phone[1:])
        if key in self.seen:
            self._merge_duplicate(line, key, phone, values)
            return
        self.seen[key] = -line
        self.first_line[key] = line
        self.batch[key] = _Pending(line, phone, values)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def _merge_duplicate(self, line: int, key: int, phone: str, values: dict[str, Any]) -> None:
        first = self.first_line[key]
        state = self.seen[key]
        if state == 0:
            self._outcome(line, "excluded", self.excluded_reason[key], phone)
            return
        if state < 0:  # first occurrence not stored yet: its outcome decides this one's
            _merge_into(self.batch[key].values, values)
            self.batch[key].duplicates.append(line)
        else:
            _merge_into(self.late_updates.setdefault(state, {}), values)
            self._outcome(line, "merged", _duplicate_of(first), phone, state)

    def flush(self) -> None:
        if self.batch:
            self._flush_batch()
        if self.late_updates:
            self._apply_late_updates()

    def _flush_batch(self) -> None:
        batch = list(self.batch.values())
        self.batch.clear()
        phones = [p.phone for p in batch]
        ext_ids = [p.values["external_id"] for p in batch if "external_id" in p.values]
        suppressed = find_suppressed(self.s, phones, ext_ids)
        existing = {row.phone_e164: row for row in self.s.execute(_EXISTING, {"phones": phones})}
        now = utcnow()
        new_rows: list[dict[str, Any]] = []
        new_pending: list[_Pending] = []
        members: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for p in batch:
            key = int(p.phone[1:])
            kind = suppressed.get(p.phone) or suppressed.get(p.values.get("external_id", ""))
            if kind:
                why = reason("suppressed", KIND_LABELS[kind], kind=kind)
                self.seen[key] = 0
                self.excluded_reason[key] = why
                self._outcome(p.line, "excluded", why, p.phone)
                for dup in p.duplicates:
                    self._outcome(dup, "excluded", why, p.phone)
                continue
            row = existing.get(p.phone)
            if row is None:
                new_rows.append({**_EMPTY, "phone_e164": p.phone, **p.values})
                new_pending.append(p)
                continue
            self.seen[key] = row.id
            changes = _changes(row._mapping, p.values)
            if changes:
                updates.append(_full_update(row.id, row._mapping, changes))
            self._outcome(p.line, "merged", _existing(changes), p.phone, row.id)
            members.append({"list_id": self.list_id, "customer_id": row.id, "line_no": p.line})
            self._duplicates_merged(p, row.id)
        self._write_updates(updates, now)
        if new_rows:
            ids = reserve_ids(self.conn, CUSTOMERS, len(new_rows))
            for cid, new, p in zip(ids, new_rows, new_pending, strict=True):
                new["id"] = cid
                self.seen[int(p.phone[1:])] = cid
                self._outcome(p.line, "accepted", None, p.phone, cid)
                members.append({"list_id": self.list_id, "customer_id": cid, "line_no": p.line})
                self._duplicates_merged(p, cid)
            bulk_insert(self.conn, CUSTOMERS, new_rows, same={"created_at": now, "updated_at": now})
        if members:
            bulk_insert(self.conn, MEMBERS, members)

    def _duplicates_merged(self, p: _Pending, customer_id: int) -> None:
        for dup in p.duplicates:
            self._outcome(dup, "merged", _duplicate_of(p.line), p.phone, customer_id)

    def _apply_late_updates(self) -> None:
        ids = list(self.late_updates)
        updates: list[dict[str, Any]] = []
        for start in range(0, len(ids), 5000):
            current = self.s.execute(
                select(
                    Customer.id, Customer.attributes, *(getattr(Customer, c) for c in _COMPARED)
                ).where(Customer.id.in_(ids[start : start + 5000]))
            )
            for row in current:
                changes = _changes(row._mapping, self.late_updates[row.id])
                if changes:
                    updates.append(_full_update(row.id, row._mapping, changes))
        self._write_updates(updates, utcnow())
        self.late_updates.clear()

    def _write_updates(self, updates: list[dict[str, Any]], now: datetime) -> None:
        """One executemany for a batch's changed customers (every column written)."""
        if not updates:
            return
        for u in updates:
            u["updated_at"] = now
        stmt = (
            update(CUSTOMERS)
            .where(CUSTOMERS.c.id == bindparam("_id"))
            .values({c: bindparam(c) for c in (*_COMPARED, "attributes", "updated_at")})
        )
        execute_many(self.conn, stmt, updates)


def _duplicate_of(first: int) -> RowReason:
    return reason("duplicate_of", f"duplicate of line {first}", line=first)


def _existing(changes: Mapping[str, Any]) -> RowReason:
    """A row of a stored customer: which of its fields the row changed."""
    changed = ", ".join(sorted(k for k in changes if k != "updated_at"))
    note = "existing customer" + (f", updated {changed}" if changed else "")
    return reason("existing_customer", note, fields=changed)


def _merge_into(target: dict[str, Any], values: Mapping[str, Any]) -> None:
    """Later non-empty values win; attributes merge key by key."""
    for k, v in values.items():
        if k == "attributes":
            target["attributes"] = {**target.get("attributes", {}), **v}
        else:
            target[k] = v


def _full_update(
    cid: int, current: Mapping[Any, Any], changes: Mapping[str, Any]
) -> dict[str, Any]:
    row = {c: current[c] for c in _COMPARED}
    row["attributes"] = current["attributes"] or {}
    row.update(changes)
    row["_id"] = cid
    return row


def _changes(current: Mapping[Any, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for k, v in values.items():
        if k == "attributes":
            merged = {**(current.get("attributes") or {}), **v}
            if merged != (current.get("attributes") or {}):
                changes["attributes"] = merged
        elif current.get(k) != v:
            changes[k] = v
    return changes


def reports_root_for(data_dir: Path) -> Path:
    root = data_dir / "reports" / "lists"
    root.mkdir(parents=True, exist_ok=True)
    return root


def ensure_readable(path: Path) -> None:
    if not path.is_file():
        raise InvalidInput(f"no such file: {path.name}", where="file")
