"""``tailcall simulator ...``: run the simulated carrier, list personas, hear voices."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from kernel.clock import SystemClock
from kernel.errors import TailcallError
from simulator import audio, tts
from simulator.calls import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN
from simulator.carrier import SimCarrier
from simulator.carrier_api import carrier_app
from simulator.host import SimulationHost
from simulator.lines import Answer
from simulator.magic_numbers import MagicNumberPlan
from simulator.media import MediaOptions
from simulator.personas import PERSONA_DIR, load_personas
from simulator.report import SimulationReport, render_html, render_rich
from simulator.sidechannel import InMemorySideChannel
from simulator.textcalls import generate, write_jsonl

simulator_app = typer.Typer(help="Fake telephony and simulated customers.", no_args_is_help=True)


@simulator_app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Bind address"),
    port: int = typer.Option(8099, help="Port of the carrier API"),
    account_sid: str = typer.Option(None, help="AccountSid to accept (default: the dev one)"),
    auth_token: str = typer.Option(
        None,
        envvar="TAILCALL_SIM_AUTH_TOKEN",
        help="AuthToken for basic auth (default: the dev one)",
    ),
    language: str = typer.Option("zh-CN", help="Language of voicemail and customers"),
    seed: int = typer.Option(0, help="Seed for timing and customer choices"),
    ws_side_channel: bool = typer.Option(
        False, help="Send simulator-only x-sim events on media websockets"
    ),
) -> None:
    """Serve a Twilio-compatible carrier. Numbers ending 01..10 are test lines
    (01 busy, 02 no answer, 03 powered off, 04 invalid, 05 out of service, 06 voicemail,
    07 hangs up mid-call, 08 long silence, 09 barge-in, 10 failed); others answer."""

    sid = account_sid or DEFAULT_ACCOUNT_SID
    token = auth_token or DEFAULT_AUTH_TOKEN
    carrier = SimCarrier(
        clock=SystemClock(),
        line_plan=MagicNumberPlan(default=Answer(), language=language),
        accounts={sid: token},
        seed=seed,
        side_channel=InMemorySideChannel(),
        media_options=MediaOptions(seed=seed, ws_side_channel=ws_side_channel),
    )
    typer.echo(f"simulated carrier: http://{host}:{port}/2010-04-01/Accounts/{sid}/Calls.json")
    uvicorn.run(carrier_app(carrier), host=host, port=port, log_config=None, log_level="info")


@simulator_app.command("personas")
def personas(
    directory: Path = typer.Option(None, help="Persona folder (default: the shipped ones)"),
) -> None:
    """List the personas and what they are."""

    table = Table("id", "attitude", "grade", "answers (default)", "description")
    for p in load_personas(directory or PERSONA_DIR).values():
        table.add_row(
            p.id, p.attitude, p.grade, f"{p.answer_probability['default']:.0%}", p.description
        )
    Console().print(table)


@simulator_app.command("say")
def say(
    text: str = typer.Argument(..., help="What to say"),
    out: Path = typer.Option(Path("say.wav"), help="WAV file to write (8 kHz, via mu-law)"),
    language: str = typer.Option("zh-CN", help="zh-CN, ko-KR or en-US"),
    speed: int = typer.Option(160, help="Words per minute"),
) -> None:
    """Render a line as the simulated customer would say it on the phone."""

    mulaw = tts.render_mulaw(text, tts.Voice(language=language, speed_wpm=speed))
    out.write_bytes(audio.mulaw_to_wav(mulaw))
    typer.echo(f"{out} ({len(mulaw) / audio.SAMPLE_RATE:.1f} s)")


@simulator_app.command("report")
def report(
    path: Path = typer.Argument(..., help="A simulation report JSON file"),
    html: Path = typer.Option(None, help="Also write the HTML page here"),
) -> None:
    """Show a saved simulation report."""

    data = SimulationReport.model_validate_json(path.read_text(encoding="utf-8"))
    render_rich(data)
    if html is not None:
        html.write_text(render_html(data), encoding="utf-8")


@simulator_app.command("textcalls")
def textcalls(
    script: str = typer.Option("points_reminder", help="Shipped script id"),
    language: str = typer.Option("zh-CN", help="Script language"),
    calls: int = typer.Option(2000, min=1, help="How many calls"),
    wer: float = typer.Option(0.1, min=0.0, max=1.0, help="Simulated word error rate"),
    seed: int = typer.Option(1, help="Seed (the same seed gives the same file)"),
    split: str = typer.Option("eval", help="Persona variants: 'fit' or 'eval' (never shared)"),
    per_persona: int = typer.Option(5, min=1, help="Variants of each persona"),
    out: Path = typer.Option(Path("calls.jsonl"), help="JSONL file to write (replay format)"),
) -> None:
    """Labelled text-mode calls for the intent scorer (docs/intent.md)."""

    if split not in ("fit", "eval"):
        typer.secho("error: --split must be 'fit' or 'eval'", fg="red", err=True)
        raise typer.Exit(2)
    labels: Counter[str] = Counter()

    def counted() -> object:
        for rec in generate(
            script,
            language,
            calls,
            split="fit" if split == "fit" else "eval",
            per_persona=per_persona,
            word_error_rate=wer,
            seed=seed,
        ):
            labels[rec["label"]] += 1
            yield rec

    try:
        n = write_jsonl(counted(), out)  # type: ignore[arg-type]
    except TailcallError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        raise typer.Exit(2) from None
    shares = ", ".join(f"{g} {labels[g]}" for g in "ABCD")
    typer.echo(f"wrote {n} calls to {out} ({shares})")


def simulate_command_for(host: SimulationHost) -> Callable[..., None]:
    """``tailcall simulate`` running the product ``host`` builds (the CLI root's)."""

    def simulate_command(
        script: str = typer.Option("points_reminder", help="Shipped script id"),
        language: str = typer.Option("zh-CN", help="Script language"),
        customers: int = typer.Option(1000, min=1, help="Synthetic customers to import and call"),
        personas: str = typer.Option("all", help="'all' or a comma-separated list of persona ids"),
        seed: int = typer.Option(1, help="Seed (the same seed gives the same report)"),
        speech: str = typer.Option(
            "text",
            help="'text' (fast, injected replies) or 'audio' (espeak-ng speech, Vosk, real time)",
        ),
        wer: float = typer.Option(0.1, min=0.0, max=1.0, help="Simulated word error rate"),
        out: Path = typer.Option(None, help="Directory for simulation.json and simulation.html"),
        database_url: str = typer.Option(
            None, help="Database to use (default: SQLite in a fresh temporary directory)"
        ),
        model: Path = typer.Option(None, help="Scoring model file (default: the script's model)"),
        lines: int = typer.Option(80, min=1, help="Carrier lines (concurrent calls)"),
        agents: int = typer.Option(None, min=1, help="Simulated agents (default: one per line)"),
        time_factor: float = typer.Option(
            20.0, min=1.0, help="How much faster the carrier's time runs"
        ),
        timeout: float = typer.Option(900.0, min=1.0, help="Give up after this many seconds"),
    ) -> None:
        """Simulate a campaign end to end: import, dial loop, simulated carrier, personas,
        the script engine and intent scorer, simulated agents; then the report."""
        # deferred: a simulation loads the speech stack (pipecat: 0.9 s and its banner)
        from simulator.simulate import SimulationConfig, run_simulation

        if speech not in ("text", "audio"):
            typer.secho("error: --speech must be 'text' or 'audio'", fg="red", err=True)
            raise typer.Exit(2)
        wanted = [p.strip() for p in personas.split(",") if p.strip() and p.strip() != "all"]
        cfg = SimulationConfig(
            script=script,
            language=language,
            customers=customers,
            personas=wanted,
            seed=seed,
            speech=speech,
            word_error_rate=wer,
            model_path=model,
            database_url=database_url,
            time_factor=time_factor,
            lines=lines,
            agents=agents,
            timeout_s=timeout,
        )
        console = Console()
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("attempts finished", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=max(total, 1))

            try:
                result = asyncio.run(run_simulation(cfg, host, progress=progress))
            except TailcallError as exc:
                typer.secho(f"error: {exc}", fg="red", err=True)
                raise typer.Exit(2) from None
        render_rich(result.report, console)
        if result.errors:
            typer.secho(
                f"{len(result.errors)} calls failed; first: {result.errors[0]}", fg="yellow"
            )
        if out is not None:
            j, h = result.report.save(out)
            typer.echo(f"wrote {j} and {h}")

    return simulate_command
