"""Dialer tables: campaigns, attempts, skips, holidays, the compliance record, heartbeats.

Uniqueness that matters for safety is enforced by the database, not by code: a partial
unique index allows one *live* attempt per customer and one per phone number, on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.claims import LeaseColumns
from kernel.db import Base, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")

CAMPAIGN_STATES = ("draft", "scheduled", "running", "paused", "completed", "cancelled")

# Attempt states. "queued" waits for its due time; the live states hold a phone line (or
# might: "dialing" is the committed dial intent, "review" an ambiguous one a human must
# resolve) and are unique per customer and per number; the rest are final.
LIVE_STATES = ("dialing", "ringing", "in_progress", "review")
FINAL_STATES = ("ended", "skipped", "cancelled")
ATTEMPT_STATES = ("queued", *LIVE_STATES, *FINAL_STATES)

# Literal predicates (not bound parameters) so PostgreSQL can match the partial indexes.
LIVE_SQL = "status IN ('dialing', 'ringing', 'in_progress', 'review')"
LEASED_SQL = "status = 'queued' AND lease_until IS NOT NULL"


class Campaign(Base):
    """One outbound campaign; its policies are JSON documents validated by pydantic."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    script_id: Mapped[str] = mapped_column(String(100))
    # the script's language (shipped scripts are one file per id and language)
    language: Mapped[str] = mapped_column(String(16), default="zh-CN")
    caller_id: Mapped[str] = mapped_column(String(20))
    # [{"name": "A", "weight": 1, "script_id": optional}]
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # {"list_ids": [...], "filter": {...}}
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    window: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pacing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    retry_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    live_handoff: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_skill: Mapped[str | None] = mapped_column(String(50))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # calls run without speech (a text-mode simulation): launched without a speech model
    text_only: Mapped[bool] = mapped_column(Boolean, default=False)

    # dialer.campaigns.policy.CompliancePolicy
    compliance: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The approved script version the campaign started with (scripts.versions).
    script_version: Mapped[str | None] = mapped_column(String(20))
    script_digest: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# The funnel's categories and the timestamps it counts (``dashboard.funnel_by_variant``).
FUNNEL_GROUP = (
    "variant",
    "status",
    "answered_by",
    "grade",
    "disposition",
    "handoff_result",
    "opted_out",
)
FUNNEL_COUNTED = ("dialed_at", "answered_at", "handoff_requested_at")


