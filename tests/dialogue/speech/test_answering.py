"""Who answered, told from the first audio: SIT, a voicemail beep, a person, and the
carriers' announcements matched by fingerprint against the shipped library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dialogue.speech import announcements
from dialogue.speech.answering import AudioAnswerListener, Verdict
from kernel.errors import InvalidInput
from simulator import audio as sim_audio
from simulator import tts

RATE = 8000


def _tone(hz: float, s: float, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(s * RATE)) / RATE
    return (amp * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def _quiet(s: float) -> np.ndarray:
    return np.zeros(int(s * RATE), np.int16)


def _babble(s: float, seed: int = 0) -> np.ndarray:
    """Speech-like: noise shaped by a syllable-rate envelope (never one tone)."""
    rng = np.random.default_rng(seed)
    n = int(s * RATE)
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 4.0 * np.arange(n) / RATE)
    return (rng.normal(0, 4000, n) * env).astype(np.int16)


def _listen(samples: np.ndarray, library: list | None = None, chunk: int = 160) -> Verdict | None:
    listener = AudioAnswerListener(library or [])
    for i in range(0, samples.size, chunk):
        v = listener.feed(samples[i : i + chunk].tobytes(), RATE)
        if v is not None:
            return v
    return None


def test_sit_tones_are_not_a_person() -> None:
    sit = np.concatenate(
        [_quiet(0.2), _tone(913.8, 0.274), _tone(1370.6, 0.274), _tone(1776.7, 0.38), _quiet(2)]
    )
    v = _listen(sit)
    assert v is not None and (v.kind, v.outcome) == ("sit", "sit") and v.at_s < 1.2


def test_a_greeting_then_a_beep_is_a_voicemail_box() -> None:
    v = _listen(np.concatenate([_babble(3.0), _quiet(0.3), _tone(1000.0, 0.5), _quiet(1)]))
    assert v is not None and (v.kind, v.outcome, v.label) == ("voicemail", "voicemail", "beep")
    assert 3.6 < v.at_s < 4.0  # at the beep, not before


def test_a_short_hello_or_silence_is_a_person() -> None:
    v = _listen(np.concatenate([_babble(0.6), _quiet(2)]))
    assert v is not None and v.kind == "human" and v.at_s < 1.6
    v = _listen(_quiet(3))
    assert v is not None and v.kind == "human" and v.label == "silence"


@pytest.fixture(scope="module")
def library() -> list:
    return announcements.fingerprints(announcements.entries(None))


def test_shipped_announcements_are_told_apart_through_noise(library: list) -> None:
    rng = np.random.default_rng(7)
    shipped = {e.outcome: e for e in announcements.entries(None) if e.name.endswith("-150")}
    assert set(shipped) == {"powered_off", "invalid", "suspended", "out_of_area", "restricted"}
    for outcome, e in shipped.items():
        x = announcements.read_wav(e.path.read_bytes(), e.name).astype(np.float64)
        noisy = x + rng.normal(0, np.sqrt(np.mean(x**2)) / 10, x.size)  # 20 dB SNR
        call = np.concatenate(
            [_quiet(0.35), np.clip(noisy, -32768, 32767).astype(np.int16), _quiet(1)]
        )
        v = _listen(call, library, chunk=800)
        assert v is not None and (v.kind, v.outcome) == ("announcement", outcome), e.name


def test_the_bank_adds_its_recordings_and_bad_files_are_named(tmp_path: Path) -> None:
    wav = (Path(announcements.SHIPPED) / "sim-invalid-150.wav").read_bytes()
    e = announcements.add(tmp_path, "cmcc-kong-hao", "invalid", "空号", wav, "kh.wav")
    names = [x.name for x in announcements.entries(tmp_path) if x.source == "bank"]
    assert names == ["cmcc-kong-hao"] and e.path.is_file()
    with pytest.raises(InvalidInput) as err:
        announcements.add(tmp_path, "x", "invalid", "", b"not a wav", "bad.wav")
    assert err.value.where == "bad.wav"
    with pytest.raises(InvalidInput):
        announcements.add(tmp_path, "y", "busy", "", wav, "kh.wav")
    assert [x.name for x in announcements.entries(tmp_path) if x.source == "bank"] == names


@pytest.mark.speech
@pytest.mark.parametrize("rate", [130, 175])
def test_suspended_is_told_from_powered_off_at_another_rate_through_noise(
    library: list, rate: int
) -> None:
    """停机 and 关机 differ in one syllable: spoken faster or slower than any library copy
    (140-160 words a minute), with 15 dB of noise and G.711, each is still its own outcome
    (and neither is taken for a person in the pause after it)."""
    rng = np.random.default_rng(3)
    v0 = tts.ANNOUNCEMENT_VOICE
    voice = tts.Voice(v0.language, v0.espeak_voice, rate, v0.pitch)
    for kind, outcome in (
        ("out_of_service", "suspended"),
        ("powered_off", "powered_off"),
        ("invalid", "invalid"),
    ):
        x = sim_audio.mulaw_to_pcm16(tts.render_mulaw(tts.ANNOUNCEMENTS[kind], voice))
        noisy = x + rng.normal(0, np.sqrt(np.mean(x.astype(np.float64) ** 2)) / 10**0.75, x.size)
        line = sim_audio.mulaw_to_pcm16(
            sim_audio.pcm16_to_mulaw(np.clip(noisy, -32768, 32767).astype(np.int16))
        )
        v = _listen(np.concatenate([_quiet(0.3), line, _quiet(2)]), library)
        assert v is not None and (v.kind, v.outcome) == ("announcement", outcome), (outcome, v)
        assert v.at_s < 0.3 + x.size / RATE + 1.0  # soon after the announcement ends


@pytest.mark.speech
def test_the_longest_announcement_spoken_slowly_is_not_taken_for_a_voicemail_box(
    library: list,
) -> None:
    """不在服务区 is the library's longest announcement (about 12 s at 140 words a minute);
    spoken at 125 it runs past ``max_s``, where a greeting without a beep counts as a
    voicemail box: while it is still being matched, the listener waits for its end."""
    v0 = tts.ANNOUNCEMENT_VOICE
    voice = tts.Voice(v0.language, v0.espeak_voice, 125, 60)
    x = sim_audio.mulaw_to_pcm16(tts.render_mulaw(tts.ANNOUNCEMENTS["out_of_area"], voice))
    assert x.size / RATE > AudioAnswerListener().settings.max_s
    rng = np.random.default_rng(5)
    noisy = x + rng.normal(0, np.sqrt(np.mean(x.astype(np.float64) ** 2)) / 10**0.8, x.size)
    line = sim_audio.mulaw_to_pcm16(
        sim_audio.pcm16_to_mulaw(np.clip(noisy, -32768, 32767).astype(np.int16))
    )
    v = _listen(np.concatenate([_quiet(0.3), line, _quiet(2)]), library)
    assert v is not None and (v.kind, v.outcome) == ("announcement", "out_of_area"), v
