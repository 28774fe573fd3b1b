"""CLI: ``tailcall campaigns ...`` and ``tailcall worker --role dialer``."""

from __future__ import annotations

import getpass
import json
import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.orm import Session

from dialer.campaigns import calendars, reports, service
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.holidays import parse_calendar
from dialer.campaigns.launch import LAUNCH_CHECKS, LaunchChecks
from dialer.campaigns.pacing import AgentCapacity
from dialer.campaigns.spec import CampaignSpec
from dialer.campaigns.variants import stop_variant
from dialer.campaigns.worker import build_dialer, load_agent_capacity
from dialer.carriers.sip.settings import SUPPORTED_DEPLOYMENT
from kernel.actors import Actor
from kernel.db import Database, utcnow
from kernel.errors import InvalidInput, TailcallError
from kernel.settings import load_settings

campaigns_app = typer.Typer(
    help="Campaigns: create, start, pause, resume, cancel, status.", no_args_is_help=True
)
holidays_app = typer.Typer(help="Holiday calendars used by calling windows.", no_args_is_help=True)
campaigns_app.add_typer(holidays_app, name="holidays")
worker_app = typer.Typer(help="Run a background worker process.")
# The composition root fills this: the dialer cannot import the console, whose presence
# tables say which agents are free (handoff.capacity).
AGENT_CAPACITY: list[Callable[[Database], AgentCapacity]] = []
# Its key in the CLI context's object: the composition root's check that ``--by`` names an
# enabled console user allowed to run campaigns (the users are the console's).
OPERATOR_CHECK = "operator_check"
OperatorCheck = Callable[[Session, str], None]
BY_HELP = "Act as this console user (checked: enabled, supervisor or admin); else the OS user"


def _settings() -> Any:

    return load_settings()


def _db() -> Any:

    return Database(_settings())


def _fail(exc: TailcallError) -> None:
    typer.secho(f"error: {exc}", fg="red", err=True)
    raise typer.Exit(1)


def _now() -> Any:

    return utcnow()


def _actor(ctx: typer.Context, s: Session, by: str | None) -> Actor:
    """Who acts: the console user named by ``--by`` (checked against the users table by
    the root's ``OPERATOR_CHECK``), else the operating-system user."""
    os_user = _os_user()
    if not by:
        return Actor.cli(os_user)
    obj = ctx.find_root().obj
    check = obj.get(OPERATOR_CHECK) if isinstance(obj, dict) else None
    if check is None:
        raise InvalidInput(
            "--by needs the console's users (run it as `tailcall ...`)", where="--by"
        )
    check(s, by)
    return Actor.cli(os_user, by)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the uid (a container)
        return "unknown"


def _launch(ctx: typer.Context) -> LaunchChecks | None:
    """The launch checks the CLI root puts in the context (``tailcall.cli``): the scripts
    and the speech model of a campaign, checked at create and start."""
    obj = ctx.find_root().obj
    checks = obj.get(LAUNCH_CHECKS) if isinstance(obj, dict) else None
    return checks if isinstance(checks, LaunchChecks) else None


