"""Transcript search in Chinese, Korean and English on SQLite (FTS5) and PostgreSQL (GIN)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, text

from dialogue.speech import search
from dialogue.speech.models import CallTranscriptRow
from dialogue.speech.search import search_statement, search_transcripts
from kernel.db import Database, upgrade
from kernel.settings import Settings

LINES = [
    ("CA1", "customer", "我想了解一下理财产品"),
    ("CA1", "bot", "好的，这款产品年化收益稳定"),
    ("CA2", "customer", "产品不错，但理财我不懂"),
    ("CA3", "customer", "적립금이 곧 소멸되나요?"),
    ("CA3", "bot", "네, 이번 달 말에 소멸됩니다"),
    ("CA4", "customer", "Please stop calling me"),
    ("CA4", "bot", "Your points expire at the end of the month"),
]


def _fill(db: Database) -> None:
    with db.session() as s:
        for i, (sid, speaker, line) in enumerate(LINES):
            s.add(
                CallTranscriptRow(
                    call_sid=sid,
                    seq=i,
                    speaker=speaker,
                    text=line,
                    start_s=i,
                    end_s=i + 1,
                    state="s",
                )
            )


def _found(db: Database, query: str) -> list[str]:
    with db.read() as s:
        return [h.text for h in search_transcripts(s, query)]


def _check(db: Database) -> None:
    _fill(db)
    assert _found(db, "理财产品") == ["我想了解一下理财产品"]  # not the line with both apart
    assert _found(db, "理财") == ["产品不错，但理财我不懂", "我想了解一下理财产品"]
    assert _found(db, "적립금") == ["적립금이 곧 소멸되나요?"]
    assert _found(db, "소멸") == ["네, 이번 달 말에 소멸됩니다", "적립금이 곧 소멸되나요?"]
    assert _found(db, "STOP calling") == ["Please stop calling me"]
    assert _found(db, "points expire") == ["Your points expire at the end of the month"]
    assert _found(db, "存款") == []
    assert _found(db, "。") == []
    # the index follows deletes (retention)
    with db.session() as s:
        s.execute(delete(CallTranscriptRow).where(CallTranscriptRow.call_sid == "CA1"))
    assert _found(db, "理财") == ["产品不错，但理财我不懂"]


def test_search_sqlite_fts5(db: Database) -> None:
    _check(db)
    with db.read() as s:
        plan = s.execute(
            text(
                "EXPLAIN QUERY PLAN "
                + str(
                    search_statement(s, "理财", 5).compile(compile_kwargs={"literal_binds": True})
                )
            )
        ).all()
    assert any("VIRTUAL TABLE INDEX" in str(r) for r in plan), plan


@pytest.mark.pg
def test_search_postgresql_gin(pg_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # a window of 2 rows: the newest rows by key, then the rest through the GIN index
    monkeypatch.setattr(search, "RECENT_WINDOW", 2)
    _check(pg_db)
    with pg_db.read() as s:
        s.execute(text("SET enable_seqscan = off"))
        stmt = search_statement(s, "理财", 5)
        sql = str(stmt.compile(s.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = "\n".join(r[0] for r in s.execute(text("EXPLAIN " + sql)))
    assert "ix_call_transcript_rows_terms" in plan, plan


def test_search_after_migrations(tmp_path: Path) -> None:
    settings = Settings(env="test", data_dir=tmp_path / "var", database_url="")
    upgrade(settings)
    db = Database(settings)
    try:
        _check(db)
    finally:
        db.dispose()
