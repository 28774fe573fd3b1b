"""``tailcall models list|check|install``: what speech models are found and how to fix the rest."""

from __future__ import annotations

from pathlib import Path

import typer
from vosk import KaldiRecognizer

from dialogue.speech.answering_cli import answering_app
from dialogue.speech.asr_models import ModelMissing, ModelRegistry
from dialogue.speech.settings import SpeechSettings
from kernel.errors import TailcallError

models_app = typer.Typer(help="Vosk speech models by language.", no_args_is_help=True)


def _registry() -> object:

    return ModelRegistry(SpeechSettings())


@models_app.command("list")
def list_models() -> None:
    """Each known language: where its model is, or what is missing and how to fix it."""

    reg = _registry()
    assert isinstance(reg, ModelRegistry)
    for lang in reg.languages():
        st = reg.status(lang)
        if st.location is not None:
            typer.echo(f"{lang}: found ({st.location.source}) {st.location.path}")
        else:
            typer.echo(f"{lang}: missing - {st.problem}; fix: {st.fix}")


@models_app.command("check")
def check_models(
    language: list[str] = typer.Option(
        ["ko-KR"], "--language", "-l", help="Languages that must work"
    ),
    load: bool = typer.Option(False, help="Also load each model and decode a second of silence"),
) -> None:
    """Exit 1 unless every given language has a usable model (and espeak-ng is installed)."""
    from dialogue.speech.pyttsx3_tts import (  # deferred: the TTS service imports pipecat (0.9 s and its banner at every CLI start)
        TtsUnavailable,
        check_espeak,
    )

    reg = _registry()
    assert isinstance(reg, ModelRegistry)
    ok = True
    for lang in language:
        try:
            loc = reg.locate(lang)
            vocab = reg.vocabulary(lang)
            msg = f"{lang}: ok ({loc.source}, {len(vocab)} words)"
            if load:
                rec = KaldiRecognizer(reg.model(lang), 8000)
                rec.AcceptWaveform(bytes(16000))
                msg += ", loads and decodes"
            typer.echo(msg)
        except ModelMissing as exc:
            ok = False
            typer.secho(str(exc), fg="red", err=True)
    try:
        check_espeak()
        typer.echo("espeak-ng: ok")
    except TtsUnavailable as exc:
        ok = False
        typer.secho(str(exc), fg="red", err=True)
    raise typer.Exit(0 if ok else 1)


@models_app.command("install")
def install_model(
    archive: Path = typer.Argument(..., help="A downloaded model archive (.zip or .tar.gz)"),
    language: str = typer.Option(..., "--language", "-l", help="BCP-47 tag, e.g. zh-CN"),
) -> None:
    """Unpack a model archive for an offline machine (into TAILCALL_VOSK_MODELS_DIR)."""

    reg = _registry()
    assert isinstance(reg, ModelRegistry)
    try:
        path = reg.install_from_archive(archive, language)
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{language}: installed at {path}")


speech_app = typer.Typer(help="The speech pipeline's processes.", no_args_is_help=True)
speech_app.add_typer(answering_app, name="answering")


@speech_app.command("media")
def media_workers(
    workers: int = typer.Option(2, "--workers", "-w", help="Processes sharing the port"),
    host: str = typer.Option("127.0.0.1", help="Address the carrier's media streams reach"),
    port: int = typer.Option(8081, help="Port shared by every worker (SO_REUSEPORT)"),
    runtime: str = typer.Option(..., help="module:function returning each worker's SpeechRuntime"),
    language: list[str] = typer.Option(["ko-KR"], "--language", "-l", help="Models to preload"),
) -> None:
    """Serve /media/{call_sid} from N worker processes (about 20 grammar calls each)."""
    from dialogue.speech.media_server import (
        serve_media,  # deferred: pipecat takes 0.9 s to import (and prints its banner) at every CLI start
    )

    try:
        serve_media(host=host, port=port, workers=workers, factory_spec=runtime, languages=language)
    except TailcallError as exc:
        typer.secho(str(exc), fg="red", err=True)
        raise typer.Exit(2) from exc
