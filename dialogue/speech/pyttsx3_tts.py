"""``Pyttsx3TTSService``: pyttsx3 (espeak-ng) speech, one engine thread per process, disk cache.

pyttsx3 is synchronous and crashes when two threads use espeak-ng at once (measured: 7
of 8 runs with four threads), so a process has exactly one ``Pyttsx3Renderer``: a daemon
thread that owns the engine and renders requests from a queue. Renders are whole
utterances (about 11 ms for a sentence) at espeak's 22,050 Hz; each prompt is resampled
to the call's rate once per process and kept in memory (not once per call, chunk by
chunk), and goes out in 100 ms frames, the output transport's chunk. Rendered audio is cached on disk by (voice, rate, text), so a campaign's
fixed prompts are rendered once (``prerender``) and the greeting plays the moment the
customer answers; variable parts (names, amounts) are rendered on demand.
"""

from __future__ import annotations

import asyncio
import ctypes.util
import functools
import hashlib
import io
import itertools
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import wave
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyttsx3
import soxr
from pipecat.frames.frames import ErrorFrame, Frame
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TTSService

from kernel.errors import TailcallError

ESPEAK_RATE = 22_050


class TtsUnavailable(TailcallError):
    status_code = 503
    code = "tts_unavailable"


@functools.cache
def _espeak_installed() -> bool:
    # find_library runs ``ldconfig -p`` in a child process (a fork of this large
    # process): once per process, not once per call (it held every greeting back)
    return ctypes.util.find_library("espeak-ng") is not None or bool(shutil.which("espeak-ng"))


def check_espeak() -> None:
    """Raise ``TtsUnavailable`` naming the fix when espeak-ng is not installed."""
    if not _espeak_installed():
        raise TtsUnavailable(
            "espeak-ng is not installed; pyttsx3 needs it: install it with "
            "`apt-get install espeak-ng` (Debian/Ubuntu) or your system's package manager"
        )


@dataclass(frozen=True)
class Rendered:
    pcm: bytes  # 16-bit mono
    sample_rate: int

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / (2 * self.sample_rate)


def _read_wav(data: bytes) -> Rendered:
    with wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise TtsUnavailable("espeak-ng produced an unexpected WAV format")
        return Rendered(w.readframes(w.getnframes()), w.getframerate())


class RenderCache:
    """WAV files under ``root``, named by a hash of (voice, rate, text)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def key(voice: str, rate: int, text: str) -> str:
        return hashlib.sha256(f"{voice}\x00{rate}\x00{text}".encode()).hexdigest()

    def path(self, voice: str, rate: int, text: str) -> Path:
        k = self.key(voice, rate, text)
        return self.root / k[:2] / f"{k}.wav"

    def get(self, voice: str, rate: int, text: str) -> Rendered | None:
        p = self.path(voice, rate, text)
        try:
            return _read_wav(p.read_bytes())
        except (FileNotFoundError, wave.Error, EOFError):
            return None

    def put(self, voice: str, rate: int, text: str, audio: Rendered) -> None:
        p = self.path(voice, rate, text)
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f, wave.open(f, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(audio.sample_rate)
            w.writeframes(audio.pcm)
        os.replace(tmp, p)


@dataclass
class _Job:
    text: str
    voice: str
    rate: int
    future: Future[Rendered]
    scratch: Path | None  # where espeak writes this render (None: the system temp dir)


SCRATCH = ".scratch"  # under the render cache (in the data dir): espeak's output files


class Pyttsx3Renderer:
    """The process's only pyttsx3 engine, owned by one thread; ``render`` is thread-safe."""

    _instance: Pyttsx3Renderer | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        check_espeak()
        # (priority, order, job): a live call's prompt (0) goes before warm-up renders (1),
        # so a campaign's prerendering never holds up a call's next prompt
        self._jobs: queue.PriorityQueue[tuple[int, int, _Job | None]] = queue.PriorityQueue()
        self._order = itertools.count()
        self._thread = threading.Thread(target=self._run, name="pyttsx3", daemon=True)
        self._thread.start()
        self.renders = 0
        self.render_s = 0.0

    @classmethod
    def shared(cls) -> Pyttsx3Renderer:
        """The process-wide renderer (started on first use)."""
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def submit(
        self, text: str, voice: str, rate: int, *, urgent: bool = True, scratch: Path | None = None
    ) -> Future[Rendered]:
        """Render on the engine's thread. ``scratch``: the folder espeak writes the WAV to
        (a private file, removed once read; callers pass one inside the data dir)."""
        fut: Future[Rendered] = Future()
        job = _Job(text, voice, rate, fut, scratch)
        self._jobs.put((0 if urgent else 1, next(self._order), job))
        return fut

    async def render(
        self, text: str, voice: str, rate: int, *, urgent: bool = True, scratch: Path | None = None
    ) -> Rendered:
        fut = self.submit(text, voice, rate, urgent=urgent, scratch=scratch)
        return await asyncio.wrap_future(fut)

    def _run(self) -> None:

        engine: Any = None
        while True:
            _prio, _n, job = self._jobs.get()
            if job is None:
                break
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                if engine is None:
                    engine = pyttsx3.init("espeak")
                t0 = time.perf_counter()
                engine.setProperty("voice", job.voice)
                engine.setProperty("rate", job.rate)
                audio = _render_once(engine, job)
                self.renders += 1
                self.render_s += time.perf_counter() - t0
                job.future.set_result(audio)
            except Exception as exc:
                job.future.set_exception(exc)


