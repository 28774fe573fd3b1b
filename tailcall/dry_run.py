"""Dry runs assembled: the simulator's ``run_dry_run`` behind the product's interface.

``BackgroundDryRuns`` is the ``dialer.campaigns.dry_run.DryRunner`` the console's pages and
API call (``app.state.dry_runner``, set by ``install`` in ``tailcall serve``): each run is
stored (``campaign_dry_runs``) and runs on one worker thread, off the event loop, one at a
time, writing its progress to its row. ``dry_run_command`` is ``tailcall campaigns
dry-run SPEC.yaml``. This module imports the simulator (as ``tailcall.cli`` and
``tailcall.simulation`` do); the app factory does not.
"""

from __future__ import annotations

import getpass
import json
import logging
import queue
import shutil
import threading
from pathlib import Path

import typer
import yaml
from fastapi import FastAPI
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dialer.campaigns import dry_runs
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.dry_run import (
    DEFAULT_SAMPLE,
    FUNNEL_KEYS,
    MAX_SAMPLE,
    DryRunRequest,
    DryRunResult,
)
from dialer.campaigns.spec import CampaignSpec
from kernel.db import Database, utcnow
from kernel.errors import TailcallError
from kernel.settings import Settings, load_settings
from tailcall.outcomes import record_call_result

log = logging.getLogger(__name__)


def run_stored(
    db: Database, settings: Settings, ds: DialerSettings, run_id: int, request: DryRunRequest
) -> DryRunResult | None:
    """Run a stored dry run to its end, writing progress, the result or the failure."""
    # deferred: a dry run loads the speech stack (pipecat: its banner and a second of
    # imports), which every other command would pay
    from simulator.dry_run import run_dry_run

    def progress(done: int, total: int) -> None:
        with db.session() as s:
            dry_runs.progress(s, run_id, done, total)

    try:
        result = run_dry_run(
            db,
            request,
            settings=settings,
            dialer_settings=ds,
            record=record_call_result,
            work_dir=settings.data_dir / "dry-runs" / str(run_id),
            now=utcnow(),
            progress=progress,
        )
    except Exception as exc:  # a failed run says why on its page; the server carries on
        log.exception("dry run failed", extra={"dry_run_id": run_id})
        message = exc.message if isinstance(exc, TailcallError) else f"{type(exc).__name__}: {exc}"
        with db.session() as s:
            dry_runs.fail(s, run_id, message, utcnow())
        return None
    with db.session() as s:
        dry_runs.finish(s, run_id, result, utcnow())
    return result


class BackgroundDryRuns:
    """``DryRunner`` on one daemon thread: runs queue up and run one at a time. A server
    that stops does not wait for a run; the next one to start fails the runs it left
    (saying so on their rows) and removes their simulation files."""

    def __init__(self, db: Database, settings: Settings, ds: DialerSettings) -> None:
        self.db, self.settings, self.ds = db, settings, ds
        with db.session() as s:
            left = dry_runs.interrupted(s, utcnow())
        for run_id in left:
            shutil.rmtree(settings.data_dir / "dry-runs" / str(run_id), ignore_errors=True)
        if left:
            log.warning("dry runs %s were interrupted by a restart and marked failed", left)
        self._queue: queue.Queue[tuple[int, DryRunRequest] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="dry-runs", daemon=True)
        self._thread.start()

    def start(self, request: DryRunRequest, *, who: str, campaign_id: int | None) -> int:
        with self.db.session() as s:
            run_id = dry_runs.add(s, request, who, campaign_id, utcnow())
        self._queue.put((run_id, request))
        return run_id

    def _work(self) -> None:
        while (job := self._queue.get()) is not None:
            run_stored(self.db, self.settings, self.ds, *job)

    def close(self) -> None:
        self._queue.put(None)


def install(app: FastAPI) -> None:
    """Give the app's pages and API their dry runs (the app's database and settings)."""
    app.state.dry_runner = BackgroundDryRuns(
        app.state.db, app.state.settings, app.state.dialer_settings
    )


# ------------------------------------------------------------------ the CLI


