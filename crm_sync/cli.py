"""``tailcall crm ...``: connector status, dead letters, the relay, endpoints."""

from __future__ import annotations

import asyncio
import json
import signal
from pathlib import Path
from typing import Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from crm_sync.branches import SAMPLE_BRANCHES, import_branches, list_branches
from crm_sync.schemas import EndpointIn
from crm_sync.service import (
    add_endpoint,
    list_dead_letters,
    list_endpoints,
    replay_dead_letters,
    set_endpoint_enabled,
    sync_status,
)
from crm_sync.settings import CrmSettings
from kernel.clock import SystemClock
from kernel.db import Database
from kernel.errors import InvalidInput, TailcallError
from kernel.settings import load_settings

crm_app = typer.Typer(help="CRM sync: relay, connectors, dead letters.", no_args_is_help=True)
dead_app = typer.Typer(help="Deliveries that gave up.", no_args_is_help=True)
relay_app = typer.Typer(help="The outbox relay worker.", no_args_is_help=True)
endpoints_app = typer.Typer(help="Webhook and file-export endpoints.", no_args_is_help=True)
crm_app.add_typer(dead_app, name="dead-letters")
crm_app.add_typer(relay_app, name="relay")
crm_app.add_typer(endpoints_app, name="endpoints")


def _db() -> Any:

    settings = load_settings()
    settings.ensure_dirs()
    return Database(settings)


def _crm_settings() -> Any:

    try:
        return CrmSettings()
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "settings"
            typer.secho(f"TAILCALL_CRM_{field.upper()}: {err['msg']}", fg="red", err=True)
        raise typer.Exit(2) from exc


def _fail(exc: Exception) -> NoReturn:
    typer.secho(str(exc), fg="red", err=True)
    raise typer.Exit(1) from exc


@crm_app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """Per connector: pending / failed / delivered / dead."""

    db = _db()
    with db.read() as s:
        st = sync_status(s)
    if as_json:
        typer.echo(st.model_dump_json(indent=2))
        return
    table = Table(title=f"CRM connectors (outbox undispatched: {st.undispatched})")
    for col in ("id", "name", "kind", "enabled", "pending", "failed", "delivered", "dead"):
        table.add_column(col)
    for c in st.connectors:
        table.add_row(
            str(c.endpoint_id),
            escape(c.name),
            c.kind,
            "yes" if c.enabled else "no",
            str(c.pending),
            str(c.failed),
            str(c.delivered),
            str(c.dead),
        )
    Console().print(table)


