"""``tailcall report daily``, ``tailcall qa run``, ``tailcall audit verify|show``,
``tailcall retention run``: the supervisor's workspace from the command line."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from handoff.audit import entries, record, verify_log
from kernel.db import Database, utcnow
from kernel.settings import load_settings
from supervision.qa_service import sweep
from supervision.report import build
from supervision.report_files import write_all
from supervision.retention import purge
from supervision.scheduler import report_dir, sweep_settings
from supervision.settings import SupervisionSettings

report_app = typer.Typer(help="Reports for supervisors.", no_args_is_help=True)
qa_app = typer.Typer(help="Quality checks (质检) of finished calls.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log: who saw, heard, exported what.", no_args_is_help=True)
retention_app = typer.Typer(help="Delete old recordings and transcripts.", no_args_is_help=True)
_out = Console()


def _db() -> Database:
    settings = load_settings()
    settings.ensure_dirs()
    return Database(settings)


@report_app.command("daily")
def daily(
    day: str = typer.Option("", "--date", help="YYYY-MM-DD, local; default: yesterday"),
    out: Path | None = typer.Option(None, "--out", help="Folder; default: the data dir's reports"),
) -> None:
    """Write the daily report (HTML with charts, CSV, XLSX, JSON) for one day."""
    db = _db()
    tz = db.settings.default_timezone
    try:
        d = (
            date.fromisoformat(day)
            if day
            else datetime.now(ZoneInfo(tz)).date() - timedelta(days=1)
        )
    except ValueError:
        typer.secho(f"--date: {day!r} is not YYYY-MM-DD", fg="red", err=True)
        raise typer.Exit(2) from None
    cfg = SupervisionSettings()
    with db.read() as s:
        rep = build(s, d, tz, utcnow())
    paths = write_all(rep, out or report_dir(db, cfg))
    record(db, "exported", utcnow(), username="cli", subject=f"report:{d.isoformat()}")
    o = rep.overall
    _out.print(
        f"{d}: dialed {o.dialed}, answered {o.answered}, human {o.human}, "
        f"A {o.grades['A']} B {o.grades['B']}, leads {o.leads}, anomalies {len(rep.anomalies)}"
    )
    for p in paths:
        _out.print(escape(str(p)))


@qa_app.command("run")
def qa_run() -> None:
    """Check every finished call not checked yet."""
    db = _db()
    cfg = sweep_settings(SupervisionSettings(), 2, db.settings.default_timezone)
    total = 0
    while n := sweep(db, utcnow(), cfg):
        total += n
    _out.print(f"checked {total} calls")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 naming the first entry that does not hold."""
    check = verify_log(_db())
    if check.ok:
        _out.print(f"audit log intact: {check.checked} entries")
        return
    typer.secho(f"audit log broken at entry {check.bad_id}: {check.reason}", fg="red", err=True)
    raise typer.Exit(1)


@audit_app.command("show")
def audit_show(
    subject: str = typer.Option("", help="e.g. call:42"),
    user: str = typer.Option("", help="username"),
    limit: int = typer.Option(50, min=1, max=1000),
) -> None:
    """The newest audit entries."""
    db = _db()
    t = Table("id", "at", "event", "user", "subject", "detail")
    with db.read() as s:
        for e in entries(s, subject=subject or None, username=user or None, limit=limit):
            t.add_row(str(e.id), f"{e.at:%Y-%m-%d %H:%M:%S}", e.event, escape(e.username),
                      escape(e.subject), escape(e.detail))  # fmt: skip
    _out.print(t)


@retention_app.command("run")
def retention_run(
    days: int | None = typer.Option(None, help="Default TAILCALL_SUPERVISION_RETENTION_DAYS"),
) -> None:
    """Delete recordings and transcripts of calls older than the retention period."""
    db = _db()
    keep = days or SupervisionSettings().retention_days
    res = purge(db, utcnow(), keep)
    _out.print(
        f"deleted {res.calls} calls' transcripts ({res.transcript_rows} rows), {res.recordings} recordings"
    )
