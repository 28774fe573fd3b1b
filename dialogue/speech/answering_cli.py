"""``tailcall speech answering add|list|test``: the bank's library of carrier announcements."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from dialogue.speech import announcements
from dialogue.speech.answering import AudioAnswerListener
from dialogue.speech.settings import SpeechSettings
from kernel.errors import TailcallError

answering_app = typer.Typer(
    help="How the first seconds of a call are told apart: the announcement library.",
    no_args_is_help=True,
)


def _data_dir() -> Path:
    return SpeechSettings().data_dir


@answering_app.command("add")
def add_recording(
    name: str = typer.Argument(..., help="A name for the recording, e.g. cmcc-powered-off"),
    wav: Path = typer.Argument(..., help="The carrier's recording: a 16-bit PCM WAV"),
    outcome: str = typer.Option(..., help=f"What it means: {', '.join(announcements.OUTCOMES)}"),
    label: str = typer.Option("", help="What the recording says, for the record (e.g. 关机)"),
) -> None:
    """Add (or replace) a recording in the bank's library (the data dir's answering/)."""
    try:
        if not wav.is_file():
            raise TailcallError("no such file", where=str(wav))
        e = announcements.add(_data_dir(), name, outcome, label, wav.read_bytes(), str(wav))
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"added {e.name} ({e.outcome}) at {e.path}")


@answering_app.command("list")
def list_recordings() -> None:
    """Every recording the listener knows: shipped examples and the bank's own."""
    try:
        items = announcements.entries(_data_dir())
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    for e in items:
        typer.echo(f"{e.name}\t{e.outcome}\t{e.label}\t{e.source}")


@answering_app.command("test")
def test_recording(
    wav: Path = typer.Argument(..., help="A recording of a call's first seconds (16-bit WAV)"),
) -> None:
    """What the listener would decide for this audio, and after how many seconds."""
    try:
        if not wav.is_file():
            raise TailcallError("no such file", where=str(wav))
        samples = announcements.read_wav(wav.read_bytes(), str(wav))
        library = announcements.fingerprints(announcements.entries(_data_dir()))
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    listener = AudioAnswerListener(library)
    padded = np.concatenate([samples, np.zeros(int(listener.limit_s * 8000), np.int16)])
    for i in range(0, padded.size, 160):
        v = listener.feed(padded[i : i + 160].tobytes(), 8000)
        if v is not None:
            what = f"{v.kind} {v.outcome or ''} {v.label}".strip()
            typer.echo(f"{what} (confidence {v.confidence:.2f}) after {v.at_s:.2f} s")
            return
    typer.echo("no verdict")
