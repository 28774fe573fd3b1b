"""The stored dry runs (table ``campaign_dry_runs``): one row per run with who asked,
when, the spec and its digest, progress while it runs and the result when it is done.
A campaign's page lists the runs of that campaign and of its spec run before it was
saved (the same digest)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dialer.campaigns.dry_run import DryRunRequest, DryRunResult, spec_digest
from dialer.campaigns.models import DryRun
from kernel.errors import NotFound

RECENT = 10


class DryRunView(BaseModel):
    id: int
    campaign_id: int | None
    name: str
    spec_digest: str
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    status: str  # queued | running | done | failed
    sample: int
    done: int
    total: int
    result: DryRunResult | None
    error: str | None


def view_of(row: DryRun) -> DryRunView:
    return DryRunView(
        id=row.id,
        campaign_id=row.campaign_id,
        name=row.name,
        spec_digest=row.spec_digest,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        finished_at=row.finished_at,
        status=row.status,
        sample=row.sample,
        done=row.done,
        total=row.total,
        result=None if row.result is None else DryRunResult.model_validate(row.result),
        error=row.error,
    )


def add(
    session: Session, request: DryRunRequest, who: str, campaign_id: int | None, now: datetime
) -> int:
    row = DryRun(
        campaign_id=campaign_id,
        name=request.spec.name,
        spec_digest=spec_digest(request.spec),
        spec=request.model_dump(mode="json"),
        requested_by=who[:100],
        requested_at=now,
        status="queued",
        sample=request.sample,
    )
    session.add(row)
    session.flush()
    return row.id


def request_of(row: DryRun) -> DryRunRequest:
    return DryRunRequest.model_validate(row.spec)


def progress(session: Session, run_id: int, done: int, total: int) -> None:
    row = session.get(DryRun, run_id)
    if row is not None:
        row.status, row.done, row.total = "running", done, total


def finish(session: Session, run_id: int, result: DryRunResult, now: datetime) -> None:
    row = session.get(DryRun, run_id)
    if row is not None:
        row.status, row.finished_at = "done", now
        row.done = row.total = result.sample
        row.result = result.model_dump(mode="json")


def fail(session: Session, run_id: int, error: str, now: datetime) -> None:
    row = session.get(DryRun, run_id)
    if row is not None:
        row.status, row.finished_at, row.error = "failed", now, error[:2000]


SERVER_STOPPED = "interrupted: the server stopped before this run ended; run it again"


def interrupted(session: Session, now: datetime) -> list[int]:
    """Fail the runs a server had queued or was running when it stopped (a CLI run,
    ``requested_by`` ``cli:...``, belongs to its own process); their ids."""
    rows = session.scalars(
        select(DryRun).where(
            DryRun.status.in_(("queued", "running")), DryRun.requested_by.not_like("cli:%")
        )
    ).all()
    for row in rows:
        row.status, row.finished_at, row.error = "failed", now, SERVER_STOPPED
    return [row.id for row in rows]


def get(session: Session, run_id: int) -> DryRunView:
    row = session.get(DryRun, run_id)
    if row is None:
        raise NotFound(f"dry run {run_id} not found", where="dry_run_id")
    return view_of(row)


def recent(
    session: Session, *, campaign_id: int | None = None, digest: str | None = None
) -> list[DryRunView]:
    """The last runs of a campaign or of its spec (newest first)."""
    conds = []
    if campaign_id is not None:
        conds.append(DryRun.campaign_id == campaign_id)
    if digest is not None:
        conds.append(DryRun.spec_digest == digest)
    q = select(DryRun).order_by(DryRun.id.desc()).limit(RECENT)
    if conds:
        q = q.where(or_(*conds))
    return [view_of(r) for r in session.scalars(q)]
