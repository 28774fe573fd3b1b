"""Simulated customers' and carriers' voices: espeak-ng rendered to mu-law 8 kHz.

The espeak-ng command line is run once per distinct (voice, speed, pitch, text) and the
result cached; rendering is done off the event loop. Korean text is first respelled
phonetically (``simulator.korean_g2p``) because espeak-ng reads Hangul by spelling.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from simulator import audio, korean_g2p

# espeak-ng voice for each language the simulator speaks.
DEFAULT_VOICES = {"zh-CN": "cmn", "ko-KR": "ko", "en-US": "en-us"}


class SpeechUnavailable(RuntimeError):
    """espeak-ng is not installed (Debian package ``espeak-ng``)."""


@dataclass(frozen=True)
class Voice:
    """How one simulated speaker sounds."""

    language: str = "zh-CN"
    espeak_voice: str | None = None  # e.g. "cmn", "ko+f2"; None: the language default
    speed_wpm: int = 160
    pitch: int = 50  # espeak 0..99
    gain: float = 1.0

    @property
    def resolved(self) -> str:
        return self.espeak_voice or DEFAULT_VOICES.get(self.language, "en-us")


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def _spoken_form(text: str, voice: Voice) -> str:
    if voice.language.startswith("ko") or voice.resolved.startswith("ko"):
        return korean_g2p.respell(text)
    return text


def render_wav(text: str, voice: Voice) -> bytes:
    """espeak-ng's own WAV (22,050 Hz) for ``text`` (blocking)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise SpeechUnavailable("espeak-ng is not installed: apt-get install espeak-ng")
    proc = subprocess.run(
        [
            exe,
            "-v",
            voice.resolved,
            "-s",
            str(voice.speed_wpm),
            "-p",
            str(voice.pitch),
            "--stdout",
            _spoken_form(text, voice),
        ],
        capture_output=True,
        check=False,
        timeout=30,
    )
    if proc.returncode != 0 or not proc.stdout:
        raise SpeechUnavailable(f"espeak-ng failed for voice {voice.resolved!r}")
    return proc.stdout


def render_mulaw(text: str, voice: Voice) -> bytes:
    """``text`` spoken by ``voice`` as mu-law 8 kHz (blocking)."""

    samples, rate = audio.wav_to_pcm16(render_wav(text, voice))
    pcm = audio.resample(samples, rate, audio.SAMPLE_RATE)
    if voice.gain != 1.0:
        pcm = np.clip(pcm.astype(np.float64) * voice.gain, -32768, 32767).astype(np.int16)
    return audio.pcm16_to_mulaw(pcm)


class SpeechRenderer:
    """Caching, non-blocking espeak-ng renderer shared by all simulated calls."""

    def __init__(self, max_entries: int = 2048) -> None:
        self._cache: OrderedDict[tuple[str, Voice], bytes] = OrderedDict()
        self._max = max_entries
        self._lock = asyncio.Lock()

    def render_sync(self, text: str, voice: Voice) -> bytes:
        key = (text, voice)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        data = render_mulaw(text, voice)
        self._cache[key] = data
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return data

    async def render(self, text: str, voice: Voice) -> bytes:
        hit = self._cache.get((text, voice))
        if hit is not None:
            return hit
        async with self._lock:  # one espeak process at a time: the machine is small
            return await asyncio.to_thread(self.render_sync, text, voice)


# Carrier announcements for unreachable numbers (Chinese carriers), by line behaviour.
ANNOUNCEMENTS = {
    "powered_off": "您好，您拨打的电话已关机。Sorry, the subscriber you dialed is power off.",
    "invalid": "您好，您拨打的电话是空号，请查证后再拨。",
    "out_of_service": "您好，您拨打的电话已停机。",
    "out_of_area": "您好，您拨打的电话暂时无法接通，或不在服务区，请稍后再拨。",
    "restricted": "您好，您拨打的电话呼叫受限，请稍后再拨。",
}
ANNOUNCEMENT_VOICE = Voice(language="zh-CN", espeak_voice="cmn+f3", speed_wpm=150, pitch=55)

VOICEMAIL_GREETINGS = {
    "zh-CN": "您好，您拨打的用户暂时无法接听，请在提示音后留言。",
    "ko-KR": "지금은 전화를 받을 수 없습니다. 삐 소리가 나면 메시지를 남겨 주세요.",
    "en-US": "Hi, you have reached my voicemail. Please leave a message after the tone.",
}
