"""Tables of what a call leaves behind: transcript rows, per-turn metrics, a summary.

Keyed by the carrier's call SID; ``attempt_id`` links a call to the dialer's attempt when
the dialer passed it (``customParameters.attemptId``), as a plain column: this package
does not reach into the dialer's tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UTCDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")


class CallTranscriptRow(Base):
    """One turn of one speaker (customer, bot or agent)."""

    __tablename__ = "call_transcript_rows"
    __table_args__ = (UniqueConstraint("call_sid", "seq"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    attempt_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    seq: Mapped[int] = mapped_column(Integer)  # order within the call
    speaker: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float)
    start_s: Mapped[float] = mapped_column(Float)  # seconds from the answer
    end_s: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(128))
    matched: Mapped[str | None] = mapped_column(Text)  # accepted grammar phrase
    prompt_id: Mapped[str | None] = mapped_column(String(128))


class CallTurnMetric(Base):
    """Latencies of one customer turn."""

    __tablename__ = "call_turn_metrics"
    __table_args__ = (UniqueConstraint("call_sid", "seq"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    attempt_id: Mapped[int | None] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(128))
    speech_end_s: Mapped[float] = mapped_column(Float)
    asr_final_latency_s: Mapped[float] = mapped_column(Float)
    response_latency_s: Mapped[float | None] = mapped_column(Float)
    tts_s: Mapped[float | None] = mapped_column(Float)
    accepted: Mapped[bool] = mapped_column(Boolean)


class CallSummaryRow(Base):
    """How a call ended."""

    __tablename__ = "call_summaries"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    attempt_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    disposition: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    greeting_latency_s: Mapped[float | None] = mapped_column(Float)
    final_state: Mapped[str] = mapped_column(String(128))
    turns: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(128))
    recording_path: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
