"""Dialer tables: customers, imported call lists and their members, suppression lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UTCDateTime, utcnow


class Customer(Base):
    """A person the bank may call; the phone number (E.164) is the natural key."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    phone_e164: Mapped[str] = mapped_column(String(20), unique=True)
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)
    name: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    star_level: Mapped[int | None] = mapped_column(Integer)
    aum_band: Mapped[str | None] = mapped_column(String(32))
    branch: Mapped[str | None] = mapped_column(String(100), index=True)
    points: Mapped[int | None] = mapped_column(BigInteger)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CallList(Base):
    """One imported file; counts summarise the per-row report saved beside it."""

    __tablename__ = "call_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    encoding: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(2))
    column_map: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    merged: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    excluded: Mapped[int] = mapped_column(Integer, default=0)
    report_dir: Mapped[str] = mapped_column(Text)
    # why the bank may call these customers (consent, an existing relationship, ...):
    # written into every dial's compliance record
    lawful_basis: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ListMember(Base):
    """A customer's membership of a list (an audience for campaigns)."""

    __tablename__ = "list_members"

    list_id: Mapped[int] = mapped_column(
        ForeignKey("call_lists.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("customers.id", ondelete="CASCADE"),
        primary_key=True,
    )
    line_no: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_list_members_customer", "customer_id"),)


SUPPRESSION_KINDS = ("dnc", "opt_out", "blacklist", "staff")


class Suppression(Base):
    """An entry on a do-not-call, opt-out, blacklist or staff list, by phone or customer id."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    phone_e164: Mapped[str | None] = mapped_column(String(20), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "phone_e164", name="uq_suppressions_kind_phone"),
        UniqueConstraint("kind", "external_id", name="uq_suppressions_kind_external"),
    )
