"""The per-call compliance record: append-only and hash-chained.

Every dial adds a ``dial`` entry (the list's lawful basis, the eligibility decision with
the rule packs and their versions, the window, the script and its hash) and every
finished attempt an ``outcome`` entry (who or what answered, the outcome, the
disclosures played with their audio offsets, an opt-out and whether it was honoured).

Each entry's hash covers its content and the previous entry's hash, so changing,
removing or reordering any stored entry breaks the chain from there on: ``verify``
names the first entry that does not match. Entries are written in the caller's
transaction, serialised (PostgreSQL: an advisory lock; SQLite: every write transaction
begins IMMEDIATE), so the chain has no forks. Exports are per customer or per campaign,
with each entry's hash, for a complaint or a regulator.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from dialer.campaigns.models import ComplianceEntry
from dialer.lists.models import Customer

LEDGER_LOCK_KEY = 7_270_017  # pg advisory lock: one writer appends at a time
GENESIS = "0" * 64


def canonical(body: Mapping[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def entry_hash(
    prev: str,
    seq: int,
    at: datetime,
    kind: str,
    attempt_id: int | None,
    campaign_id: int | None,
    customer_id: int | None,
    body: str,
) -> str:
    """The hash of one entry (pure): its fields and the previous entry's hash."""
    head = canonical(
        {
            "prev": prev,
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "kind": kind,
            "attempt": attempt_id,
            "campaign": campaign_id,
            "customer": customer_id,
        }
    )
    return hashlib.sha256(f"{head}\n{body}".encode()).hexdigest()


def append(
    session: Session,
    kind: str,
    at: datetime,
    body: Mapping[str, Any],
    *,
    attempt_id: int | None = None,
    campaign_id: int | None = None,
    customer_id: int | None = None,
) -> ComplianceEntry:
    """Add an entry at the end of the chain, in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LEDGER_LOCK_KEY})
    last = session.execute(  # the chain's head only (an ORM result buffers every row)
        select(ComplianceEntry.seq, ComplianceEntry.hash)
        .order_by(ComplianceEntry.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last is not None else (1, GENESIS)
    text_body = canonical(body)
    row = ComplianceEntry(
        seq=seq,
        at=at,
        kind=kind,
        attempt_id=attempt_id,
        campaign_id=campaign_id,
        customer_id=customer_id,
        body=text_body,
        prev_hash=prev,
        hash=entry_hash(prev, seq, at, kind, attempt_id, campaign_id, customer_id, text_body),
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class Verification:
    entries: int
    broken_at: int | None = None  # the first entry's seq that does not match
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def check_chain(rows: Iterable[ComplianceEntry]) -> Verification:
    """Walk entries in ``seq`` order (pure): each must follow the previous one and hash to
    its stored hash."""
    prev, expect, n = GENESIS, 1, 0
    for r in rows:
        n += 1
        if r.seq != expect:
            return Verification(n, expect, f"entry {expect} is missing")
        if r.prev_hash != prev:
            return Verification(n, r.seq, "does not follow the entry before it")
        h = entry_hash(
            prev, r.seq, r.at, r.kind, r.attempt_id, r.campaign_id, r.customer_id, r.body
        )
        if h != r.hash:
            return Verification(n, r.seq, "its content does not match its hash")
        prev, expect = r.hash, expect + 1
    return Verification(n)


def verify(session: Session, batch: int = 5000) -> Verification:
    return check_chain(_all(session, batch))


def _all(session: Session, batch: int) -> Iterator[ComplianceEntry]:
    after = 0
    while True:
        rows = list(
            session.scalars(
                select(ComplianceEntry)
                .where(ComplianceEntry.seq > after)
                .order_by(ComplianceEntry.seq)
                .limit(batch)
            )
        )
        yield from rows
        if len(rows) < batch:
            return
        after = rows[-1].seq


def export(
    session: Session, *, customer_id: int | None = None, campaign_id: int | None = None
) -> list[dict[str, Any]]:
    """One customer's or one campaign's entries, in order, with their hashes."""
    q = select(ComplianceEntry).order_by(ComplianceEntry.seq)
    if customer_id is not None:
        q = q.where(ComplianceEntry.customer_id == customer_id)
    if campaign_id is not None:
        q = q.where(ComplianceEntry.campaign_id == campaign_id)
    return [
        {
            "seq": r.seq,
            "at": r.at.astimezone(UTC).isoformat(),
            "kind": r.kind,
            "attempt_id": r.attempt_id,
            "campaign_id": r.campaign_id,
            "customer_id": r.customer_id,
            "record": json.loads(r.body),
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        }
        for r in session.scalars(q)
    ]


def customer_of(session: Session, ref: str) -> int | None:
    """A customer's internal id from the bank's customer id, or from the internal id."""
    cid = session.scalar(select(Customer.id).where(Customer.external_id == ref))
    if cid is None and ref.isdigit():
        cid = session.scalar(select(Customer.id).where(Customer.id == int(ref)))
    return cid


EXPORT_COLUMNS = (
    "seq",
    "at",
    "kind",
    "attempt_id",
    "campaign_id",
    "customer_id",
    "record",
    "prev_hash",
    "hash",
)


def export_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """Exported entries as CSV (``EXPORT_COLUMNS``; the record as its canonical JSON, so
    a row's hash can be checked from the file)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(EXPORT_COLUMNS)
    for r in rows:
        w.writerow([canonical(r["record"]) if k == "record" else r[k] for k in EXPORT_COLUMNS])
    return buf.getvalue()
