"""Silero VAD for many calls in one process: one ONNX session, calls batched together.

pipecat's ``SileroVADAnalyzer`` opens its own ``onnxruntime.InferenceSession`` per call
(30-100 ms and a few MB each, paid when the customer answers) and hops to a one-thread
executor for every 20 ms frame. The session itself is stateless (the recurrent state is
numpy arrays the wrapper passes in and out) and ``InferenceSession.run`` is thread-safe,
so ``SharedSileroVADAnalyzer`` keeps the per-call state but shares one session per
process, and runs the model on the event loop. A run's cost is mostly fixed overhead
(measured: 135-195 us for one 32 ms window, 75 us per window for 4 at once, 44 us for
16), so the calls of a process are analysed together: a call with new audio hands its
analysis to the process's ``SileroBatcher`` and waits for the next event-loop turn; the
batcher runs, round by round, the next window of every call that has one through one
batched model run (the recurrent state is per call; windows of one call stay in order).
Under load many calls' audio arrives in the same loop turn, so batches grow exactly
when the CPU is short; a lone call costs what it did.

While nobody speaks, windows quieter than ``SILENCE_RMS`` (about -60 dBFS: digital
silence, a muted line) skip the model: they could never start speech (pipecat also
requires ``min_volume``). During speech every window goes through the model, so pauses
between words keep its state. Silent windows also skip pipecat's loudness measure
(BS.1770 over 400 ms, the other per-window cost).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Generator
from importlib import resources
from typing import Any, ClassVar

import numpy as np
import onnxruntime
from loguru import logger
from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState

SILENCE_RMS = 32.0  # int16 RMS below which a window is not worth the model
_LOCK = threading.Lock()
_SESSION: Any = None


def shared_silero_session() -> Any:
    """The process's Silero ONNX session (created on first use)."""
    global _SESSION
    if _SESSION is None:
        with _LOCK:
            if _SESSION is None:
                opts = onnxruntime.SessionOptions()
                opts.inter_op_num_threads = 1
                opts.intra_op_num_threads = 1
                path = str(resources.files("pipecat.audio.vad.data").joinpath("silero_vad.onnx"))
                _SESSION = onnxruntime.InferenceSession(
                    path, providers=["CPUExecutionProvider"], sess_options=opts
                )
    return _SESSION


class _SharedSileroModel(SileroOnnxModel):
    """``SileroOnnxModel`` with its own recurrent state on a shared session."""

    def __init__(self, session: Any) -> None:  # no super(): it would open a session
        self.session = session
        self.reset_states()  # type: ignore[no-untyped-call]
        self.sample_rates = [8000, 16000]