def read_spec(path: Path) -> CampaignSpec:
    """The spec file, or exit 2 with one line per field in error (as the form shows them)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return CampaignSpec.model_validate(raw)
    except yaml.YAMLError as exc:
        typer.secho(f"{path.name}: not YAML: {exc}", fg="red", err=True)
    except ValidationError as exc:
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"]) or "spec"
            msg = str(e["msg"]).removeprefix("Value error, ")
            typer.secho(f"{path.name}: {where}: {msg}", fg="red", err=True)
    raise typer.Exit(2)


def dry_run_command(
    spec_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Campaign YAML"),
    sample: int = typer.Option(
        DEFAULT_SAMPLE, "--sample", min=1, max=MAX_SAMPLE, help="Most customers to simulate"
    ),
    agents: int = typer.Option(5, "--agents", min=0, help="Simulated agents for handoffs"),
    seed: int = typer.Option(1, "--seed", min=0),
    as_json: bool = typer.Option(False, "--json", help="The result as JSON"),
) -> None:
    """Simulate a campaign before launching it: its spec on virtual time against a random
    sample of the customers it would call, with simulated customers (the simulator's
    persona mix). Prints the expected funnel; the real campaign is not touched."""
    spec = read_spec(spec_file)
    settings = load_settings()
    db = Database(settings)
    try:
        request = DryRunRequest(spec=spec, sample=sample, agents=agents, seed=seed)
        with db.session() as s:
            run_id = dry_runs.add(s, request, f"cli:{getpass.getuser()}", None, utcnow())
        result = run_stored(db, settings, DialerSettings(), run_id, request)
        with db.read() as s:
            view = dry_runs.get(s, run_id)
    finally:
        db.dispose()
    if result is None:
        typer.secho(f"dry run {run_id} failed: {view.error}", fg="red", err=True)
        raise typer.Exit(1)
    if as_json:
        typer.echo(json.dumps(view.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    print_result(view.id, spec.name, result)


def print_result(run_id: int, name: str, r: DryRunResult) -> None:
    out = Console()
    out.print(
        f"[bold]dry run {run_id}[/bold] of {escape(name)}: a simulation with simulated "
        f"customers (persona mix A {r.grade_mix['A']} / B {r.grade_mix['B']} / "
        f"C {r.grade_mix['C']} / D {r.grade_mix['D']}); the funnel's mechanics, "
        "not a forecast of real conversion"
    )
    out.print(
        f"audience {r.audience:,} of {r.members:,} members"
        + "".join(f", {n:,} excluded ({k})" for k, n in r.excluded.items())
        + f"; simulated a random sample of {r.sample:,} (x{r.scale:g}) in {r.wall_s:.1f} s"
    )
    names = [v.name for v in r.variants]
    t = Table("", "sample", "expected", *(f"{n} (exp.)" for n in names) if len(names) > 1 else ())
    for k in FUNNEL_KEYS:
        per = [f"{v.expected[k]:,}" for v in r.variants] if len(names) > 1 else []
        t.add_row(k, f"{r.funnel[k]:,}", f"{r.expected[k]:,}", *per)
    out.print(t)
    if r.expected_skips:
        skips = ", ".join(f"{k} {n:,}" for k, n in r.expected_skips.items())
        out.print(f"skips (expected): {escape(skips)}")
    e = r.estimate
    if e.ends_at is None:
        out.print("[yellow]the calling window does not open enough within a year[/yellow]")
    else:
        out.print(
            f"duration: about {e.calling_s / 3600:.1f} calling hours ({e.limited_by}-limited, "
            f"{e.dials:,} dials), done by {e.ends_at:%Y-%m-%d %H:%M} UTC: "
            f"{e.calendar_days} calendar day(s)"
        )
    for trip in r.breaker_trips[:1]:
        out.print(
            f"[yellow]the compliance breaker would pause it after {trip.after_dials} dials: "
            f"{escape(trip.detail)}[/yellow]"
        )
    if r.unfinished:
        out.print("[yellow]stopped before every call was done (time limit)[/yellow]")