def _no_print(*_args: object, **_kwargs: object) -> None:
    return None


def _quiet_driver() -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." after every render, from its
    synthesis callback, which may run after ``runAndWait`` returned (so redirecting
    stdout around the call misses it): its module's ``print`` is made silent instead."""
    driver = sys.modules.get("pyttsx3.drivers.espeak")
    if driver is not None and getattr(driver, "print", None) is not _no_print:
        setattr(driver, "print", _no_print)  # noqa: B010


def _render_once(engine: Any, job: _Job) -> Rendered:
    """One render into a private scratch file (0600, made by mkstemp), removed at once: the
    rendered prompt (a customer's name, their points) is never left on disk."""
    if job.scratch is not None:
        job.scratch.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(prefix="render-", suffix=".wav", dir=job.scratch)
    os.close(fd)
    out = Path(name)
    try:
        _quiet_driver()
        for _attempt in range(3):
            engine.save_to_file(job.text, str(out))
            engine.runAndWait()
            # Seen under heavy load: runAndWait returned before the file was written.
            for _ in range(50):
                if out.stat().st_size > 44:
                    break
                time.sleep(0.01)
            if out.stat().st_size > 44:
                return _read_wav(out.read_bytes())
        raise TtsUnavailable("espeak-ng wrote no audio")
    finally:
        out.unlink(missing_ok=True)


def _resample(pcm: bytes, src: int, dst: int) -> bytes:

    out = soxr.resample(np.frombuffer(pcm, dtype=np.int16), src, dst)
    return bytes(np.asarray(out, dtype=np.int16).tobytes())


class PromptRenderer:
    """Cache-first rendering; used by the TTS service and to pre-render a campaign.

    Rendered prompts are also kept in memory (up to ``memory_bytes``, least recently used
    dropped first), so a pre-rendered greeting is played without touching the disk or a
    thread: it starts the moment the call's pipeline starts.
    """

    def __init__(
        self,
        cache: RenderCache,
        renderer: Pyttsx3Renderer | None = None,
        *,
        memory_bytes: int = 64 * 2**20,
    ) -> None:
        self.cache = cache
        self._renderer = renderer
        # (voice, rate, text, sample rate); sample rate 0: as rendered
        self._memory: OrderedDict[tuple[str, int, str, int], Rendered] = OrderedDict()
        self._memory_bytes = 0
        self._memory_limit = memory_bytes
        self.hits = 0
        self.misses = 0

    def cached(self, text: str, voice: str, rate: int, sample_rate: int = 0) -> Rendered | None:
        """The prompt from memory (``sample_rate``: resampled to it), or None (no I/O)."""
        key = (voice, rate, text, sample_rate)
        audio = self._memory.get(key)
        if audio is not None:
            self._memory.move_to_end(key)
        return audio

    def memory_hit(self, text: str, voice: str, rate: int, sample_rate: int) -> Rendered | None:
        """``cached`` at ``sample_rate``, counted as a hit when found."""
        audio = self.cached(text, voice, rate, sample_rate)
        if audio is not None:
            self.hits += 1
        return audio

    def _remember(
        self, text: str, voice: str, rate: int, audio: Rendered, sample_rate: int = 0
    ) -> None:
        key = (voice, rate, text, sample_rate)
        if key in self._memory:
            return
        self._memory[key] = audio
        self._memory_bytes += len(audio.pcm)
        while self._memory_bytes > self._memory_limit and len(self._memory) > 1:
            _, old = self._memory.popitem(last=False)
            self._memory_bytes -= len(old.pcm)

    @property
    def renderer(self) -> Pyttsx3Renderer:
        if self._renderer is None:
            self._renderer = Pyttsx3Renderer.shared()
        return self._renderer

    async def get(self, text: str, voice: str, rate: int, *, urgent: bool = True) -> Rendered:
        mem = self.cached(text, voice, rate)
        if mem is not None:
            self.hits += 1
            return mem
        cached = await asyncio.to_thread(self.cache.get, voice, rate, text)
        if cached is not None:
            self.hits += 1
            self._remember(text, voice, rate, cached)
            return cached
        self.misses += 1
        audio = await self.renderer.render(
            text, voice, rate, urgent=urgent, scratch=self.cache.root / SCRATCH
        )
        await asyncio.to_thread(self.cache.put, voice, rate, text, audio)
        self._remember(text, voice, rate, audio)
        return audio

    async def get_at(
        self, text: str, voice: str, rate: int, sample_rate: int, *, urgent: bool = True
    ) -> Rendered:
        """The prompt resampled to ``sample_rate`` (resampled once, then from memory)."""
        mem = self.memory_hit(text, voice, rate, sample_rate)
        if mem is not None:
            return mem
        audio = await self.get(text, voice, rate, urgent=urgent)
        if audio.sample_rate != sample_rate:
            audio = Rendered(_resample(audio.pcm, audio.sample_rate, sample_rate), sample_rate)
        self._remember(text, voice, rate, audio, sample_rate)
        return audio

    async def prerender(
        self, texts: Iterable[str], voice: str, rate: int, sample_rate: int | None = None
    ) -> int:
        """Render every text not yet cached (and, with ``sample_rate``, keep it resampled
        to that rate in memory); returns how many were rendered."""
        before = self.misses
        for text in dict.fromkeys(t for t in texts if t.strip()):
            if self.cached(text, voice, rate) is None:
                await self.get(text, voice, rate, urgent=False)
            if sample_rate and self.cached(text, voice, rate, sample_rate) is None:
                await self.get_at(text, voice, rate, sample_rate, urgent=False)
        return self.misses - before


