"""The ``tailcall`` command line: the app shell mounts each subsystem's commands."""

from __future__ import annotations

import typer

from kernel.settings import load_settings

app = typer.Typer(
    name="tailcall",
    help="On-premise intelligent outbound calling with live human handoff.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Create or migrate the database schema."""
    from kernel.db import upgrade

    settings = load_settings()
    upgrade(settings, revision)
    typer.echo(f"database at {revision}: {_safe_url(settings.resolved_database_url)}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from alembic import command

    from kernel.db import alembic_config

    command.current(alembic_config(load_settings()))


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Bind address (default TAILCALL_HOST)"),
    port: int | None = typer.Option(None, help="Port (default TAILCALL_PORT)"),
) -> None:
    """Run API, console, media endpoint and background loops in one process."""
    import uvicorn

    from kernel.db import upgrade
    from tailcall.app import create_app

    settings = load_settings()
    if host:
        settings.host = host
    if port:
        settings.port = port
    upgrade(settings)
    uvicorn.run(
        create_app(settings, background=True),
        host=settings.host,
        port=settings.port,
        log_level="info",
    )


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _mount_subsystems() -> None:
    from crm_sync.cli import crm_app
    from dialer.campaigns.cli import campaigns_app, worker_app
    from dialer.lists.cli import lists_app, suppress_app
    from dialogue.intent.cli import intent_app
    from dialogue.speech.cli import models_app, speech_app
    from handoff.cli import users_app
    from scripts.cli import scripts_app
    from simulator.cli import simulate_command, simulator_app

    app.add_typer(lists_app, name="lists")
    app.add_typer(suppress_app, name="suppress")
    app.add_typer(campaigns_app, name="campaigns")
    app.add_typer(worker_app, name="worker")
    app.add_typer(crm_app, name="crm")
    app.add_typer(models_app, name="models")
    app.add_typer(speech_app, name="speech")
    app.add_typer(intent_app, name="intent")
    app.add_typer(users_app, name="users")
    app.add_typer(scripts_app, name="scripts")
    app.add_typer(simulator_app, name="simulator")
    app.command("simulate")(simulate_command)


_mount_subsystems()


def main() -> None:
    app()
