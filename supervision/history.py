"""Call history: finished calls by campaign, day, grade, disposition, agent, handoff result,
QA flag and variant, and by what was said (``dialogue.speech.search``), newest first.

A text query narrows with the transcript index (calls with a line holding every query
term), then each candidate's lines are checked for the phrase; the matching line comes
back as the call's snippet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from dialogue.speech.models import CallTranscriptRow
from dialogue.speech.search import candidate_rows
from dialogue.speech.search_terms import matches, query_terms
from kernel.errors import InvalidInput
from supervision.models import CallFlag, CallRecord

MAX_LIMIT = 200
LINE_BATCH = 200  # lines read from the index per step of a text search


@dataclass(frozen=True)
class HistoryFilter:
    campaign_id: int | None = None
    day_from: date | None = None  # local days the calls were dialed, inclusive
    day_to: date | None = None
    grade: str | None = None
    disposition: str | None = None
    agent_id: int | None = None
    handoff_result: str | None = None
    flag: str | None = None  # a QA flag code, or "any"
    variant: str | None = None
    review_state: str | None = None
    q: str | None = None  # words said in the call
    limit: int = 50
    before: int | None = None  # attempt id of the last call of the previous page
    before_line: int | None = None  # with q: the line of the last call shown
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class HistoryRow:
    record: CallRecord
    snippet: str | None = None
    snippet_at_s: float | None = None


@dataclass
class HistoryPage:
    rows: list[HistoryRow] = field(default_factory=list)
    next_before: int | None = None
    next_before_line: int | None = None


def _bounds(f: HistoryFilter) -> tuple[datetime | None, datetime | None]:
    tz = ZoneInfo(f.timezone)
    lo = datetime.combine(f.day_from, time(0), tz) if f.day_from else None
    hi = datetime.combine(f.day_to + timedelta(days=1), time(0), tz) if f.day_to else None
    return lo, hi


def statement(session: Session, f: HistoryFilter) -> Select[CallRecord]:
    if not 1 <= f.limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1..{MAX_LIMIT}", where="limit")
    stmt = select(CallRecord)
    lo, hi = _bounds(f)
    if lo is not None:
        stmt = stmt.where(CallRecord.dialed_at >= lo)
    if hi is not None:
        stmt = stmt.where(CallRecord.dialed_at < hi)
    for col, value in (
        (CallRecord.campaign_id, f.campaign_id),
        (CallRecord.grade, f.grade),
        (CallRecord.disposition, f.disposition),
        (CallRecord.agent_id, f.agent_id),
        (CallRecord.handoff_result, f.handoff_result),
        (CallRecord.variant, f.variant),
        (CallRecord.review_state, f.review_state),
    ):
        if value is not None and value != "":
            stmt = stmt.where(col == value)
    if f.flag == "any":
        stmt = stmt.where(exists().where(CallFlag.attempt_id == CallRecord.attempt_id))
    elif f.flag:
        stmt = stmt.where(
            exists().where(CallFlag.attempt_id == CallRecord.attempt_id, CallFlag.code == f.flag)
        )
    if f.before is not None:
        stmt = stmt.where(CallRecord.attempt_id < f.before)
    return stmt.order_by(CallRecord.attempt_id.desc())


def history(session: Session, f: HistoryFilter) -> HistoryPage:
    """One page of calls matching ``f``: newest first, or with a text query, by their
    newest line that says it (``before_line`` pages on)."""
    stmt = statement(session, f)
    if f.q:
        if not query_terms(f.q):
            raise InvalidInput("the search has no words to look for", where="q")
        return _by_text(session, f, stmt)
    page = HistoryPage()
    recs = list(session.scalars(stmt.limit(f.limit)))
    page.rows = [HistoryRow(r) for r in recs]
    if len(recs) == f.limit:
        page.next_before = recs[-1].attempt_id
    return page


def _by_text(session: Session, f: HistoryFilter, stmt: Select[CallRecord]) -> HistoryPage:
    """Walk the lines holding the query's terms from the newest (the index's order), keep
    those that say the phrase, and the calls among them that pass the other filters."""
    assert f.q
    page = HistoryPage()
    seen: set[int] = set()
    cursor = f.before_line
    if cursor is not None:  # calls already shown on earlier pages: a newer line says it
        seen |= _calls_with_lines_from(session, f.q, cursor)
    while len(page.rows) < f.limit:
        rows = candidate_rows(session, f.q, LINE_BATCH, cursor)
        lines: dict[int, CallTranscriptRow] = {}
        for r in rows:
            aid = r.attempt_id
            if aid is not None and aid not in seen and aid not in lines and matches(r.text, f.q):
                lines[aid] = r
        if lines:
            recs = {
                rec.attempt_id: rec
                for rec in session.scalars(stmt.where(CallRecord.attempt_id.in_(list(lines))))
            }
            for aid, line in lines.items():  # in the order of their newest line
                seen.add(aid)
                rec = recs.get(aid)
                if rec is None:
                    continue
                page.rows.append(HistoryRow(rec, line.text, line.start_s))
                if len(page.rows) == f.limit:
                    page.next_before_line = line.id
                    return page
        if len(rows) < LINE_BATCH:
            return page
        cursor = rows[-1].id
    return page


def _calls_with_lines_from(session: Session, q: str, from_id: int) -> set[int]:
    """Calls that have a line holding the query's terms at or after line ``from_id``."""
    found: set[int] = set()
    cursor: int | None = None
    while True:
        rows = candidate_rows(session, q, LINE_BATCH, cursor)
        rows = [r for r in rows if r.id >= from_id]
        found |= {r.attempt_id for r in rows if r.attempt_id is not None and matches(r.text, q)}
        if len(rows) < LINE_BATCH:
            return found
        cursor = rows[-1].id
