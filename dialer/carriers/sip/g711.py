"""G.711 A-law and mu-law for 16-bit little-endian PCM, by numpy lookup tables (pure).

The tables are built once at import from the ITU-T G.711 segment rules; encoding is one
``take`` over a 64 Ki-entry table and decoding one over a 256-entry table.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

Codec = Literal["PCMA", "PCMU"]

#: One encoded byte of digital silence per codec.
SILENCE_BYTE: dict[str, int] = {"PCMA": 0xD5, "PCMU": 0xFF}

_ALAW_SEG_END = np.array([0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF, 0x3FFF, 0x7FFF])
_ULAW_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])


def _alaw_encode_table() -> npt.NDArray[np.uint8]:
    pcm = np.arange(-32768, 32768, dtype=np.int32) >> 3  # 13-bit
    mask = np.where(pcm >= 0, 0xD5, 0x55)
    mag = np.where(pcm >= 0, pcm, -pcm - 1)
    seg = np.searchsorted(_ALAW_SEG_END >> 3, mag)  # first segment whose end >= mag
    shift = np.where(seg < 2, 1, seg)
    aval = (np.minimum(seg, 7) << 4) | ((mag >> shift) & 0x0F)
    out = np.where(seg >= 8, 0x7F, aval) ^ mask
    return _by_u16(out.astype(np.uint8))


def _ulaw_encode_table() -> npt.NDArray[np.uint8]:
    pcm = np.arange(-32768, 32768, dtype=np.int32) >> 2  # 14-bit
    mask = np.where(pcm < 0, 0x7F, 0xFF)
    mag = np.minimum(np.where(pcm < 0, -pcm, pcm), 8159) + 0x21
    seg = np.searchsorted(_ULAW_SEG_END, mag)
    uval = (np.minimum(seg, 7) << 4) | ((mag >> (seg + 1)) & 0x0F)
    out = np.where(seg >= 8, 0x7F, uval) ^ mask
    return _by_u16(out.astype(np.uint8))


def _by_u16(by_sample: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Re-index a table built for samples -32768..32767 by the sample's raw u16 value."""
    samples = np.arange(-32768, 32768, dtype=np.int32)
    table = np.empty(65536, dtype=np.uint8)
    table[samples.astype(np.int16).view(np.uint16)] = by_sample
    return table


def _alaw_decode_table() -> npt.NDArray[np.int16]:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, (t + 0x108) << np.maximum(seg - 1, 0))
    return np.where(a & 0x80, t, -t).astype(np.int16)


def _ulaw_decode_table() -> npt.NDArray[np.int16]:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return np.where(u & 0x80, 0x84 - t, t - 0x84).astype(np.int16)


_ENCODE = {"PCMA": _alaw_encode_table(), "PCMU": _ulaw_encode_table()}
_DECODE = {"PCMA": _alaw_decode_table(), "PCMU": _ulaw_decode_table()}


def encode(codec: str, pcm16: bytes) -> bytes:
    """PCM16 LE samples to G.711 bytes (one byte per sample)."""
    samples = np.frombuffer(pcm16, dtype="<i2", count=len(pcm16) // 2)
    out: bytes = _ENCODE[codec].take(samples.view(np.uint16)).tobytes()
    return out


def decode(codec: str, payload: bytes) -> bytes:
    """G.711 bytes to PCM16 LE samples."""
    codes = np.frombuffer(payload, dtype=np.uint8)
    out: bytes = _DECODE[codec].take(codes).astype("<i2").tobytes()
    return out


def silence(codec: str, samples: int) -> bytes:
    """Encoded digital silence of ``samples`` samples."""
    return bytes([SILENCE_BYTE[codec]]) * samples
