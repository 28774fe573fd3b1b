"""``tailcall compliance export|verify``: the per-call compliance record."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from dialer.campaigns import ledger
from kernel.db import Database
from kernel.settings import load_settings

compliance_app = typer.Typer(
    help="The per-call compliance record (append-only, hash-chained).", no_args_is_help=True
)


@compliance_app.command("export")
def export(
    customer: str | None = typer.Option(
        None, "--customer", help="Customer: the bank's customer id, or the internal id"
    ),
    campaign: int | None = typer.Option(None, "--campaign", help="Campaign id"),
    out: Path | None = typer.Option(None, "--out", help="Write JSON lines here (else stdout)"),
) -> None:
    """Every entry of one customer or one campaign, in order, with its hash (JSON lines)."""
    if (customer is None) == (campaign is None):
        typer.secho("error: give exactly one of --customer or --campaign", fg="red", err=True)
        raise typer.Exit(2)
    db = Database(load_settings())
    try:
        with db.read() as s:
            cid: int | None = None
            if customer is not None:
                cid = ledger.customer_of(s, customer)
                if cid is None:
                    typer.secho(f"error: --customer: no customer {customer!r}", fg="red", err=True)
                    raise typer.Exit(2)
            rows = ledger.export(s, customer_id=cid, campaign_id=campaign)
    finally:
        db.dispose()
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out is None:
        typer.echo(text, nl=False)
    else:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
        typer.echo(f"{len(rows)} entries written to {out}", err=True)


@compliance_app.command("verify")
def verify() -> None:
    """Check the whole chain; exit 1 naming the first entry that was changed or removed."""
    db = Database(load_settings())
    try:
        with db.read() as s:
            v = ledger.verify(s)
    finally:
        db.dispose()
    if v.ok:
        typer.echo(f"ok: {v.entries} entries, the chain is intact")
        return
    typer.secho(f"BROKEN at entry {v.broken_at}: {v.problem}", fg="red", err=True)
    raise typer.Exit(1)
