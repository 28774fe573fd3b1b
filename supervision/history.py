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
from dialogue.speech.search import terms_filter
from dialogue.speech.search_terms import matches
from kernel.errors import InvalidInput
from supervision.models import CallFlag, CallRecord

MAX_LIMIT = 200


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
    if f.q:
        where = terms_filter(session, f.q)
        if where is None:
            raise InvalidInput("the search has no words to look for", where="q")
        stmt = stmt.where(
            exists().where(CallTranscriptRow.attempt_id == CallRecord.attempt_id, where)
        )
    if f.before is not None:
        stmt = stmt.where(CallRecord.attempt_id < f.before)
    return stmt.order_by(CallRecord.attempt_id.desc())


def history(session: Session, f: HistoryFilter) -> HistoryPage:
    """One page of calls matching ``f``, newest first."""
    page = HistoryPage()
    stmt = statement(session, f)
    cursor = f.before
    want = f.limit * 2 if f.q else f.limit
    while len(page.rows) < f.limit:
        batch = stmt if cursor is None else stmt.where(CallRecord.attempt_id < cursor)
        recs = list(session.scalars(batch.limit(want)))
        snippets = _snippets(session, [r.attempt_id for r in recs], f.q) if f.q else {}
        for rec in recs:
            if f.q and rec.attempt_id not in snippets:
                continue  # the terms are there, the phrase is not
            text, at = snippets.get(rec.attempt_id, (None, None))
            page.rows.append(HistoryRow(rec, text, at))
            if len(page.rows) == f.limit:
                page.next_before = rec.attempt_id
                return page
        if not f.q or len(recs) < want:
            return page
        cursor = recs[-1].attempt_id
    return page


def _snippets(session: Session, ids: list[int], q: str) -> dict[int, tuple[str, float]]:
    """For each call of ``ids``, its first line holding the phrase ``q``."""
    where = terms_filter(session, q)
    if where is None or not ids:
        return {}
    found: dict[int, tuple[str, float]] = {}
    rows = session.execute(
        select(CallTranscriptRow.attempt_id, CallTranscriptRow.text, CallTranscriptRow.start_s)
        .where(CallTranscriptRow.attempt_id.in_(ids), where)
        .order_by(CallTranscriptRow.attempt_id, CallTranscriptRow.seq)
    )
    for aid, text, start in rows:
        if aid is not None and aid not in found and matches(text, q):
            found[aid] = (text, start)
    return found
