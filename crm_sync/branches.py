"""The branch directory: the bank's branches as data, for routing branch leads.

A lead the customer must be served in person goes to their branch. The customer row names
the branch as the bank's export does (a code or a name: 西安分行); the directory (code,
name, region, contact, phone) is imported from CSV (`tailcall branches import FILE`) and
``resolve`` finds a branch by either. A branch the directory does not know still gets its
lead, marked for assignment, never dropped.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel.db import Base
from kernel.errors import InvalidInput

SAMPLE_BRANCHES = Path(__file__).with_name("data") / "branches.sample.csv"
COLUMNS = ("code", "name", "region", "contact", "phone")


class Branch(Base):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    region: Mapped[str] = mapped_column(String(50), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


@dataclass(frozen=True)
class BranchImport:
    added: int
    updated: int


def import_branches(session: Session, data: bytes, source: str = "<branches>") -> BranchImport:
    """Add or update branches from CSV (header: code,name[,region,contact,phone]); all rows
    or none: the first bad row is an error naming its line and field."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source} is not UTF-8", where=f"{source}: byte {exc.start}") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("code", "name") if c not in header]
    if missing:
        raise InvalidInput(f"the header lacks {', '.join(missing)}", where=f"{source}: line 1")
    rows: dict[str, dict[str, str]] = {}
    for n, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        for field in ("code", "name"):
            if not row.get(field):
                raise InvalidInput(f"{field} is empty", where=f"{source}: line {n}, {field}")
        if len(row["code"]) > 32 or len(row["name"]) > 100:
            raise InvalidInput("too long", where=f"{source}: line {n}, code/name")
        if row["code"] in rows:
            raise InvalidInput(f"code {row['code']!r} twice", where=f"{source}: line {n}, code")
        rows[row["code"]] = row
    added = updated = 0
    for code, row in rows.items():
        b = session.scalar(select(Branch).where(Branch.code == code))
        if b is None:
            b = Branch(code=code)
            session.add(b)
            added += 1
        else:
            updated += 1
        b.name = row["name"]
        b.region = row.get("region", "")[:50]
        b.contact = row.get("contact", "")[:100]
        b.phone = row.get("phone", "")[:40]
    session.flush()
    return BranchImport(added, updated)


def resolve(session: Session, value: str | None) -> Branch | None:
    """The branch a customer row names, by code or by name; None when unknown or empty."""
    if not value or not value.strip():
        return None
    v = value.strip()
    return session.scalar(
        select(Branch).where(or_(Branch.code == v, Branch.name == v)).order_by(Branch.id).limit(1)
    )


def list_branches(session: Session) -> list[Branch]:
    return list(session.scalars(select(Branch).order_by(Branch.code)))
