"""Shared-session Silero VAD: calls analysed together give what each gives alone."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from pipecat.audio.vad.vad_analyzer import VADParams, VADState

from dialogue.speech.vad import SharedSileroVADAnalyzer, SileroBatcher
from tests.dialogue.conftest import espeak_pcm, silence

pytestmark = pytest.mark.speech


def _analyzer() -> SharedSileroVADAnalyzer:
    a = SharedSileroVADAnalyzer(sample_rate=8000, params=VADParams(stop_secs=0.2))
    a.set_sample_rate(8000)
    return a


def _frames(pcm: bytes, size: int = 1600) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


async def test_batched_calls_match_each_call_alone() -> None:
    noise = (np.random.default_rng(1).normal(0, 300, 8000)).astype(np.int16).tobytes()
    audio = [
        silence(0.5) + espeak_pcm("네 맞습니다") + silence(0.6),
        noise + espeak_pcm("다시 전화 주세요") + silence(0.5),
        silence(0.3) + espeak_pcm("아니요") + noise,
    ]
    n = max(len(_frames(a)) for a in audio)
    alone: list[list[VADState]] = []
    for pcm in audio:
        a = _analyzer()
        alone.append([a._run_analyzer(f) for f in _frames(pcm)])
    together = [_analyzer() for _ in audio]
    got: list[list[VADState]] = [[] for _ in audio]
    batcher = SileroBatcher.for_loop(together[0]._model.session)
    runs, windows = batcher.runs, batcher.windows
    for k in range(n):
        todo = [
            (i, together[i].analyze_audio(_frames(pcm)[k]))
            for i, pcm in enumerate(audio)
            if k < len(_frames(pcm))
        ]
        states = await asyncio.gather(*(t for _, t in todo))
        for (i, _), state in zip(todo, states, strict=True):
            got[i].append(state)
    assert got == alone
    for states in alone:  # each heard speech start and stop
        assert VADState.SPEAKING in states and states[-1] == VADState.QUIET
    assert batcher.windows - windows > 1.5 * (batcher.runs - runs)  # runs were shared


async def test_stop_countdown_while_pausing() -> None:
    a = _analyzer()
    assert a.samples_to_stop() is None
    speech = np.frombuffer(espeak_pcm("다시 전화 주세요"), np.int16)
    loud = np.flatnonzero(np.abs(speech) > 500)
    for f in _frames(speech[: loud[-1] + 1].tobytes()):
        await a.analyze_audio(f)
    assert a._vad_state in (VADState.SPEAKING, VADState.STOPPING)
    for _ in range(30):
        need = a.samples_to_stop()
        if need is None:  # still speaking: the model's confidence fades over a few windows
            await a.analyze_audio(silence(0.032))
            continue
        assert 0 < need <= 0.2 * 8000
        if await a.analyze_audio(bytes(2 * (need - 1))) != VADState.STOPPING:
            continue  # confidence bounced back up: a pause, not the end
        if a.samples_to_stop() != 1:
            continue
        assert await a.analyze_audio(bytes(2)) == VADState.QUIET
        break
    else:
        pytest.fail("no stop")
    assert a.samples_to_stop() is None
