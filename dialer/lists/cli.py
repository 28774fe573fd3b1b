"""CLI for call lists and suppression lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import select

from dialer.lists.columns import parse_overrides
from dialer.lists.importer import ImportSummary, import_call_list, reports_root_for, summary_of
from dialer.lists.models import CallList
from dialer.lists.phones import PhoneNormalizer
from dialer.lists.report import read_rows
from dialer.lists.suppression import (
    SuppressionEntry,
    add_suppressions,
    check_kind,
    counts,
    import_suppression_file,
)
from kernel.db import Database, upgrade
from kernel.errors import TailcallError
from kernel.settings import Settings, load_settings

lists_app = typer.Typer(help="Call lists: import and inspect.", no_args_is_help=True)
suppress_app = typer.Typer(
    help="Do-not-call (dnc), opt-out, blacklist and staff lists.", no_args_is_help=True
)
console = Console()
SAMPLE_LIST = Path(__file__).with_name("data") / "sample_customers.csv"


def _context() -> tuple[Settings, Database]:

    settings = load_settings()
    upgrade(settings)
    return settings, Database(settings)


def _fail(exc: TailcallError) -> typer.Exit:
    console.print(f"[red]error[/red] {escape(str(exc))}")
    return typer.Exit(2)


def print_summary(summary: ImportSummary, problems: int = 20) -> None:
    if summary.already_imported:
        console.print(
            f"[yellow]already imported[/yellow] as list {summary.list_id}: nothing changed"
        )
    t = Table(title=escape(f"list {summary.list_id}: {summary.name} ({summary.filename})"))
    for col in ("rows", "accepted", "merged", "invalid", "excluded", "encoding", "seconds"):
        t.add_column(col, justify="right")
    t.add_row(
        str(summary.total),
        str(summary.accepted),
        str(summary.merged),
        str(summary.invalid),
        str(summary.excluded),
        escape(summary.encoding),
        f"{summary.seconds:.1f}",
    )
    console.print(t)
    shown = _problem_rows(Path(summary.report_dir), problems)
    if shown:
        p = Table(title=f"rows not accepted (first {len(shown)})")
        for col in ("line", "outcome", "reason", "phone"):
            p.add_column(col)
        for r in shown:
            p.add_row(*(escape(str(r[k])) for k in ("line", "outcome", "reason", "phone")))
        console.print(p)
    console.print(escape(f"full report: {summary.report_dir}/report.csv and report.json"))


def _problem_rows(directory: Path, limit: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for outcome in ("invalid", "excluded", "merged"):
        out.extend(read_rows(directory, outcome, 0, limit - len(out)))
        if len(out) >= limit:
            break
    return out


@lists_app.command("import")
def import_list(
    path: Path = typer.Argument(..., help="CSV (UTF-8, UTF-8 BOM, GBK/GB18030) or XLSX file"),
    name: str | None = typer.Option(None, help="List name (default: the file name)"),
    encoding: str | None = typer.Option(None, help="Text encoding; detected when omitted"),
    map_: list[str] = typer.Option([], "--map", help="Column override HEADER=FIELD (repeatable)"),
    region: str | None = typer.Option(
        None, help="Default phone region (default TAILCALL_DEFAULT_REGION)"
    ),
    lawful_basis: str | None = typer.Option(
        None, help="Why the bank may call these customers (consent, contract, ...)"
    ),
) -> None:
    """Import a call list and print what happened to every row."""

    settings, db = _context()
    try:
        overrides = parse_overrides(map_)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(escape(f"importing {path.name}"), total=path.stat().st_size or 1)
            summary = import_call_list(
                db,
                path,
                name=name,
                encoding=encoding,
                overrides=overrides,
                region=region or settings.default_region,
                lawful_basis=lawful_basis,
                reports_root=reports_root_for(settings.data_dir),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except TailcallError as exc:
        raise _fail(exc) from exc
    finally:
        db.dispose()
    print_summary(summary)


@lists_app.command("sample")
def sample_path() -> None:
    """Print the path of the shipped sample call list (synthetic customers)."""
    typer.echo(str(SAMPLE_LIST))


@lists_app.command("ls")
def list_lists() -> None:
    """Show imported lists."""

    _, db = _context()
    t = Table(title="call lists")
    for col in (
        "id",
        "name",
        "file",
        "rows",
        "accepted",
        "merged",
        "invalid",
        "excluded",
        "imported",
    ):
        t.add_column(col)
    with db.read() as s:
        for cl in s.scalars(select(CallList).order_by(CallList.id)):
            t.add_row(
                str(cl.id),
                escape(cl.name),
                escape(cl.filename),
                str(cl.total_rows),
                str(cl.accepted),
                str(cl.merged),
                str(cl.invalid),
                str(cl.excluded),
                cl.created_at.strftime("%Y-%m-%d %H:%M"),
            )
    db.dispose()
    console.print(t)


@lists_app.command("show")
def show_list(list_id: int, rows: int = typer.Option(20, help="Problem rows to show")) -> None:
    """Show one list's import report."""

    _, db = _context()
    with db.read() as s:
        cl = s.get(CallList, list_id)
        if cl is None:
            console.print(f"[red]error[/red] no list {list_id}")
            raise typer.Exit(2)
        summary = summary_of(cl)
    db.dispose()
    print_summary(summary, rows)


@suppress_app.command("import")
def suppress_import(
    kind: str = typer.Argument(..., help="dnc | opt_out | blacklist | staff"),
    path: Path = typer.Argument(..., help="CSV/XLSX with a phone and/or customer-id column"),
    reason: str | None = typer.Option(None, help="Reason for rows without one"),
    encoding: str | None = typer.Option(None),
) -> None:
    """Add a file of numbers or customer ids to a suppression list."""

    settings, db = _context()
    try:
        rep = import_suppression_file(
            db, kind, path, encoding=encoding, reason=reason, region=settings.default_region
        )
    except TailcallError as exc:
        raise _fail(exc) from exc
    finally:
        db.dispose()
    console.print(
        f"{kind}: {rep.total} rows, {rep.added} added, {rep.already} already listed, "
        f"{len(rep.invalid)} invalid"
    )
    for line, why in rep.invalid[:20]:
        console.print(escape(f"  line {line}: {why}"))


@suppress_app.command("add")
def suppress_add(
    kind: str = typer.Argument(..., help="dnc | opt_out | blacklist | staff"),
    phone: str | None = typer.Option(None, help="Phone number"),
    customer_id: str | None = typer.Option(None, help="Bank customer id"),
    reason: str | None = typer.Option(None),
) -> None:
    """Add one number or customer id to a suppression list."""

    settings, db = _context()
    try:
        check_kind(kind)
        e164 = None
        if phone:
            result = PhoneNormalizer(settings.default_region).normalize(phone)
            if result.e164 is None:
                console.print(f"[red]error[/red] phone: {escape(str(result.reason))}")
                raise typer.Exit(2)
            e164 = result.e164
        if not e164 and not customer_id:
            console.print("[red]error[/red] give --phone or --customer-id")
            raise typer.Exit(2)
        with db.session() as s:
            n = add_suppressions(s, kind, [SuppressionEntry(e164, customer_id, reason)], "cli")
    except TailcallError as exc:
        raise _fail(exc) from exc
    finally:
        db.dispose()
    console.print("added" if n else "already listed")


@suppress_app.command("counts")
def suppress_counts() -> None:
    """How many entries each list holds."""

    _, db = _context()
    with db.read() as s:
        for kind, n in counts(s).items():
            console.print(f"{kind:10} {n}")
    db.dispose()