@campaigns_app.command("create")
def create(
    ctx: typer.Context,
    spec_file: Path = typer.Argument(..., exists=True, help="Campaign YAML or JSON"),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Create a draft campaign from a spec file (checked: its scripts exist and lint
    clean, a speech model for its language is installed unless it is text_only)."""

    try:
        raw = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
        spec = CampaignSpec.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        typer.secho(f"{spec_file.name}: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    db = _db()
    try:
        with db.session() as s:
            actor = _actor(ctx, s, by)
            c = service.create_campaign(s, spec, _now(), launch=_launch(ctx), by=actor)
            typer.echo(f"campaign {c.id} created (draft): {c.name}")
    except TailcallError as exc:
        _fail(exc)
    finally:
        db.dispose()


def _lifecycle(
    ctx: typer.Context,
    ref: str,
    action: str,
    by: str | None,
    reason: str | None = None,
    launch: LaunchChecks | None = None,
) -> None:

    db = _db()
    try:
        with db.session() as s:
            actor = _actor(ctx, s, by)
            c = service.find_campaign(s, ref)
            if action == "start":
                rep = service.start_campaign(
                    s,
                    c.id,
                    _now(),
                    DialerSettings(),
                    db.settings.default_timezone,
                    launch,
                    by=actor,
                )
                typer.echo(
                    f"campaign {c.id} {c.status}: {rep.queued} queued of {rep.members}, "
                    f"skipped {dict(rep.skipped)}"
                )
            elif action == "pause":
                service.pause_campaign(s, c.id, _now(), by=actor)
                typer.echo(f"campaign {c.id} paused (live calls finish)")
            elif action == "resume":
                service.resume_campaign(s, c.id, _now(), by=actor)
                typer.echo(f"campaign {c.id} {c.status}")
            else:
                why = reason or "cancelled by operator"
                n = service.cancel_campaign(s, c.id, _now(), why, by=actor)
                typer.echo(f"campaign {c.id} cancelled; {n} queued attempts ended")
    except TailcallError as exc:
        _fail(exc)
    finally:
        db.dispose()


@campaigns_app.command("start")
def start(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="Id or name"),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Build the audience and start (or schedule) the campaign (checked as at create)."""
    _lifecycle(ctx, campaign, "start", by, launch=_launch(ctx))


@campaigns_app.command("pause")
def pause(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="Id or name"),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Stop new dials; live calls finish."""
    _lifecycle(ctx, campaign, "pause", by)


@campaigns_app.command("resume")
def resume(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="Id or name"),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    _lifecycle(ctx, campaign, "resume", by)


@campaigns_app.command("cancel")
def cancel(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="Id or name"),
    reason: str = typer.Option("cancelled by operator", help="Recorded on queued attempts"),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """End queued attempts with a reason; live calls finish."""
    _lifecycle(ctx, campaign, "cancel", by, reason)


@campaigns_app.command("stop-variant")
def stop_variant_command(
    ctx: typer.Context,
    campaign: str = typer.Argument(..., help="Id or name"),
    variant: str = typer.Argument(..., help="The script variant to stop"),
    by: str | None = typer.Option(None, "--by", help=BY_HELP),
) -> None:
    """Stop a losing script variant: its queued calls move to the remaining variants."""
    db = _db()
    try:
        with db.session() as s:
            actor = _actor(ctx, s, by)
            c = service.find_campaign(s, campaign)
            moved = stop_variant(s, c.id, variant, _now(), by=actor)
            typer.echo(f"campaign {c.id}: variant {variant} stopped; {moved} queued calls moved")
    except TailcallError as exc:
        _fail(exc)
    finally:
        db.dispose()


@campaigns_app.command("status")
def status(
    campaign: str = typer.Argument(None, help="Id or name; all when omitted"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Attempts by state, outcomes, and skips by reason."""

    db = _db()
    try:
        with db.read() as s:
            cs = [service.find_campaign(s, campaign)] if campaign else service.list_campaigns(s)
            stats = [reports.campaign_status(s, c.id) for c in cs]
    except TailcallError as exc:
        _fail(exc)
        return
    finally:
        db.dispose()
    if as_json:
        typer.echo(json.dumps(stats, indent=2, ensure_ascii=False))
        return
    t = Table("id", "name", "status", "attempts", "outcomes", "skips")
    for st in stats:
        t.add_row(
            str(st["id"]),
            escape(st["name"]),
            st["status"],
            _kv(st["attempts"]),
            _kv(st["outcomes"]),
            _kv(st["skips"]),
        )
    Console().print(t)
    for st in stats:
        for why in st["waiting"]:
            typer.secho(f"campaign {st['id']} waits: {why}", fg="yellow")
        for what in st["warnings"]:
            typer.secho(f"campaign {st['id']} warning: {what}", fg="yellow")


def _kv(d: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(d.items())) or "-"


@holidays_app.command("load")
def holidays_load(
    file: Path = typer.Argument(..., help="Holiday YAML: calendar, years.{Y}.holidays/workdays"),
) -> None:
    """Load the bank's days (each year in the file replaces the library's days of that year,
    and a year not yet known to the library becomes known)."""

    path = file
    db = _db()
    try:
        name, entries = parse_calendar(path.read_text(encoding="utf-8"), source=path.name)
        with db.session() as s:
            n = calendars.store_calendar(s, name, entries)
        typer.echo(f"calendar {name}: {n} days loaded")
    except TailcallError as exc:
        _fail(exc)
    finally:
        db.dispose()


@holidays_app.command("show")
def holidays_show(name: str = typer.Argument("cn"), year: int = typer.Option(None)) -> None:
    """List the days off and make-up working days in effect."""

    db = _db()
    try:
        with db.read() as s:
            cal = calendars.load_calendars(s, [name])[name]
    except TailcallError as exc:
        _fail(exc)
        return
    finally:
        db.dispose()
    for d in sorted(cal.off | cal.work):
        if year is None or d.year == year:
            kind = "off" if d in cal.off else "work"
            typer.echo(f"{d.isoformat()} {kind} {cal.names.get(d, '')}".rstrip())
    if year is not None and not cal.is_known(datetime(year, 1, 1).date()):
        typer.echo(f"{name} does not know {year}: no day of it is open (load the bank's days)")


def run_dialer_worker() -> None:
    """Run one dialer worker in this process until SIGINT/SIGTERM (for any worker CLI)."""

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = _settings()
    if settings.carrier == "sip":
        typer.secho(
            f"error: a dialer worker cannot dial over the SIP trunk; {SUPPORTED_DEPLOYMENT}",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    ds = DialerSettings()
    db = Database(settings)
    agents: AgentCapacity | None = None
    if ds.agent_capacity:
        agents = load_agent_capacity(ds.agent_capacity)
    elif AGENT_CAPACITY:
        agents = AGENT_CAPACITY[0](db)
    dialer = build_dialer(db, settings, ds, agents=agents)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        dialer.run(stop)
    finally:
        db.dispose()


@worker_app.callback(invoke_without_command=True)
def worker(
    role: str = typer.Option("dialer", "--role", help="dialer"),
) -> None:
    """Run a dialer worker until SIGINT/SIGTERM (``tailcall worker`` adds the other roles)."""
    if role != "dialer":
        typer.secho(f"unknown role {role!r}; this build knows: dialer", fg="red", err=True)
        raise typer.Exit(2)
    run_dialer_worker()


if __name__ == "__main__":  # python -m dialer.campaigns.cli  (the worker, before mounting)
    worker_app()