@dead_app.command("list")
def dead_list(
    include_replayed: bool = typer.Option(False, help="Also show replayed ones"),
    limit: int = typer.Option(100, min=1, max=10000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List dead letters."""

    with _db().read() as s:
        rows = list_dead_letters(s, include_replayed=include_replayed, limit=limit)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=2))
        return
    table = Table(title="Dead letters")
    for col in ("id", "endpoint", "event", "type", "lead", "status", "reason", "at", "replayed"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r.id),
            escape(r.endpoint),
            r.event_id,
            r.event_type,
            str(r.lead_id or ""),
            str(r.last_status or ""),
            escape(r.reason),
            r.created_at.isoformat(timespec="seconds"),
            r.replayed_at.isoformat(timespec="seconds") if r.replayed_at else "",
        )
    Console().print(table)


@dead_app.command("replay")
def dead_replay(
    ids: list[int] = typer.Argument(None, help="Dead letter ids"),
    all_: bool = typer.Option(False, "--all", help="Replay every open dead letter"),
) -> None:
    """Put dead deliveries back to pending."""

    if bool(ids) == all_:
        typer.secho("give dead letter ids or --all", fg="red", err=True)
        raise typer.Exit(2)
    try:
        with _db().session() as s:
            n = replay_dead_letters(s, None if all_ else ids, now=SystemClock().now())
    except TailcallError as exc:
        _fail(exc)
    typer.echo(f"replayed {n} dead letter(s)")


@relay_app.command("run")
def relay_run(
    exit_when_done: bool = typer.Option(
        False, help="Exit once nothing is left to deliver (retries included)"
    ),
    owner: str | None = typer.Option(None, help="Lease owner name (default host:pid:random)"),
) -> None:
    """Run the relay until interrupted (SIGINT/SIGTERM finish the batches in flight)."""
    from crm_sync.relay import (
        Relay,  # deferred: the relay's HTTP client (aiohttp) takes 0.7 s to import at every CLI start
    )

    db = _db()
    relay = Relay(db, _crm_settings(), SystemClock(), owner=owner)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        totals = await relay.run(stop, exit_when_done=exit_when_done)
        typer.echo(
            f"relay stopped: delivered={totals.delivered} retried={totals.retried} "
            f"dead={totals.dead}"
        )

    try:
        asyncio.run(main())
    finally:
        db.dispose()


@endpoints_app.command("add")
def endpoints_add(
    name: str = typer.Argument(..., help="Unique name"),
    kind: str = typer.Option("webhook", help="webhook or file"),
    url: str | None = typer.Option(None, help="Webhook URL"),
    secret: str | None = typer.Option(None, help="whsec_... (generated when omitted)"),
    directory: Path | None = typer.Option(None, help="File export directory"),
    formats: str = typer.Option("jsonl,csv", help="File formats: jsonl, csv"),
    timezone: str = typer.Option("UTC", help="Day boundary for file rotation"),
    include_phone: bool = typer.Option(False, help="Send full phone numbers (else masked)"),
) -> None:
    """Add an endpoint; a generated webhook secret is printed once."""

    config: dict[str, Any] = {"include_phone": include_phone}
    crm = _crm_settings()
    if kind == "file":
        config.update(
            directory=str(directory) if directory else ".",
            formats=[f.strip() for f in formats.split(",") if f.strip()],
            timezone=timezone,
        )
    try:
        spec = EndpointIn(name=name, kind=kind, url=url, secret=secret, config=config)
        db = _db()
        with db.session() as s:
            created = add_endpoint(s, spec, crm.endpoint_policy(db.settings.data_dir))
    except (TailcallError, ValueError) as exc:
        _fail(exc)
    typer.echo(f"endpoint {created.id} {created.name} ({created.kind}) added")
    if created.secret:
        typer.echo(f"signing secret (shown once): {created.secret}")


@endpoints_app.command("list")
def endpoints_list() -> None:
    """List endpoints."""

    with _db().read() as s:
        rows = list_endpoints(s)
    table = Table(title="CRM endpoints")
    for col in ("id", "name", "kind", "target", "enabled", "disabled because"):
        table.add_column(col)
    for e in rows:
        target = e.url or str(e.config.get("directory", ""))
        table.add_row(
            str(e.id),
            escape(e.name),
            e.kind,
            escape(target),
            "yes" if e.enabled else "no",
            escape(e.disabled_reason or ""),
        )
    Console().print(table)


@endpoints_app.command("disable")
def endpoints_disable(
    ref: str = typer.Argument(..., help="Endpoint id or name"),
    reason: str | None = typer.Option(None, help="Why"),
) -> None:
    """Pause deliveries to an endpoint (they wait, nothing is dropped)."""
    _set_enabled(ref, False, reason)


@endpoints_app.command("enable")
def endpoints_enable(ref: str = typer.Argument(..., help="Endpoint id or name")) -> None:
    """Resume deliveries to an endpoint (e.g. after a 410 was fixed)."""
    _set_enabled(ref, True, None)


def _set_enabled(ref: str, enabled: bool, reason: str | None) -> None:

    try:
        with _db().session() as s:
            ep = set_endpoint_enabled(s, ref, enabled, reason=reason, now=SystemClock().now())
    except TailcallError as exc:
        _fail(exc)
    typer.echo(f"endpoint {ep.id} {ep.name}: {'enabled' if ep.enabled else 'disabled'}")


if __name__ == "__main__":
    crm_app()


branches_app = typer.Typer(
    help="The branch directory (branch leads go to it).", no_args_is_help=True
)
crm_app.add_typer(branches_app, name="branches")


@branches_app.command("import")
def branches_import(
    path: Path = typer.Argument(..., help="CSV: code,name[,region,contact,phone]; UTF-8"),
) -> None:
    """Add or update branches (all rows or none)."""
    db = _db()
    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(InvalidInput(f"cannot read it: {exc.strerror}", where=str(path)))
    try:
        with db.session() as s:
            done = import_branches(s, data, path.name)
    except InvalidInput as exc:
        _fail(exc)
    typer.echo(f"branches: {done.added} added, {done.updated} updated")


@branches_app.command("ls")
def branches_ls() -> None:
    """The branch directory."""
    db = _db()
    with db.read() as s:
        rows = list_branches(s)
    if not rows:
        typer.echo(f"no branches: import some (sample: {SAMPLE_BRANCHES})")
    for b in rows:
        typer.echo(f"{b.code:<8} {b.name}  {b.region}  {b.contact} {b.phone}".rstrip())
