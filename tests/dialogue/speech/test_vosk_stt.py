"""Real Korean model decoding espeak-ng audio; grammar switching by state."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.tests.utils import SleepFrame, run_test

from dialogue.speech import vosk_stt
from dialogue.speech.asr_models import Vocabulary
from dialogue.speech.recognizers import (
    DECODE_NICE,
    DECODE_THREADS,
    RecognizerPool,
    decode_executor,
)
from dialogue.speech.vosk_stt import AsrResult, ExpectPhrasesFrame, VoskSTTService
from tests.dialogue.conftest import silence

pytestmark = pytest.mark.speech


def _utterance(pcm: bytes) -> list[Frame]:
    pcm = silence(0.2) + pcm + silence(0.2)
    frames: list[Frame] = [VADUserStartedSpeakingFrame(start_secs=0.2)]
    frames += [InputAudioRawFrame(pcm[i : i + 320], 8000, 1) for i in range(0, len(pcm), 320)]
    frames.append(VADUserStoppedSpeakingFrame(stop_secs=0.2))
    return frames


def _finals(frames: list[Frame]) -> list[AsrResult]:
    return [
        f.result
        for f in frames
        if isinstance(f, TranscriptionFrame) and isinstance(f.result, AsrResult)
    ]


async def test_grammar_follows_the_state(
    ko_model: Any, ko_vocab: Vocabulary, speak: Callable[..., bytes]
) -> None:
    stt = VoskSTTService(
        model=ko_model, vocabulary=ko_vocab, phrases=("네 맞습니다", "아니요"), sample_rate=8000
    )
    frames: list[Frame] = [SleepFrame(0.2), *_utterance(speak("네 맞습니다"))]
    # state "offer": "네 맞습니다" is no longer in the grammar
    frames += [
        ExpectPhrasesFrame(("관심 없어요", "다시 전화 주세요"), False, "offer"),
        SleepFrame(0.2),
    ]
    frames += _utterance(speak("관심 없어요"))
    frames += _utterance(speak("오늘 날씨가 정말 좋네요"))
    down, _ = await run_test(stt, frames_to_send=frames)
    finals = _finals(list(down))
    assert [r.judgement.text for r in finals[:2]] == ["네 맞습니다", "관심 없어요"]
    assert finals[1].state == "offer"
    assert not finals[2].accepted  # off-topic speech is no-match, not a forced intent
    assert all(r.final_latency_s < 0.6 for r in finals)


@pytest.mark.parametrize("voice", [True, False])
async def test_a_no_match_on_a_quiet_line_is_not_held_for_the_whole_wait(
    ko_model: Any, ko_vocab: Vocabulary, speak: Callable[..., bytes], voice: bool
) -> None:
    stt = VoskSTTService(
        model=ko_model,
        vocabulary=ko_vocab,
        phrases=("관심 없어요", "네 맞습니다"),
        sample_rate=8000,
        incomplete_timeout_s=0.9,
        incomplete_quiet_s=0.25,  # longer than the 0.1 s between audio frames
        voice_activity=lambda: voice,  # what VAD hears on the line during the wait
    )
    quiet = silence(1.5)
    frames: list[Frame] = [SleepFrame(0.2), *_utterance(speak("없어요"))]
    for i in range(0, len(quiet), 1600):  # the line, 100 ms at a time in real time
        frames += [InputAudioRawFrame(quiet[i : i + 1600], 8000, 1), SleepFrame(0.1)]
    down, _ = await run_test(stt, frames_to_send=frames)
    finals = _finals(list(down))
    assert len(finals) == 1 and not finals[0].accepted
    waited = finals[0].final_at - finals[0].speech_end
    if voice:  # a voice on the line keeps the whole wait
        assert waited >= 0.9
    else:
        assert waited < 0.6


async def test_unknown_words_are_reported(ko_model: Any, ko_vocab: Vocabulary) -> None:
    stt = VoskSTTService(
        model=ko_model, vocabulary=ko_vocab, phrases=("네", "qzxv블릭"), sample_rate=8000
    )
    await run_test(stt, frames_to_send=[SleepFrame(0.3)])
    assert stt.unknown_words == {"qzxv블릭": ("qzxv블릭",)}


async def test_free_recognizers_are_prewarmed_and_reused_across_calls(
    ko_model: Any, ko_vocab: Vocabulary, speak: Callable[..., bytes]
) -> None:
    pool = RecognizerPool()
    pool.prewarm_free(ko_model, 8000, [speak("안녕하세요")], 2)
    assert pool.free_count(8000) == 2 and pool.built == 0

    async def call() -> list[AsrResult]:
        stt = VoskSTTService(
            model=ko_model,
            vocabulary=ko_vocab,
            free_decoding=True,
            sample_rate=8000,
            pool=pool,
            free_model=lambda: ko_model,
        )
        down, _ = await run_test(stt, frames_to_send=[SleepFrame(0.2), *_utterance(speak("네"))])
        return _finals(list(down))

    first = await call()
    assert len(first) == 1 and first[0].free_decoding
    assert pool.reused == 1 and pool.free_count(8000) == 2  # taken, then given back
    await call()
    assert pool.reused == 2 and pool.free_count(8000) == 2


def _paused_utterance(first: bytes, second: bytes, gap_s: float) -> list[Frame]:
    """One reply with a pause between its words: VAD stops in the pause, then starts again."""
    frames: list[Frame] = [VADUserStartedSpeakingFrame(start_secs=0.2)]
    pcm = silence(0.2) + first + silence(0.2)
    frames += [InputAudioRawFrame(pcm[i : i + 320], 8000, 1) for i in range(0, len(pcm), 320)]
    frames.append(VADUserStoppedSpeakingFrame(stop_secs=0.2))
    gap = silence(gap_s)
    frames += [InputAudioRawFrame(gap[i : i + 320], 8000, 1) for i in range(0, len(gap), 320)]
    frames.append(VADUserStartedSpeakingFrame(start_secs=0.2))
    pcm = second + silence(0.2)
    frames += [InputAudioRawFrame(pcm[i : i + 320], 8000, 1) for i in range(0, len(pcm), 320)]
    frames.append(VADUserStoppedSpeakingFrame(stop_secs=0.2))
    return frames


@pytest.mark.parametrize("incomplete_s", [0.0, 0.6])
async def test_a_pause_inside_a_phrase_waits_for_the_rest(
    ko_model: Any, ko_vocab: Vocabulary, speak: Callable[..., bytes], incomplete_s: float
) -> None:
    stt = VoskSTTService(
        model=ko_model,
        vocabulary=ko_vocab,
        phrases=("관심 없어요", "네 맞습니다"),
        sample_rate=8000,
        incomplete_timeout_s=incomplete_s,
    )
    frames: list[Frame] = [SleepFrame(0.2)]
    frames += _paused_utterance(speak("관심"), speak("없어요"), 0.1)
    frames += [SleepFrame(1.0), *_utterance(speak("네 맞습니다")), SleepFrame(1.0)]
    down, _ = await run_test(stt, frames_to_send=frames)
    finals = _finals(list(down))
    stops = [f for f in down if isinstance(f, VADUserStoppedSpeakingFrame)]
    if incomplete_s:
        # one turn for the paused reply; a whole phrase is final at the stop, no wait
        assert [r.judgement.text for r in finals] == ["관심 없어요", "네 맞습니다"]
        assert len(stops) == 2
        assert finals[1].final_latency_s < 0.6
    else:
        assert len(finals) == 3 and finals[-1].judgement.text == "네 맞습니다"
        assert len(stops) == 3


async def test_audio_does_not_queue_behind_busy_decode_threads(
    ko_model: Any,
    ko_vocab: Vocabulary,
    speak: Callable[..., bytes],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the decode threads busy (other calls), an utterance's 100 ms chunks are not
    each queued for them: one decode is in flight and the rest joins the final."""
    stt = VoskSTTService(
        model=ko_model, vocabulary=ko_vocab, phrases=("네 맞습니다", "아니요"), sample_rate=8000
    )
    accepts: list[int] = []
    accept = vosk_stt._accept

    def counted(lock: Any, recs: Any, data: bytes, partial: bool) -> str | None:
        accepts.append(len(data))
        return accept(lock, recs, data, partial)

    monkeypatch.setattr(vosk_stt, "_accept", counted)
    busy = threading.Event()
    utterance = _utterance(speak("네 맞습니다"))

    async def block() -> None:  # once the recognizer is built: the threads are taken
        for _ in range(DECODE_THREADS):
            decode_executor().submit(busy.wait, 5)
        asyncio.get_running_loop().call_later(1.0, busy.set)

    try:
        frames: list[Frame] = [SleepFrame(0.3), *utterance]
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, lambda: loop.create_task(block()))
        down, _ = await run_test(stt, frames_to_send=frames)
    finally:
        busy.set()
    finals = _finals(list(down))
    assert [r.judgement.text for r in finals] == ["네 맞습니다"]
    chunks = sum(1 for f in utterance if isinstance(f, InputAudioRawFrame)) // 5
    assert chunks >= 8 and len(accepts) <= 2, accepts


@pytest.mark.skipif(sys.platform != "linux", reason="thread priorities are Linux's")
def test_the_decode_threads_run_below_the_event_loop() -> None:
    """On a machine short of CPU the loop (every call's audio) wins over decoding."""
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    theirs = decode_executor().submit(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    )
    assert theirs.result(5) == min(19, mine + DECODE_NICE)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # only theirs
