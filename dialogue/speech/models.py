"""Tables of what a call leaves behind: transcript rows, per-turn metrics, a summary.

Keyed by the carrier's call SID; ``attempt_id`` links a call to the dialer's attempt when
the dialer passed it (``customParameters.attemptId``), as a plain column: this package
does not reach into the dialer's tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dialogue.speech.search_terms import terms_text
from kernel.db import Base, UTCDateTime
from kernel.ddl import DialectDDL, register

_ID = BigInteger().with_variant(Integer, "sqlite")


def _terms_default(context: Any) -> str:
    return terms_text(context.get_current_parameters().get("text") or "")


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
    # the text's search terms (dialogue.speech.search_terms), indexed by FTS5 / GIN below;
    # computed on insert when the writer does not give them
    search_terms: Mapped[str] = mapped_column(Text, default=_terms_default)


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


TRANSCRIPTS: Table = CallTranscriptRow.__table__  # type: ignore[assignment]
FTS_TABLE = "call_transcript_fts"
GIN_INDEX = "ix_call_transcript_rows_terms"

# SQLite: an external-content FTS5 table over search_terms, kept by triggers (ascii
# tokenizer: terms are space-separated and every non-ASCII character is part of a term).
register(
    TRANSCRIPTS,
    DialectDDL(
        table="call_transcript_rows",
        dialect="sqlite",
        create=(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_terms, "
            "content='call_transcript_rows', content_rowid='id', tokenize='ascii')",
            f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON call_transcript_rows BEGIN "
            f"INSERT INTO {FTS_TABLE}(rowid, search_terms) VALUES (new.id, new.search_terms); END",
            f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON call_transcript_rows BEGIN "
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_terms) "
            "VALUES ('delete', old.id, old.search_terms); END",
            f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF search_terms ON call_transcript_rows "
            f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_terms) "
            "VALUES ('delete', old.id, old.search_terms); "
            f"INSERT INTO {FTS_TABLE}(rowid, search_terms) VALUES (new.id, new.search_terms); END",
        ),
        drop=(f"DROP TABLE IF EXISTS {FTS_TABLE}",),
        names=(FTS_TABLE,),
    ),
)
# PostgreSQL: a GIN index over the terms as an array; a query asks for a superset.
register(
    TRANSCRIPTS,
    DialectDDL(
        table="call_transcript_rows",
        dialect="postgresql",
        create=(
            f"CREATE INDEX {GIN_INDEX} ON call_transcript_rows "
            "USING gin (string_to_array(search_terms, ' '))",
        ),
        drop=(f"DROP INDEX IF EXISTS {GIN_INDEX}",),
        names=(GIN_INDEX,),
    ),
)
