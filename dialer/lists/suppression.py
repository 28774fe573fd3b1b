"""Do-not-call, opt-out, blacklist and internal-staff lists: entries by phone or customer id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dialer.lists.columns import find_column
from dialer.lists.models import SUPPRESSION_KINDS, Suppression
from dialer.lists.phones import PhoneNormalizer
from dialer.lists.readers import open_table
from kernel.db import Database, rows_in
from kernel.errors import InvalidInput

KIND_LABELS = {
    "dnc": "on the do-not-call list",
    "opt_out": "opted out",
    "blacklist": "on the blacklist",
    "staff": "internal staff",
}

# A phone or customer id on several lists is reported by the strongest reason first.
_PRIORITY = {"opt_out": 0, "dnc": 1, "blacklist": 2, "staff": 3}


def check_kind(kind: str) -> str:
    if kind not in SUPPRESSION_KINDS:
        raise InvalidInput(
            f"unknown list {kind!r}; use one of {', '.join(SUPPRESSION_KINDS)}", where="kind"
        )
    return kind


@dataclass(frozen=True, slots=True)
class SuppressionEntry:
    phone_e164: str | None
    external_id: str | None
    reason: str | None = None


def add_suppressions(
    session: Session, kind: str, entries: Iterable[SuppressionEntry], source: str
) -> int:
    """Inserts entries, skipping ones already on that list; returns how many were new."""
    check_kind(kind)
    rows = [
        {
            "kind": kind,
            "phone_e164": e.phone_e164,
            "external_id": e.external_id,
            "reason": (e.reason or None) and e.reason[:200],
            "source": source[:100],
        }
        for e in entries
        if e.phone_e164 or e.external_id
    ]
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    added = 0
    for start in range(0, len(rows), 2000):
        stmt = insert(Suppression).on_conflict_do_nothing().returning(Suppression.id)
        added += len(session.execute(stmt, rows[start : start + 2000]).all())
    return added


def remove_suppression(
    session: Session, kind: str, *, phone_e164: str | None = None, external_id: str | None = None
) -> int:
    check_kind(kind)
    if not phone_e164 and not external_id:
        raise InvalidInput("give a phone number or a customer id", where="entry")
    conds = []
    if phone_e164:
        conds.append(Suppression.phone_e164 == phone_e164)
    if external_id:
        conds.append(Suppression.external_id == external_id)
    result = session.execute(delete(Suppression).where(Suppression.kind == kind, or_(*conds)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_BY_PHONE = "SELECT kind, phone_e164, external_id FROM suppressions WHERE phone_e164 IN ({in})"
_BY_ID = "SELECT kind, phone_e164, external_id FROM suppressions WHERE external_id IN ({in})"


def find_suppressed(
    session: Session, phones: Sequence[str], external_ids: Sequence[str] = ()
) -> dict[str, str]:
    """Maps each suppressed phone or customer id (as given) to its strongest list kind."""
    found: dict[str, str] = {}
    for start in range(0, max(len(phones), len(external_ids)), 5000):
        p = list(phones[start : start + 5000])
        x = list(external_ids[start : start + 5000])
        if not p and not x:
            continue
        conn = session.connection()
        rows = rows_in(conn, _BY_PHONE, p) + rows_in(conn, _BY_ID, x)
        for kind, phone, ext in rows:
            for key in (phone, ext):
                if key is None:
                    continue
                if key not in found or _PRIORITY[kind] < _PRIORITY[found[key]]:
                    found[key] = kind
    return found


def counts(session: Session) -> dict[str, int]:
    q = select(Suppression.kind, func.count()).group_by(Suppression.kind)
    out = dict.fromkeys(SUPPRESSION_KINDS, 0)
    out.update({k: int(n) for k, n in session.execute(q)})
    return out


@dataclass
class SuppressionImport:
    kind: str
    total: int = 0
    added: int = 0
    already: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)


def import_suppression_file(
    db: Database,
    kind: str,
    path: Path,
    *,
    source: str | None = None,
    encoding: str | None = None,
    region: str = "CN",
    reason: str | None = None,
) -> SuppressionImport:
    """Imports a list file (phone and/or customer-id columns) in one transaction."""
    check_kind(kind)
    reader = open_table(path, encoding)
    report = SuppressionImport(kind=kind)
    try:
        headers = reader.headers
        phone_idx = find_column(headers, "phone")
        ext_idx = find_column(headers, "external_id")
        if phone_idx is None and ext_idx is None:
            raise InvalidInput(
                "no phone or customer-id column found", where="header row", headers=headers
            )
        reason_idx = next(
            (i for i, h in enumerate(headers) if h.strip().lower() in ("reason", "原因", "备注")),
            None,
        )
        normalizer = PhoneNormalizer(region)
        entries: list[SuppressionEntry] = []
        for line, cells in reader.rows:
            report.total += 1
            phone_raw = _cell(cells, phone_idx)
            ext = _cell(cells, ext_idx)
            phone: str | None = None
            if phone_raw:
                result = normalizer.normalize(phone_raw)
                if not result.ok:
                    report.invalid.append((line, f"phone: {result.reason}"))
                    continue
                phone = result.e164
            if not phone and not ext:
                report.invalid.append((line, "no phone number or customer id"))
                continue
            why = _cell(cells, reason_idx) or reason
            entries.append(SuppressionEntry(phone, ext or None, why))
    finally:
        reader.close()
    with db.session() as s:
        report.added = add_suppressions(s, kind, entries, source or f"file:{path.name}")
    report.already = len(entries) - report.added
    return report


def _cell(cells: list[str], idx: int | None) -> str:
    return cells[idx].strip() if idx is not None and idx < len(cells) else ""