RENDER_KEEPALIVE_S = 1.0  # how often a pending render refreshes its audio context


class Pyttsx3TTSService(TTSService):
    """pipecat TTS service on the process's pyttsx3 renderer and a disk cache."""

    def __init__(
        self,
        *,
        prompts: PromptRenderer,
        voice: str = "ko",
        rate: int = 170,
        chunk_s: float = 0.1,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("settings", TTSSettings(model=None, voice=voice, language=None))
        super().__init__(push_start_frame=True, push_stop_frames=True, **kwargs)
        check_espeak()
        self._prompts = prompts
        self._voice = voice
        self._rate = rate
        self._chunk_s = chunk_s
        self.last_render_s = 0.0

    @property
    def voice(self) -> str:
        return self._voice

    def can_generate_metrics(self) -> bool:
        return True

    async def prerender(self, texts: Iterable[str]) -> int:
        return await self._prompts.prerender(texts, self._voice, self._rate, self.sample_rate)

    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame | None, None]:
        t0 = time.perf_counter()
        # A prompt in memory (the greeting, a campaign's fixed prompts) goes out at once:
        # no render task to wait for, which under load cost each prompt event-loop turns.
        audio = self._prompts.memory_hit(text, self._voice, self._rate, self.sample_rate)
        if audio is None:
            try:
                audio = await self._render(text, context_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                yield ErrorFrame(error=f"pyttsx3 render failed: {type(exc).__name__}")
                return
        self.last_render_s = time.perf_counter() - t0
        step = max(2, int(self._chunk_s * audio.sample_rate) * 2)

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(audio.pcm), step):
                yield audio.pcm[i : i + step]

        await self.start_tts_usage_metrics(text)
        async for frame in self._stream_audio_frames_from_iterator(
            chunks(), in_sample_rate=audio.sample_rate, context_id=context_id
        ):
            await self.stop_ttfb_metrics()
            yield frame

    async def _render(self, text: str, context_id: str) -> Rendered:
        render = asyncio.ensure_future(
            self._prompts.get_at(text, self._voice, self._rate, self.sample_rate)
        )
        try:
            # A cache miss waits for the renderer (seconds on a loaded machine); pipecat
            # drops a context with no audio after ``stop_frame_timeout_s``, so the
            # context is kept alive while its render is under way.
            while True:
                done, _ = await asyncio.wait({render}, timeout=RENDER_KEEPALIVE_S)
                if done:
                    return render.result()
                self._refresh_audio_context(context_id)
        except asyncio.CancelledError:
            render.cancel()
            raise
