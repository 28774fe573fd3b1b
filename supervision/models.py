"""Tables of the supervisor's workspace: one record per finished call, its QA flags, reviews.

``call_records`` is written with the finished call (``tailcall.outcomes``) from what the
conversation came to (grade, score, reasons, handoff result) and the attempt it belongs to
(campaign, variant, customer); the QA sweep (``supervision.qa_service``) adds the flags, the
agent and whether the call is sampled for review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UTCDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")
REVIEW_STATES = ("none", "queued", "reviewed")


class CallRecord(Base):
    """A finished call as the supervisor sees it (one per attempt that was answered)."""

    __tablename__ = "call_records"

    attempt_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    call_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    campaign_id: Mapped[int] = mapped_column(BigId)
    customer_id: Mapped[int] = mapped_column(BigId, index=True)
    phone_masked: Mapped[str] = mapped_column(String(24))
    branch: Mapped[str | None] = mapped_column(String(100))
    script_id: Mapped[str] = mapped_column(String(100))
    variant: Mapped[str | None] = mapped_column(String(50))
    answered_by: Mapped[str] = mapped_column(String(32))
    disposition: Mapped[str | None] = mapped_column(String(64))
    grade: Mapped[str | None] = mapped_column(String(1))
    score: Mapped[float | None] = mapped_column(Float)  # 0..1
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    # the score after each customer turn: [{"turn", "state", "score" (0..100), "grade",
    # "reasons"}] (live calls; empty when the conversation ran elsewhere)
    score_history: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    handoff_result: Mapped[str | None] = mapped_column(String(16))
    agent_id: Mapped[int | None] = mapped_column(Integer)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    leads: Mapped[int] = mapped_column(Integer, default=0)
    dialed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_s: Mapped[float | None] = mapped_column(Float)
    # quality checks: the flag codes (also rows of call_qa_flags, for filtering)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    qa_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_state: Mapped[str] = mapped_column(String(12), default="none")
    review_reason: Mapped[str | None] = mapped_column(String(32))  # "flagged" | "sampled"
    review_score: Mapped[float | None] = mapped_column(Float)

    __table_args__ = (
        Index("ix_call_records_campaign_dialed", "campaign_id", "dialed_at"),
        Index("ix_call_records_dialed", "dialed_at"),
        Index("ix_call_records_review", "review_state", "attempt_id"),
        Index("ix_call_records_qa_pending", "qa_at", "ended_at"),
    )


class CallFlag(Base):
    """One QA flag of one call: the rule and what it saw."""

    __tablename__ = "call_qa_flags"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(BigId, index=True)
    code: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(300), default="")
    # the same in a page's language: a message key and its values (supervision.flag_text)
    detail_key: Mapped[str] = mapped_column(String(32), default="")
    detail_args: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    at_s: Mapped[float | None] = mapped_column(Float)  # where in the call

    __table_args__ = (Index("ix_call_qa_flags_code", "code", "attempt_id"),)


class CallReview(Base):
    """A supervisor's review of a call: the checklist, a score and notes."""

    __tablename__ = "call_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(BigId, index=True)
    reviewer: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[float] = mapped_column(Float)
    notes: Mapped[str] = mapped_column(Text, default="")
