"""CRM sync tables: leads, outbox events, deliveries and their attempts, dead letters,
connector endpoints, inbound event ids (dedupe) and won/lost labels for the scorer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")

LEAD_STATUSES = ("new", "sent", "accepted", "worked", "won", "lost")
DELIVERY_STATES = ("pending", "failed", "delivered", "dead")
ENDPOINT_KINDS = ("webhook", "file")


class Lead(Base):
    """A qualified outcome for the CRM or a branch; ``version`` grows with each change sent."""

    __tablename__ = "crm_leads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_id: Mapped[int] = mapped_column(BigId)
    attempt_id: Mapped[int | None] = mapped_column(BigId)
    campaign_id: Mapped[int | None] = mapped_column(BigId, index=True)
    customer_id: Mapped[int] = mapped_column(BigId, index=True)
    script_id: Mapped[str | None] = mapped_column(String(100))
    variant: Mapped[str | None] = mapped_column(String(50))
    # 'remote_center' or 'branch': who must act on it; branch leads carry the branch name.
    route: Mapped[str] = mapped_column(String(16))
    branch: Mapped[str | None] = mapped_column(String(100), index=True)
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str | None] = mapped_column(String(1))
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    disposition: Mapped[str] = mapped_column(String(40))
    handoff_result: Mapped[str | None] = mapped_column(String(40))
    agent_outcome: Mapped[str | None] = mapped_column(String(40))
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_action: Mapped[str] = mapped_column(String(200))
    transcript_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="new", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    call_ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("call_id", "route", name="uq_crm_leads_call_route"),)


class OutboxEvent(Base):
    """An event written in the same transaction as the outcome; fanned out to endpoints."""

    __tablename__ = "crm_outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    lead_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("crm_leads.id"))
    lead_version: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_crm_outbox_undispatched", "dispatched_at", "id"),)


class Endpoint(Base):
    """A connector target: a signed webhook URL or a file-export directory."""

    __tablename__ = "crm_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    url: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[str | None] = mapped_column(String(120))
    # file: {"directory": str, "formats": ["jsonl", "csv"], "timezone": "UTC"};
    # webhook: {"include_phone": bool}
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Delivery(Base):
    """One event to one endpoint: pending -> delivered, or failed (retrying) -> dead."""

    __tablename__ = "crm_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_outbox.id"))
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("crm_endpoints.id"))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(200))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("outbox_id", "endpoint_id", name="uq_crm_deliveries_event_endpoint"),
        Index("ix_crm_deliveries_due", "state", "next_attempt_at"),
        Index("ix_crm_deliveries_endpoint_state", "endpoint_id", "state"),
    )


class DeliveryAttempt(Base):
    """One try of a delivery: what the endpoint answered, or what went wrong."""

    __tablename__ = "crm_delivery_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_deliveries.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(12))
    error: Mapped[str | None] = mapped_column(String(200))
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class DeadLetter(Base):
    """A delivery that gave up; replay puts the delivery back to pending."""

    __tablename__ = "crm_dead_letters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_deliveries.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("crm_endpoints.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    last_status: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboundEvent(Base):
    """A webhook-id already received from the CRM (dedupe)."""

    __tablename__ = "crm_inbound_events"

    webhook_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Label(Base):
    """A won/lost result for a lead: training and calibration data for the intent scorer."""

    __tablename__ = "crm_labels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(BigId, ForeignKey("crm_leads.id"), unique=True)
    call_id: Mapped[int] = mapped_column(BigId, index=True)
    customer_id: Mapped[int] = mapped_column(BigId)
    campaign_id: Mapped[int | None] = mapped_column(BigId)
    script_id: Mapped[str | None] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(8))
    grade: Mapped[str | None] = mapped_column(String(1))
    score: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100))
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime())
