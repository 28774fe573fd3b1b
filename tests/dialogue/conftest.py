"""Speech fixtures: one Korean model per test session, espeak-ng audio, settings on tmp dirs."""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dialogue.speech.asr_models import ModelRegistry, Vocabulary
from dialogue.speech.settings import SpeechSettings


def espeak_pcm(text: str, *, rate: int = 8000, voice: str = "ko", wpm: int = 150) -> bytes:
    """``text`` spoken by the espeak-ng command line, 16-bit mono at ``rate``."""
    import soxr  # type: ignore[import-untyped]

    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    with wave.open(io.BytesIO(wav)) as w:
        src = w.getframerate()
        data = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    out = soxr.resample(data.astype(np.float32), src, rate)
    return bytes(np.clip(out, -32768, 32767).astype(np.int16).tobytes())


def silence(seconds: float, rate: int = 8000) -> bytes:
    return bytes(int(seconds * rate) * 2)


@pytest.fixture(scope="session")
def speech_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def session_speech_settings(speech_root: Path) -> SpeechSettings:
    return SpeechSettings(data_dir=speech_root / "var")


@pytest.fixture(scope="session")
def ko_registry(session_speech_settings: SpeechSettings) -> ModelRegistry:
    return ModelRegistry(session_speech_settings)


@pytest.fixture(scope="session")
def ko_model(ko_registry: ModelRegistry) -> Any:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    try:
        return ko_registry.model("ko-KR")
    except Exception as exc:
        pytest.skip(f"Korean model unavailable: {exc}")


@pytest.fixture(scope="session")
def ko_vocab(ko_registry: ModelRegistry) -> Vocabulary:
    try:
        return ko_registry.vocabulary("ko-KR")
    except Exception as exc:
        pytest.skip(f"Korean model unavailable: {exc}")


@pytest.fixture
def speak() -> Callable[..., bytes]:
    return espeak_pcm
