from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pipecat.frames.frames import ErrorFrame, TTSAudioRawFrame, TTSSpeakFrame
from pipecat.tests.utils import SleepFrame, run_test

from dialogue.speech.pyttsx3_tts import (
    PromptRenderer,
    Pyttsx3Renderer,
    Pyttsx3TTSService,
    RenderCache,
    Rendered,
)

pytestmark = pytest.mark.speech


def test_cache_roundtrip(tmp_path: Path) -> None:
    cache = RenderCache(tmp_path)
    assert cache.get("ko", 170, "네") is None
    cache.put("ko", 170, "네", Rendered(b"\x01\x00" * 100, 22050))
    assert cache.get("ko", 170, "네") == Rendered(b"\x01\x00" * 100, 22050)
    assert cache.get("ko", 180, "네") is None


async def test_renders_resampled_audio_and_hits_cache_on_second_call(tmp_path: Path) -> None:
    prompts = PromptRenderer(RenderCache(tmp_path))
    assert await prompts.prerender(["안녕하세요", "안녕하세요", "감사합니다"], "ko", 170) == 2
    for expected_hits in (1, 2):
        tts = Pyttsx3TTSService(prompts=prompts, voice="ko", sample_rate=8000)
        down, _ = await run_test(tts, frames_to_send=[TTSSpeakFrame("안녕하세요")])
        audio = [f for f in down if isinstance(f, TTSAudioRawFrame)]
        assert audio and all(f.sample_rate == 8000 for f in audio)
        assert sum(len(f.audio) for f in audio) / 16000 > 0.4
        assert prompts.hits == expected_hits and prompts.misses == 2


async def test_prompts_resampled_once_and_sent_in_100ms_frames(tmp_path: Path) -> None:
    prompts = PromptRenderer(RenderCache(tmp_path))
    await prompts.prerender(["안녕하세요"], "ko", 170, 8000)
    at_rate = prompts.cached("안녕하세요", "ko", 170, 8000)
    assert at_rate is not None and at_rate.sample_rate == 8000
    native = prompts.cached("안녕하세요", "ko", 170)
    assert native is not None and abs(native.duration_s - at_rate.duration_s) < 0.01
    tts = Pyttsx3TTSService(prompts=prompts, voice="ko", sample_rate=8000)
    down, _ = await run_test(tts, frames_to_send=[TTSSpeakFrame("안녕하세요")])
    audio = [f for f in down if isinstance(f, TTSAudioRawFrame)]
    assert b"".join(f.audio for f in audio) == at_rate.pcm  # the cached audio, as is
    assert all(len(f.audio) == 1600 for f in audio[:-1])


class SlowRenderer(Pyttsx3Renderer):
    """The process's renderer, answering only after ``delay_s`` (a loaded machine)."""

    def __init__(self, delay_s: float) -> None:  # no thread of its own
        self.delay_s = delay_s

    async def render(
        self, text: str, voice: str, rate: int, *, urgent: bool = True, scratch: Path | None = None
    ) -> Rendered:
        await asyncio.sleep(self.delay_s)
        shared = Pyttsx3Renderer.shared()
        return await shared.render(text, voice, rate, urgent=urgent, scratch=scratch)


async def test_a_slow_render_keeps_its_prompt(tmp_path: Path) -> None:
    prompts = PromptRenderer(RenderCache(tmp_path), SlowRenderer(3.5))
    # pipecat drops an audio context that gets nothing for stop_frame_timeout_s
    tts = Pyttsx3TTSService(prompts=prompts, voice="ko", sample_rate=8000, stop_frame_timeout_s=1.5)
    errors: list[ErrorFrame] = []

    @tts.event_handler("on_error")
    async def on_error(_: object, frame: ErrorFrame) -> None:
        errors.append(frame)

    down, up = await run_test(tts, frames_to_send=[TTSSpeakFrame("안녕하세요"), SleepFrame(4.5)])
    audio = [f for f in down if isinstance(f, TTSAudioRawFrame)]
    assert sum(len(f.audio) for f in audio) / 16000 > 0.4
    assert not [f for f in up if isinstance(f, ErrorFrame)] and not errors


async def test_the_render_scratch_is_private_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """espeak writes each render to a 0600 file in the data dir, deleted once read; nothing
    is left in the system temp dir (the last prompt, a customer's name, used to stay)."""
    import os
    import tempfile

    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    cache = RenderCache(tmp_path / "var" / "tts-cache")
    seen_modes: list[int] = []
    real_mkstemp = tempfile.mkstemp

    def spy(*a: object, **kw: object) -> tuple[int, str]:
        fd, name = real_mkstemp(*a, **kw)  # type: ignore[call-overload]
        if Path(name).name.startswith("render-"):
            seen_modes.append(os.stat(name).st_mode & 0o777)
            assert Path(name).parent == cache.root / ".scratch"
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    prompts = PromptRenderer(RenderCache(cache.root))
    audio = await prompts.get("김민수님 안녕하세요", "ko", 170)
    assert audio.duration_s > 0.3
    assert seen_modes == [0o600]
    assert list((cache.root / ".scratch").iterdir()) == []
    assert list(system_tmp.iterdir()) == []


async def test_a_prompt_in_memory_starts_without_waiting_for_the_loop(tmp_path: Path) -> None:
    """The greeting is prerendered: its first frame must not wait for event-loop turns
    (under load each turn is every other call's work)."""
    prompts = PromptRenderer(RenderCache(tmp_path))
    await prompts.prerender(["안녕하세요"], "ko", 170, 8000)
    tts = Pyttsx3TTSService(prompts=prompts, voice="ko", sample_rate=8000)
    await run_test(tts, frames_to_send=[])  # started: its sample rate is set
    frames = tts.run_tts("안녕하세요", "ctx")
    step = frames.__anext__()
    with pytest.raises(StopIteration) as first:  # done in one step, never suspended
        step.send(None)
    assert isinstance(first.value.value, TTSAudioRawFrame)
    await frames.aclose()
