"""DbCallRecorder on SQLite and PostgreSQL: batched per call, written off the loop."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import dialogue.speech.models  # noqa: F401
from dialogue.speech.db_recorder import DbCallRecorder
from dialogue.speech.models import CallSummaryRow, CallTranscriptRow, CallTurnMetric
from dialogue.speech.records import CallSummary, TranscriptRow, TurnMetrics
from kernel.db import Database


def _row(i: int, speaker: str = "customer") -> TranscriptRow:
    return TranscriptRow(speaker, f"말 {i}", 0.9, float(i), i + 0.5, "greet")  # type: ignore[arg-type]


def _summary() -> CallSummary:
    return CallSummary("not_interested", 12.5, 0.05, "end", 2, recording_path="/r/CA1.wav")


def _check(db: Database) -> None:
    rec = DbCallRecorder(db, batch_rows=3, flush_s=60)
    rec.bind("CA1", 42)
    for i in range(4):  # 3 rows make a batch: written before the call ends
        rec.transcript("CA1", _row(i))
    rec.turn("CA1", TurnMetrics("greet", 1.5, 0.2, 0.3, 0.01, True))
    rec.transcript("CA2", _row(0, "bot"))
    assert rec.drain()
    with db.read() as s:
        written = s.scalars(select(CallTranscriptRow).where(CallTranscriptRow.call_sid == "CA1"))
        assert len(written.all()) == 4  # the batch of 3, then the rest on drain
    rec.ended("CA1", _summary())
    rec.ended("CA1", _summary())  # a second summary for the same call is ignored
    rec.close()
    with db.read() as s:
        rows = s.scalars(
            select(CallTranscriptRow)
            .where(CallTranscriptRow.call_sid == "CA1")
            .order_by(CallTranscriptRow.seq)
        ).all()
        assert [r.seq for r in rows] == [0, 1, 2, 3]
        assert [r.text for r in rows] == ["말 0", "말 1", "말 2", "말 3"]
        assert {r.attempt_id for r in rows} == {42}
        turns = s.scalars(select(CallTurnMetric)).all()
        assert [(t.call_sid, t.seq, t.accepted) for t in turns] == [("CA1", 0, True)]
        summary = s.get(CallSummaryRow, "CA1")
        assert summary is not None
        assert summary.disposition == "not_interested" and summary.attempt_id == 42
        assert summary.recording_path == "/r/CA1.wav"
        # CA2 never ended: its rows were still written by close()
        ca2 = s.scalars(select(CallTranscriptRow).where(CallTranscriptRow.call_sid == "CA2")).all()
        assert [r.speaker for r in ca2] == ["bot"]
    assert rec.failures == 0


def test_records_calls_on_sqlite(db: Database) -> None:
    _check(db)


@pytest.mark.pg
def test_records_calls_on_postgres(pg_db: Database) -> None:
    _check(pg_db)


def test_a_failed_write_is_retried_with_the_next_batch(db: Database) -> None:
    rec = DbCallRecorder(db, batch_rows=1, flush_s=60)
    real = rec._write
    calls = {"n": 0}

    def flaky(call_id: str, p: object) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        real(call_id, p)  # type: ignore[arg-type]

    rec._write = flaky  # type: ignore[method-assign]
    rec.transcript("CA9", _row(0))
    rec.transcript("CA9", _row(1))
    rec.ended("CA9", _summary())
    rec.close()
    assert rec.failures == 1
    with db.read() as s:
        rows = s.scalars(select(CallTranscriptRow).order_by(CallTranscriptRow.seq)).all()
        assert [r.seq for r in rows] == [0, 1]
        assert s.get(CallSummaryRow, "CA9") is not None


def test_lines_after_the_end_are_numbered_on(db: Database) -> None:
    """The last words of a human leg can be recognised after the hang-up."""
    rec = DbCallRecorder(db, batch_rows=10, flush_s=60)
    rec.bind("CA7", 7)
    rec.transcript("CA7", _row(0, "bot"))
    rec.ended("CA7", _summary())
    assert rec.drain()
    rec.transcript("CA7", _row(1, "agent"))
    rec.transcript("CA7", _row(2))
    rec.close()
    assert rec.failures == 0
    with db.read() as s:
        rows = s.scalars(
            select(CallTranscriptRow)
            .where(CallTranscriptRow.call_sid == "CA7")
            .order_by(CallTranscriptRow.seq)
        ).all()
    assert [(r.seq, r.speaker, r.attempt_id) for r in rows] == [
        (0, "bot", 7),
        (1, "agent", 7),
        (2, "customer", 7),
    ]