class Attempt(Base):
    """One dial of one customer in one campaign; a retry is a new row pointing at its parent."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    phone_e164: Mapped[str] = mapped_column(String(20))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    retry_of_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("attempts.id"))
    variant: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default="queued")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Outcome timestamps.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dialed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ringing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    carrier_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    carrier_status: Mapped[str | None] = mapped_column(String(32))
    # busy | no_answer | powered_off | invalid | failed | answered | voicemail | ...
    outcome: Mapped[str | None] = mapped_column(String(32))
    answered_by: Mapped[str | None] = mapped_column(String(32))  # human|voicemail|announcement
    disposition: Mapped[str | None] = mapped_column(String(64))
    # What the call's first audio said (dialogue.speech.answering): a machine's outcome
    # (voicemail, sit, powered_off, invalid, suspended, out_of_area, restricted) and what
    # was recognised; it wins over the carrier's SIP code when the call ends.
    heard_outcome: Mapped[str | None] = mapped_column(String(32))
    heard_label: Mapped[str | None] = mapped_column(String(64))
    grade: Mapped[str | None] = mapped_column(String(1))  # the scorer's A/B/C/D at the end
    handoff_result: Mapped[str | None] = mapped_column(String(16))  # kernel.vocab.HandoffResult
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    duration_s: Mapped[float | None] = mapped_column(Float)
    handoff_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(200))
    # An agent-first call back: the console agent waiting for this call, and the
    # follow-up task it works (the media endpoint connects the agent when answered).
    agent_id: Mapped[int | None] = mapped_column(Integer)
    follow_up_id: Mapped[int | None] = mapped_column(Integer)
    # A redial the customer asked for ("call me back at ..."): the time they asked; the
    # marketing caps do not apply to it (the window and the carriers' rules do).
    callback_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the call's media stream was admitted (dialer.campaigns.streams): once per attempt.
    media_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The script file's digest when this attempt was dialed (what the bot spoke).
    script_digest: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_attempts_claim", "campaign_id", "status", "due_at"),
        Index("ix_attempts_customer_dialed", "customer_id", "dialed_at"),
        # rates; covers the campaign's series (dashboard.series reads no table row)
        Index(
            "ix_attempts_campaign_dialed",
            "campaign_id",
            "dialed_at",
            "answered_at",
            "answered_by",
            "grade",
        ),
        # covers the campaign's funnel, in the order dashboard.funnel_by_variant groups by,
        # so SQLite streams the groups from the index: no table row, no sort
        Index("ix_attempts_funnel", "campaign_id", *FUNNEL_GROUP, *FUNNEL_COUNTED),
        Index(
            "ix_attempts_leased_campaign",
            "campaign_id",
            "lease_until",
            sqlite_where=text(LEASED_SQL),
            postgresql_where=text(LEASED_SQL),
        ),
        Index(
            "uq_attempts_live_customer",
            "customer_id",
            unique=True,
            sqlite_where=text(LIVE_SQL),
            postgresql_where=text(LIVE_SQL),
        ),
        Index(
            "uq_attempts_live_phone",
            "phone_e164",
            unique=True,
            sqlite_where=text(LIVE_SQL),
            postgresql_where=text(LIVE_SQL),
        ),
    )


class SkipRecord(Base):
    """Why a customer was not dialed (at audience build or at claim time)."""

    __tablename__ = "attempt_skips"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId)
    attempt_id: Mapped[int | None] = mapped_column(BigId)
    # a reason code, or the rule that said no: <pack>:<rule id>@<version>
    reason: Mapped[str] = mapped_column(String(120))
    final: Mapped[bool] = mapped_column(Boolean, default=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index("ix_attempt_skips_campaign_reason", "campaign_id", "reason"),)


class HolidayDay(Base):
    """One day of a holiday calendar: a day off, or a make-up working day."""

    __tablename__ = "holiday_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))  # "off" | "work"
    name: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("calendar", "day", name="uq_holiday_days_calendar_day"),)


class ComplianceEntry(Base):
    """One entry of the per-call compliance record (``dialer.campaigns.ledger``):
    append-only, each entry's hash covering its content and the previous hash."""

    __tablename__ = "compliance_ledger"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(16))  # dial | outcome
    attempt_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    customer_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class WorkerHeartbeat(Base):
    """The last sign of life of a worker process; the reaper trusts only stale ones."""

    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime())


# The attempts table, typed for the generic claim helpers.
ATTEMPTS: Table = Attempt.__table__  # type: ignore[assignment]
LIVE_CALL_STATES = ("dialing", "ringing", "in_progress")  # a call is placed and not over
ATTEMPT_LEASE = LeaseColumns(ATTEMPTS)  # the dial claim and the live call's watchdog


class DryRun(Base):
    """One dry run of a campaign spec against the simulator (``dialer.campaigns.dry_run``):
    who asked, when, for which spec (its digest, and the campaign when it was saved), its
    progress while it runs and the expected funnel when it is done."""

    __tablename__ = "campaign_dry_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    spec_digest: Mapped[str] = mapped_column(String(64), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="queued")  # running|done|failed
    sample: Mapped[int] = mapped_column(Integer)  # the most customers to simulate
    done: Mapped[int] = mapped_column(Integer, default=0)  # customers settled so far
    total: Mapped[int] = mapped_column(Integer, default=0)  # customers in the sample
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # DryRunResult
    error: Mapped[str | None] = mapped_column(Text)
