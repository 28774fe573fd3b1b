"""Retention: recordings and transcripts of calls that ended more than the configured
number of days ago are deleted, each call with an audit entry.

The transcript rows, turn metrics and the recording file go; the call's record (outcome,
grade, flags, reviews) stays, so reports over old days keep their figures. A recording
path outside the data dir's recordings is never touched. Run by ``serve`` with the daily
report and by ``tailcall retention run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select

from dialogue.speech.models import CallSummaryRow, CallTranscriptRow, CallTurnMetric
from kernel.audit import append
from kernel.db import Database
from supervision.models import CallRecord


@dataclass(frozen=True)
class RetentionResult:
    calls: int
    transcript_rows: int
    recordings: int


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def purge(db: Database, now: datetime, days: int, *, batch: int = 200) -> RetentionResult:
    """Delete what is older than ``days``; one transaction per batch of calls."""
    cutoff = now - timedelta(days=days)
    root = db.settings.data_dir
    calls = rows = files = 0
    while True:
        with db.session() as s:
            sids = list(
                s.execute(
                    select(
                        CallSummaryRow.call_sid,
                        CallSummaryRow.attempt_id,
                        CallSummaryRow.recording_path,
                    )
                    .where(CallSummaryRow.ended_at < cutoff)
                    .limit(batch)
                )
            )
            orphan = []
            if not sids:
                # transcripts of calls with no summary: go by the supervisor's record
                orphan = list(
                    s.execute(
                        select(CallRecord.call_sid, CallRecord.attempt_id)
                        .where(CallRecord.ended_at < cutoff, CallRecord.call_sid.is_not(None))
                        .where(
                            select(CallTranscriptRow.id)
                            .where(CallTranscriptRow.call_sid == CallRecord.call_sid)
                            .exists()
                        )
                        .limit(batch)
                    )
                )
            todo = [(sid, aid, rec) for sid, aid, rec in sids] + [
                (sid, aid, None) for sid, aid in orphan
            ]
            if not todo:
                return RetentionResult(calls, rows, files)
            for sid, aid, recording in todo:
                res = s.execute(delete(CallTranscriptRow).where(CallTranscriptRow.call_sid == sid))
                n = int(res.rowcount or 0)  # type: ignore[attr-defined]
                s.execute(delete(CallTurnMetric).where(CallTurnMetric.call_sid == sid))
                s.execute(delete(CallSummaryRow).where(CallSummaryRow.call_sid == sid))
                removed = False
                if recording:
                    p = Path(recording)
                    if _inside(p, root) and p.is_file():
                        p.unlink()
                        removed = True
                        files += 1
                rows += n
                calls += 1
                append(
                    s,
                    "retention_deleted",
                    now,
                    username="retention",
                    subject=f"call:{aid}" if aid is not None else f"sid:{sid}",
                    detail=f"older than {days} days: {n} transcript rows"
                    + (", recording" if removed else ""),
                )
