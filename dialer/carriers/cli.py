"""CLI: ``tailcall carrier check NUMBER`` places a test call and says what happened."""

from __future__ import annotations

import asyncio

import typer

from dialer.carriers.sip.config import check_caller_id
from dialer.carriers.sip.settings import SipSettings, SipSettingsError
from kernel.settings import load_settings

carrier_app = typer.Typer(help="The carrier calls go out through.", no_args_is_help=True)


@carrier_app.callback()
def _carrier() -> None:
    """The carrier calls go out through."""


@carrier_app.command("check")
def check(
    number: str = typer.Argument(..., help="The number to call (a phone you can answer)"),
    caller_id: str | None = typer.Option(
        None, help="Calling number (default TAILCALL_SIP_CALLER_ID)"
    ),
    hold: float = typer.Option(3.0, min=0.5, max=60, help="Seconds to stay on after the answer"),
    ring: float = typer.Option(30.0, min=1, max=180, help="Seconds to ring before giving up"),
) -> None:
    """Place one test call over the SIP trunk (TAILCALL_SIP_*) and report what happened."""
    settings = load_settings()
    if settings.carrier != "sip":
        typer.secho(
            f"TAILCALL_CARRIER is {settings.carrier}: `carrier check` tests a SIP trunk; set "
            "TAILCALL_CARRIER=sip and TAILCALL_SIP_HOST (see README, Configuring a real carrier)",
            fg="red",
            err=True,
        )
        raise typer.Exit(2)
    try:
        config = SipSettings().trunk_config()
        if caller_id is not None:
            check_caller_id("caller_id", caller_id)
    except (SipSettingsError, ValueError) as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    # deferred: the SIP stack (sippy's thread, aiortp, numpy) costs 0.3 s at every CLI start
    from dialer.carriers.sip.check import check_call

    report = asyncio.run(
        check_call(config, number, caller_id=caller_id, hold_s=hold, ring_timeout_s=ring)
    )
    for line in report.lines:
        typer.echo(line)
    typer.secho(
        "the call was answered"
        if report.answered
        else f"the call was not answered: {report.outcome}",
        fg="green" if report.answered else "yellow",
    )
    raise typer.Exit(0 if report.answered else 1)
