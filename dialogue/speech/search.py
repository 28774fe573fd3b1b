"""Full-text search of stored transcripts: SQLite FTS5 or a PostgreSQL GIN index.

Both read the ``search_terms`` column (``dialogue.speech.search_terms``: CJK bigrams and
words) that each row gets when it is written. The index gives the rows holding every
query term, newest first; the phrase itself is then checked on the row's text, so "理财产品"
does not match a line that only says "产品" and "理财" apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, Text, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from dialogue.speech.models import FTS_TABLE, CallTranscriptRow
from dialogue.speech.search_terms import matches, query_terms

DEFAULT_LIMIT = 50
RECENT_WINDOW = 20_000  # PostgreSQL: newest rows read by key before the GIN index
_SCAN_FACTOR = 4  # candidates read per wanted hit before the phrase check


@dataclass(frozen=True)
class TranscriptHit:
    row_id: int
    call_sid: str
    attempt_id: int | None
    seq: int
    speaker: str
    text: str
    start_s: float


def terms_filter(session: Session, query: str) -> ColumnElement[bool] | None:
    """A WHERE clause on ``CallTranscriptRow`` that the index answers: rows holding every
    term of ``query`` (None when the query has no terms)."""
    wanted = query_terms(query)
    if not wanted:
        return None
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + t.replace('"', '""') + '"' for t in wanted)
        ids = (
            select(text("rowid"))
            .select_from(text(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :fts_query").bindparams(fts_query=match))
        )
        return CallTranscriptRow.id.in_(ids)
    terms_array = func.string_to_array(CallTranscriptRow.search_terms, " ")
    return terms_array.op("@>")(literal(wanted, ARRAY(Text)))


def search_statement(session: Session, query: str, limit: int) -> Select[CallTranscriptRow]:
    where = terms_filter(session, query)
    stmt = select(CallTranscriptRow).order_by(CallTranscriptRow.id.desc()).limit(limit)
    return stmt.where(where) if where is not None else stmt.where(literal(False))


def candidate_rows(
    session: Session, query: str, limit: int, before_id: int | None = None
) -> list[CallTranscriptRow]:
    """Up to ``limit`` rows holding every term of ``query``, newest first (below
    ``before_id``). SQLite reads the FTS5 table in descending rowid order and stops at
    ``limit``; PostgreSQL reads the newest rows by key, then the GIN index."""
    wanted = query_terms(query)
    if not wanted:
        return []
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + t.replace('"', '""') + '"' for t in wanted)
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :q"
        params: dict[str, object] = {"q": match, "n": limit}
        if before_id is not None:
            sql += " AND rowid < :before"
            params["before"] = before_id
        ids = list(session.scalars(text(sql + " ORDER BY rowid DESC LIMIT :n"), params))
        if not ids:
            return []
        rows = session.scalars(select(CallTranscriptRow).where(CallTranscriptRow.id.in_(ids)))
        return sorted(rows, key=lambda r: r.id, reverse=True)
    # PostgreSQL: the newest RECENT_WINDOW rows by key first (a common term fills the page
    # there), then the rest through the GIN index alone ("id + 0" keeps the planner off a
    # backward scan of the key, which reads the whole table for a rare term)
    where = terms_filter(session, query)
    assert where is not None
    top = before_id
    if top is None:
        top = (session.scalar(select(func.max(CallTranscriptRow.id))) or 0) + 1
    low = top - RECENT_WINDOW
    # the window's filter is written so the GIN index cannot serve it: the planner then
    # reads the window by key (building GIN bitmaps of common terms cost ~300 ms)
    terms_param = literal(query_terms(query), ARRAY(Text))
    unindexed = func.string_to_array(CallTranscriptRow.search_terms.concat(""), " ").op("@>")(
        terms_param
    )
    recent = select(CallTranscriptRow).where(
        unindexed, CallTranscriptRow.id < top, CallTranscriptRow.id >= low
    )
    found = list(session.scalars(recent.order_by(CallTranscriptRow.id.desc()).limit(limit)))
    if len(found) == limit or low <= 0:
        return found
    older = select(CallTranscriptRow).where(where, CallTranscriptRow.id < low)
    older = older.order_by((CallTranscriptRow.id + 0).desc()).limit(limit - len(found))
    return found + list(session.scalars(older))


def search_transcripts(
    session: Session, query: str, *, limit: int = DEFAULT_LIMIT, before_id: int | None = None
) -> list[TranscriptHit]:
    """Lines matching ``query``, newest first (``before_id`` pages back)."""
    hits: list[TranscriptHit] = []
    cursor = before_id
    batch = max(limit * _SCAN_FACTOR, 50)
    while len(hits) < limit:
        rows = candidate_rows(session, query, batch, cursor)
        for r in rows:
            if matches(r.text, query):
                hits.append(_hit(r))
                if len(hits) == limit:
                    break
        if len(rows) < batch:
            break
        cursor = rows[-1].id
    return hits


def _hit(r: CallTranscriptRow) -> TranscriptHit:
    return TranscriptHit(
        row_id=r.id,
        call_sid=r.call_sid,
        attempt_id=r.attempt_id,
        seq=r.seq,
        speaker=r.speaker,
        text=r.text,
        start_s=r.start_s,
    )
