"""Answer detection from the first audio: accuracy on held-out renders and time to verdict.

python -m bench.answering [--seed 1] [--dev]

The library is the shipped one (the simulator's announcements at 140/150/160 words per
minute). The held-out calls are rendered fresh by the simulator's espeak-ng voices at
other rates (135/145/155/165/170 wpm) with white noise (20 and 15 dB SNR) and G.711
mu-law, preceded by a little silence; voicemail greetings at three rates with the
simulator's beep; SIT sequences (both first-tone variants); people saying a short hello
or nothing. Each is fed in 20 ms frames; the table gives per class how many were called
right, wrong (and as what) or not decided, the median and worst time to verdict, and
the listener's CPU per second of audio.

``--dev`` runs the development set instead (for tuning the listener without looking at
the held-out renders): the announcements at other rates again (125-185 wpm) and at two
pitches, noisier (12, 16 or 22 dB SNR), longer voicemail greetings and other hellos.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict

import numpy as np

from dialogue.speech import announcements
from dialogue.speech.answering import AudioAnswerListener
from simulator import audio, callees, tts

KINDS = {
    "powered_off": "powered_off",
    "invalid": "invalid",
    "out_of_service": "suspended",
    "out_of_area": "out_of_area",
    "restricted": "restricted",
}
HELLOS = ["喂？", "喂，你好。", "你好，哪位？", "喂，请讲。"]


def _noisy(pcm: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    x = pcm.astype(np.float64)
    power = float(np.sqrt(np.mean(x**2))) or 1.0
    y = x + rng.normal(0, power / 10 ** (snr_db / 20), x.size)
    mu = audio.pcm16_to_mulaw(np.clip(y, -32768, 32767).astype(np.int16))
    return audio.mulaw_to_pcm16(mu)


def _render(text: str, voice: tts.Voice) -> np.ndarray:
    return audio.mulaw_to_pcm16(tts.render_mulaw(text, voice))


def _quiet(s: float) -> np.ndarray:
    return np.zeros(int(s * 8000), np.int16)


def cases(rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    out: list[tuple[str, np.ndarray]] = []
    v = tts.ANNOUNCEMENT_VOICE
    for rate in (135, 145, 155, 165, 170):
        for snr in (20.0, 15.0):
            for kind, outcome in KINDS.items():
                voice = tts.Voice(v.language, v.espeak_voice, rate, v.pitch)
                clip = _render(tts.ANNOUNCEMENTS[kind], voice)
                call = np.concatenate([_quiet(0.3), clip, _quiet(2)])
                out.append((outcome, _noisy(call, snr, rng)))
    beep = audio.mulaw_to_pcm16(callees.BEEP)
    for rate in (150, 170, 190):
        greet = _render(tts.VOICEMAIL_GREETINGS["zh-CN"], tts.Voice("zh-CN", None, rate, 60))
        call = np.concatenate([_quiet(0.3), greet, _quiet(0.3), beep, _quiet(2)])
        out.append(("voicemail", _noisy(call, 20.0, rng)))
    for first, second in ((913.8, 1370.6), (985.2, 1428.5)):
        tones = [audio.tone(f, 0.274 if f != 1776.7 else 0.38) for f in (first, second, 1776.7)]
        sit = np.concatenate([audio.mulaw_to_pcm16(t) for t in tones])
        out.append(("sit", _noisy(np.concatenate([_quiet(0.2), sit, _quiet(2)]), 25.0, rng)))
    for i, hello in enumerate(HELLOS):
        voice = tts.Voice("zh-CN", None, 150 + 10 * i, 45 + 5 * i)
        call = np.concatenate([_quiet(0.4), _render(hello, voice), _quiet(3)])
        out.append(("human", _noisy(call, 20.0, rng)))
    out.append(("human", _noisy(_quiet(3), 30.0, rng)))
    return out


DEV_HELLOS = [
    "喂？",
    "喂，您好。",
    "您好，哪位？",
    "喂，说吧。",
    "您好，请问您找谁？",
    "我现在不方便。",
]


def dev_cases(rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    out: list[tuple[str, np.ndarray]] = []
    v = tts.ANNOUNCEMENT_VOICE
    for rate in (125, 132, 143, 152, 158, 168, 178, 185):
        for pitch in (50, 60):
            for kind, outcome in KINDS.items():
                snr = float(rng.choice([12.0, 16.0, 22.0]))
                voice = tts.Voice(v.language, v.espeak_voice, rate, pitch)
                clip = _render(tts.ANNOUNCEMENTS[kind], voice)
                call = np.concatenate([_quiet(rng.uniform(0.1, 0.6)), clip, _quiet(2.5)])
                out.append((outcome, _noisy(call, snr, rng)))
    beep = audio.mulaw_to_pcm16(callees.BEEP)
    for rate in (140, 160, 180, 200):
        greet = _render(tts.VOICEMAIL_GREETINGS["zh-CN"], tts.Voice("zh-CN", None, rate, 50))
        call = np.concatenate([_quiet(0.3), greet, _quiet(0.3), beep, _quiet(2)])
        out.append(("voicemail", _noisy(call, 18.0, rng)))
    for i, hello in enumerate(DEV_HELLOS):
        voice = tts.Voice("zh-CN", None, 140 + 8 * i, 40 + 6 * i)
        call = np.concatenate([_quiet(0.4), _render(hello, voice), _quiet(3)])
        out.append(("human", _noisy(call, 18.0, rng)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dev", action="store_true", help="the development set, not the held-out")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    library = announcements.fingerprints(announcements.entries(None))
    stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    wrong_as: dict[str, Counter[str]] = defaultdict(Counter)
    cpu, heard = 0.0, 0.0
    for truth, pcm in (dev_cases if args.dev else cases)(rng):
        listener = AudioAnswerListener(library)
        t0 = time.process_time()
        verdict = None
        for i in range(0, pcm.size, 160):
            verdict = listener.feed(pcm[i : i + 160].tobytes(), 8000)
            if verdict is not None:
                break
        cpu += time.process_time() - t0
        heard += listener.heard_s
        got = None if verdict is None else (verdict.outcome or verdict.kind)
        key = "right" if got == truth else ("none" if got is None else "wrong")
        stats[truth][key].append(verdict.at_s if verdict else 0.0)
        if key == "wrong" and got is not None:
            wrong_as[truth][got] += 1
    print(
        f"{'class':<12} {'n':>3} {'right':>5} {'wrong':>5} {'none':>4} {'median s':>8} {'max s':>6}"
    )
    total = right = 0
    for truth, s in stats.items():
        n = sum(len(v) for v in s.values())
        total, right = total + n, right + len(s["right"])
        times = s["right"] or [0.0]
        print(
            f"{truth:<12} {n:>3} {len(s['right']):>5} {len(s['wrong']):>5} {len(s['none']):>4}"
            f" {statistics.median(times):>8.2f} {max(times):>6.2f}"
            f"  {', '.join(f'{k} {v}' for k, v in wrong_as[truth].items()) or '-'}"
        )
    print(f"all: {right}/{total} right; listener CPU {1000 * cpu / heard:.1f} ms per audio second")


if __name__ == "__main__":
    main()
