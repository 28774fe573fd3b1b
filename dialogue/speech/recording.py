"""Two-channel WAV per call: customer on the left, bot (or agent) on the right.

Two taps feed one ``StereoRecording``: ``customer_tap`` right after the transport input
(before the input gate, so human-mode audio is kept) and ``bot_tap`` after the transport
output (it sees audio as the transport sends it, paced in real time). Each channel is
placed by the wall-clock time its audio arrived; gaps become silence, so both channels
stay aligned. Written incrementally; ``close()`` pads the shorter channel.
"""

from __future__ import annotations

import time
import wave
from pathlib import Path
from typing import Any

import numpy as np
import soxr
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    OutputAudioRawFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

JITTER_S = 0.1  # lateness tolerated before silence is inserted


class StereoRecording:
    def __init__(self, path: Path, sample_rate: int = 8000) -> None:
        self.path = path
        self.rate = sample_rate
        path.parent.mkdir(parents=True, exist_ok=True)
        self._wav: Any = wave.open(str(path), "wb")  # noqa: SIM115 - closed by close()
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self._t0: float | None = None
        self._pending: list[bytearray] = [bytearray(), bytearray()]
        self._written = 0  # samples per channel already in the file
        self.closed = False

    def add(self, channel: int, pcm: bytes, sample_rate: int, at: float | None = None) -> None:
        if self.closed or not pcm:
            return
        now = time.monotonic() if at is None else at
        if sample_rate != self.rate:
            data = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
            pcm = (
                np.clip(soxr.resample(data, sample_rate, self.rate), -32768, 32767)
                .astype(np.int16)
                .tobytes()
            )
        if self._t0 is None:
            self._t0 = now
        nsamp = len(pcm) // 2
        # where this audio should start (it arrived at its end for paced output)
        start = round((now - self._t0) * self.rate) - (nsamp if channel == 1 else 0)
        have = self._written + len(self._pending[channel]) // 2
        if start - have > int(JITTER_S * self.rate):
            self._pending[channel].extend(bytes((start - have) * 2))
        self._pending[channel].extend(pcm)
        # keep the other (silent) channel moving, so the file is written as the call goes
        other = 1 - channel
        due = round((now - self._t0 - JITTER_S) * self.rate)
        have_other = self._written + len(self._pending[other]) // 2
        if due > have_other:
            self._pending[other].extend(bytes((due - have_other) * 2))
        self._flush()

    def _flush(self) -> None:
        n = min(len(self._pending[0]), len(self._pending[1])) // 2
        if n == 0:
            return
        left = np.frombuffer(bytes(self._pending[0][: n * 2]), dtype=np.int16)
        right = np.frombuffer(bytes(self._pending[1][: n * 2]), dtype=np.int16)
        del self._pending[0][: n * 2]
        del self._pending[1][: n * 2]
        self._wav.writeframes(np.column_stack([left, right]).astype(np.int16).tobytes())
        self._written += n

    def close(self) -> None:
        if self.closed:
            return
        longest = max(len(self._pending[0]), len(self._pending[1]))
        for buf in self._pending:
            buf.extend(bytes(longest - len(buf)))
        self._flush()
        self._wav.close()
        self.closed = True

    def customer_tap(self, **kwargs: Any) -> RecordingTap:
        return RecordingTap(self, 0, **kwargs)

    def bot_tap(self, **kwargs: Any) -> RecordingTap:
        return RecordingTap(self, 1, **kwargs)


class RecordingTap(FrameProcessor):
    """Copies one direction's audio into the recording; frames pass unchanged."""

    def __init__(self, recording: StereoRecording, channel: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._rec = recording
        self._channel = channel

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if self._channel == 0 and isinstance(frame, InputAudioRawFrame):
            self._rec.add(0, frame.audio, frame.sample_rate)
        elif self._channel == 1 and isinstance(frame, OutputAudioRawFrame):
            self._rec.add(1, frame.audio, frame.sample_rate)
        if isinstance(frame, (EndFrame, CancelFrame)) and self._channel == 1:
            self._rec.close()
        await self.push_frame(frame, direction)
