"""Telephone audio helpers: G.711 mu-law at 8 kHz in 20 ms frames (pure, numpy).

Twilio Media Streams carry 8 kHz mono mu-law, 160 bytes per 20 ms frame. Silence in
mu-law is 0xFF (zero amplitude).
"""

from __future__ import annotations

import io
import wave

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 8000
FRAME_MS = 20
FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000  # 160 samples, one byte each
MULAW_SILENCE = 0xFF
SILENT_FRAME = bytes([MULAW_SILENCE]) * FRAME_BYTES

_BIAS = 0x84
_CLIP = 32635

Int16Array = npt.NDArray[np.int16]


def _build_decode_table() -> npt.NDArray[np.int16]:
    table = np.zeros(256, dtype=np.int16)
    for i in range(256):
        u = ~i & 0xFF
        sign = u & 0x80
        exponent = (u >> 4) & 0x07
        mantissa = u & 0x0F
        sample = ((mantissa << 3) + _BIAS) << exponent
        sample -= _BIAS
        table[i] = -sample if sign else sample
    return table


_DECODE = _build_decode_table()


def pcm16_to_mulaw(samples: Int16Array) -> bytes:
    """Encode signed 16-bit samples as G.711 mu-law bytes."""
    x = samples.astype(np.int32)
    sign = np.where(x < 0, 0x80, 0x00)
    mag = np.minimum(np.abs(x), _CLIP) + _BIAS
    exponent = np.floor(np.log2(np.maximum(mag, 1))).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    encoded = ~(sign | (exponent << 4) | mantissa) & 0xFF
    out: bytes = encoded.astype(np.uint8).tobytes()
    return out


def mulaw_to_pcm16(data: bytes) -> Int16Array:
    """Decode G.711 mu-law bytes to signed 16-bit samples."""
    idx = np.frombuffer(data, dtype=np.uint8)
    return _DECODE[idx]


def resample(samples: Int16Array, src_rate: int, dst_rate: int = SAMPLE_RATE) -> Int16Array:
    """Resample by linear interpolation after a moving-average low-pass (speech-grade)."""
    if src_rate == dst_rate or samples.size == 0:
        return samples.astype(np.int16)
    x = samples.astype(np.float64)
    if dst_rate < src_rate:
        width = max(1, round(src_rate / dst_rate))
        kernel = np.ones(width) / width
        x = np.convolve(x, kernel, mode="same")
    n_out = round(x.size * dst_rate / src_rate)
    t_out = np.arange(n_out) * (src_rate / dst_rate)
    y = np.interp(t_out, np.arange(x.size), x)
    result: Int16Array = np.clip(np.round(y), -32768, 32767).astype(np.int16)
    return result


def wav_to_pcm16(wav_bytes: bytes) -> tuple[Int16Array, int]:
    """Read a mono 16-bit WAV; returns (samples, sample_rate)."""
    with wave.open(io.BytesIO(wav_bytes), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"WAV sample width {w.getsampwidth()} bytes; expected 2")
        rate = w.getframerate()
        channels = w.getnchannels()
        raw = w.readframes(w.getnframes())
    samples = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return samples, rate


def pcm16_to_wav(samples: Int16Array, rate: int = SAMPLE_RATE) -> bytes:
    """A mono 16-bit WAV file in memory."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return buf.getvalue()


def mulaw_to_wav(data: bytes) -> bytes:
    """A 16-bit 8 kHz WAV of mu-law audio (to listen to captured calls)."""
    return pcm16_to_wav(mulaw_to_pcm16(data))


def frames(mulaw: bytes) -> list[bytes]:
    """Split mu-law audio into 20 ms frames, padding the last one with silence."""
    out = [mulaw[i : i + FRAME_BYTES] for i in range(0, len(mulaw), FRAME_BYTES)]
    if out and len(out[-1]) < FRAME_BYTES:
        out[-1] = out[-1] + bytes([MULAW_SILENCE]) * (FRAME_BYTES - len(out[-1]))
    return out


def tone(freq_hz: float, seconds: float, amplitude: float = 0.3) -> bytes:
    """A sine tone as mu-law 8 kHz (voicemail beep, ring-back)."""
    n = int(SAMPLE_RATE * seconds)
    t = np.arange(n) / SAMPLE_RATE
    samples = (np.sin(2 * np.pi * freq_hz * t) * amplitude * 32767).astype(np.int16)
    return pcm16_to_mulaw(samples)


def silence(seconds: float) -> bytes:
    return bytes([MULAW_SILENCE]) * int(SAMPLE_RATE * seconds)


def rms_dbfs(mulaw: bytes) -> float:
    """Loudness of mu-law audio in dB relative to full scale (-inf dB for silence)."""
    if not mulaw:
        return float("-inf")
    x = mulaw_to_pcm16(mulaw).astype(np.float64) / 32768.0
    rms = float(np.sqrt(np.mean(x * x)))
    return 20.0 * float(np.log10(rms)) if rms > 0 else float("-inf")


def is_speech_frame(frame: bytes, threshold_dbfs: float = -45.0) -> bool:
    """A crude energy detector: enough to tell speech or tones from line silence."""
    return rms_dbfs(frame) > threshold_dbfs