class SharedSileroVADAnalyzer(SileroVADAnalyzer):
    """``SileroVADAnalyzer`` on the process's shared session, batched with the process's
    other calls (``analyze_audio``) or alone (``_run_analyzer``)."""

    def __init__(self, *, sample_rate: int | None = None, params: VADParams | None = None):
        VADAnalyzer.__init__(self, sample_rate=sample_rate, params=params)
        self._model = _SharedSileroModel(shared_silero_session())
        self._windows_since_reset = 0
        self._low_confidence_windows = 0
        self._silent = False

    def _get_smoothed_volume(self, audio: bytes) -> float:
        # A silent window skipped the model; its loudness (BS.1770 over 400 ms) is not
        # worth measuring either.
        if self._silent:
            self._volume_tracker.update(audio, self.sample_rate)
            return float(self._prev_volume) * 0.8  # exp. smoothing toward silence
        volume: float = super()._get_smoothed_volume(audio)
        return volume

    def hears_voice(self) -> bool:
        """Whether the last analysed window sounded like speech (a start not yet
        confirmed, or speech going on)."""
        return self._vad_state in (VADState.STARTING, VADState.SPEAKING)

    def samples_to_stop(self) -> int | None:
        """While the speaker is pausing (``STOPPING``): how many more samples of
        non-speech make it a stop; None otherwise. The serializer hands over the audio
        the moment it holds that much, so the stop is not held back by input batching."""
        if self._vad_state != VADState.STOPPING:
            return None
        windows = max(0, self._vad_stop_frames - self._vad_stopping_count)
        return max(0, windows * self._vad_frames - len(self._vad_buffer) // 2)

    async def analyze_audio(self, buffer: bytes) -> VADState:
        self._vad_buffer += buffer
        if len(self._vad_buffer) < self._vad_frames_num_bytes:
            return self._vad_state
        return await SileroBatcher.for_loop(self._model.session).analyze(self)

    def _run_analyzer(self, buffer: bytes) -> VADState:
        """The same analysis, alone and at once (one model run per window)."""
        self._vad_buffer += buffer
        steps = self._analysis()
        try:
            window = next(steps)
            while True:
                window = steps.send(self._confidences([(self, window)])[0])
        except StopIteration as done:
            state: VADState = done.value
            return state

    def _analysis(self) -> Generator[bytes, float, VADState]:
        """pipecat's ``VADAnalyzer._run_analyzer`` over the buffered windows, yielding each
        window that needs the model and receiving its speech confidence."""
        size = self._vad_frames_num_bytes
        while len(self._vad_buffer) >= size:
            window = self._vad_buffer[:size]
            self._vad_buffer = self._vad_buffer[size:]
            self._silent = self._vad_state == VADState.QUIET and _rms(window) < SILENCE_RMS
            confidence = 0.0 if self._silent else (yield window)
            self._maybe_reset_model(confidence)
            volume = self._get_smoothed_volume(window)
            self._prev_volume = volume
            speaking = confidence >= self._params.confidence and volume >= self._params.min_volume
            state = self._vad_state
            if speaking:
                if state == VADState.QUIET:
                    self._vad_state, self._vad_starting_count = VADState.STARTING, 1
                elif state == VADState.STARTING:
                    self._vad_starting_count += 1
                elif state == VADState.STOPPING:
                    self._vad_state, self._vad_stopping_count = VADState.SPEAKING, 0
            elif state == VADState.STARTING:
                self._vad_state, self._vad_starting_count = VADState.QUIET, 0
            elif state == VADState.SPEAKING:
                self._vad_state, self._vad_stopping_count = VADState.STOPPING, 1
            elif state == VADState.STOPPING:
                self._vad_stopping_count += 1
        if (
            self._vad_state == VADState.STARTING
            and self._vad_starting_count >= self._vad_start_frames
        ):
            self._vad_state, self._vad_starting_count = VADState.SPEAKING, 0
        if (
            self._vad_state == VADState.STOPPING
            and self._vad_stopping_count >= self._vad_stop_frames
        ):
            self._vad_state, self._vad_stopping_count = VADState.QUIET, 0
        return self._vad_state

    @staticmethod
    def _confidences(work: list[tuple[SharedSileroVADAnalyzer, bytes]]) -> list[float]:
        """One model run over one window of each analyzer (each its own state)."""
        first = work[0][0]
        rate = first.sample_rate
        context = 64 if rate == 16000 else 32
        n = first._vad_frames
        x = np.empty((len(work), context + n), dtype=np.float32)
        states = []
        for i, (a, window) in enumerate(work):
            m = a._model
            x[i, :context] = m._context if m._context.shape[1] == context else 0.0
            x[i, context:] = np.frombuffer(window, np.int16)
            states.append(m._state)
        x[:, context:] *= 1.0 / 32768.0
        try:
            out, state = first._model.session.run(
                None,
                {
                    "input": x,
                    "state": np.concatenate(states, axis=1),
                    "sr": np.array(rate, np.int64),
                },
            )
        except Exception as exc:  # as pipecat's analyzer: no speech rather than a crash
            logger.error(f"Error analyzing audio with Silero VAD: {exc}")
            return [0.0] * len(work)
        for i, (a, _) in enumerate(work):
            m = a._model
            m._state = state[:, i : i + 1]
            m._context = x[i : i + 1, -context:]
            m._last_sr, m._last_batch_size = rate, 1
        return [float(c) for c in out[:, 0]]


def _rms(window: bytes) -> float:
    samples = np.frombuffer(window, np.int16).astype(np.float32)
    return float(np.sqrt(np.mean(samples * samples))) if samples.size else 0.0


class SileroBatcher:
    """Analyses the pending audio of every call of one event loop together (see above)."""

    _by_loop: ClassVar[dict[asyncio.AbstractEventLoop, SileroBatcher]] = {}

    def __init__(self, session: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._session = session
        self._loop = loop
        self._pending: dict[SharedSileroVADAnalyzer, list[asyncio.Future[VADState]]] = {}
        self.runs = 0
        self.windows = 0

    @classmethod
    def for_loop(cls, session: Any) -> SileroBatcher:
        loop = asyncio.get_running_loop()
        batcher = cls._by_loop.get(loop)
        if batcher is None:
            for old in [lp for lp in cls._by_loop if lp.is_closed()]:
                del cls._by_loop[old]
            batcher = cls._by_loop[loop] = cls(session, loop)
        return batcher

    def analyze(self, analyzer: SharedSileroVADAnalyzer) -> asyncio.Future[VADState]:
        """The analyzer's state once its buffered windows are analysed (next loop turn)."""
        if not self._pending:
            self._loop.call_soon(self._run)
        fut: asyncio.Future[VADState] = self._loop.create_future()
        self._pending.setdefault(analyzer, []).append(fut)
        return fut

    def _run(self) -> None:
        pending, self._pending = self._pending, {}
        try:
            states = self._analyse(pending)
        except BaseException as exc:
            for futures in pending.values():
                for fut in futures:
                    if not fut.done():
                        fut.set_exception(exc)
            raise
        for a, futures in pending.items():
            for fut in futures:
                if not fut.done():
                    fut.set_result(states[a])

    def _analyse(
        self, pending: dict[SharedSileroVADAnalyzer, list[asyncio.Future[VADState]]]
    ) -> dict[SharedSileroVADAnalyzer, VADState]:
        steps = {a: a._analysis() for a in pending}
        states: dict[SharedSileroVADAnalyzer, VADState] = {}
        work: list[tuple[SharedSileroVADAnalyzer, bytes]] = []
        for a, gen in steps.items():
            self._advance(a, gen, None, work, states)
        while work:
            confidences = SharedSileroVADAnalyzer._confidences(work)
            self.runs += 1
            self.windows += len(work)
            done, work = work, []
            for (a, _), confidence in zip(done, confidences, strict=True):
                self._advance(a, steps[a], confidence, work, states)
        return states

    @staticmethod
    def _advance(
        a: SharedSileroVADAnalyzer,
        gen: Generator[bytes, float, VADState],
        confidence: float | None,
        work: list[tuple[SharedSileroVADAnalyzer, bytes]],
        states: dict[SharedSileroVADAnalyzer, VADState],
    ) -> None:
        try:
            window = next(gen) if confidence is None else gen.send(confidence)
        except StopIteration as done:
            states[a] = done.value
        else:
            work.append((a, window))
