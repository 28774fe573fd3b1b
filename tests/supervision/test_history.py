"""Call history with filters and transcript search, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kernel.db import Database
from kernel.errors import InvalidInput
from supervision.history import HistoryFilter, history
from supervision.models import CallRecord
from supervision.qa_service import SweepSettings, sweep
from supervision.report import build
from tests.supervision.conftest import campaign, finished_call

DAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # 10:00 Shanghai


def _ids(db: Database, **kw: object) -> list[int]:
    with db.read() as s:
        return [r.record.attempt_id for r in history(s, HistoryFilter(**kw)).rows]  # type: ignore[arg-type]


def _check(db: Database) -> None:
    c1, c2 = campaign(db, "one"), campaign(db, "two")
    a = finished_call(
        db,
        c1,
        dialed_at=DAY,
        grade="A",
        disposition="interested",
        handoff_result="accepted",
        variant="A",
        lines=[
            ("customer", "我想了解一下理财产品", 5, 7, "s"),
            ("customer", "理财收益怎么样", 8, 9, "s"),
        ],
    )
    b = finished_call(
        db,
        c1,
        dialed_at=DAY,
        grade="C",
        disposition="not_interested",
        variant="B",
        lines=[("customer", "적립금이 얼마예요", 5, 7, "s"), ("bot", "保证收益", 8, 9, "s")],
    )
    c = finished_call(
        db,
        c2,
        dialed_at=DAY + timedelta(days=1),
        grade="D",
        lines=[("customer", "Please stop calling me", 5, 7, "s")],
    )
    sweep(db, DAY + timedelta(days=3), SweepSettings(settle_s=0))
    assert _ids(db) == [c, b, a]
    assert _ids(db, campaign_id=c1) == [b, a]
    assert _ids(db, grade="A") == [a]
    assert _ids(db, disposition="not_interested") == [b]
    assert _ids(db, handoff_result="accepted") == [a]
    assert _ids(db, variant="B") == [b]
    with db.session() as s:  # the QA sweep sets the agent from the call's handoff
        s.get(CallRecord, a).agent_id = 42  # type: ignore[union-attr]
    assert _ids(db, agent_id=42) == [a]
    assert _ids(db, review_state="queued") == [c, b]  # flagged: queued for review
    assert _ids(db, day_from=date(2026, 12, 4), day_to=date(2026, 12, 4)) == [c]
    assert _ids(db, flag="blocklisted_promise") == [b]
    assert b in _ids(db, flag="any")
    assert _ids(db, q="理财") == [a]
    assert _ids(db, q="적립금") == [b]
    assert _ids(db, q="stop calling") == [c]
    assert _ids(db, q="stop calling", campaign_id=c1) == []
    with db.read() as s:
        page = history(s, HistoryFilter(q="理财产品"))
        assert page.rows[0].snippet == "我想了解一下理财产品"
        assert (
            history(s, HistoryFilter(q="理财")).rows[0].snippet == "理财收益怎么样"
        )  # newest line
        assert history(s, HistoryFilter(limit=2)).next_before == b
        assert [r.record.attempt_id for r in history(s, HistoryFilter(before=b)).rows] == [a]
        with pytest.raises(InvalidInput):
            history(s, HistoryFilter(q="。"))
        # paging a text search: each call once, by its newest line that says it
        first = history(s, HistoryFilter(q="理财", limit=1))
        assert [r.record.attempt_id for r in first.rows] == [a]
        assert first.next_before_line is not None
        rest = history(s, HistoryFilter(q="理财", before_line=first.next_before_line))
        assert rest.rows == []
        # the report's queries on this backend
        rep = build(s, date(2026, 12, 3), "Asia/Shanghai", DAY)
        assert rep.overall.dialed == 2 and rep.overall.grades["A"] == 1
        assert rep.qa_flags == {"blocklisted_promise": 1, "disclosure_missing": 1}


def test_history_sqlite(db: Database) -> None:
    _check(db)


@pytest.mark.pg
def test_history_postgresql(pg_db: Database) -> None:
    _check(pg_db)
