"""Silero VAD for many calls in one process: one ONNX session, analysis inline.

pipecat's ``SileroVADAnalyzer`` opens its own ``onnxruntime.InferenceSession`` per call
(30-100 ms and a few MB each, paid when the customer answers) and hops to a one-thread
executor for every 20 ms frame. The session itself is stateless (the recurrent state is
numpy arrays the wrapper passes in and out) and ``InferenceSession.run`` is thread-safe,
so ``SharedSileroVADAnalyzer`` keeps the per-call state but shares one session per
process, and runs the model on the event loop (about 70-80 us per 32 ms window: cheaper
than the executor hop it replaces). While nobody speaks, windows quieter than
``SILENCE_RMS`` (about -60 dBFS: digital silence, a muted line) skip the model: they
could never start speech (pipecat also requires ``min_volume``). During speech every
window goes through the model, so pauses between words keep its state. Silent windows
also skip pipecat's loudness measure (BS.1770 over 400 ms, the other per-window cost).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
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
                from importlib import resources

                import onnxruntime  # type: ignore[import-untyped]

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
    """``SileroVADAnalyzer`` on the process's shared session, analysing inline."""

    def __init__(self, *, sample_rate: int | None = None, params: VADParams | None = None):
        VADAnalyzer.__init__(self, sample_rate=sample_rate, params=params)
        self._model = _SharedSileroModel(shared_silero_session())
        self._windows_since_reset = 0
        self._low_confidence_windows = 0
        self._silent = False

    def voice_confidence(self, buffer: bytes) -> float:
        if self._vad_state == VADState.QUIET:
            samples = np.frombuffer(buffer, np.int16).astype(np.float32)
            if samples.size and float(np.sqrt(np.mean(samples * samples))) < SILENCE_RMS:
                self._maybe_reset_model(0.0)
                self._silent = True
                return 0.0
        self._silent = False
        confidence: float = super().voice_confidence(buffer)
        return confidence

    def _get_smoothed_volume(self, audio: bytes) -> float:
        # A silent window skipped the model; its loudness (BS.1770 over 400 ms) is not
        # worth measuring either.
        if self._silent:
            self._volume_tracker.update(audio, self.sample_rate)
            return float(self._prev_volume) * 0.8  # exp. smoothing toward silence
        volume: float = super()._get_smoothed_volume(audio)
        return volume

    async def analyze_audio(self, buffer: bytes) -> VADState:
        state: VADState = self._run_analyzer(buffer)
        return state
