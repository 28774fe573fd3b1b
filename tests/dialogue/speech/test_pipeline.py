"""Process-wide speech runtime: what warm_up prepares before the first call."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.speech.pipeline import CALL_RATE, CallInfo, CallSetup, SpeechRuntime
from dialogue.speech.records import InMemoryCallRecorder
from dialogue.speech.settings import SpeechSettings
from tests.dialogue.fake_brain import FakeBrain, FakeEvents

pytestmark = pytest.mark.speech


async def test_warm_up_pools_warm_free_recognizers_on_the_stock_beam_model(
    session_speech_settings: SpeechSettings, tmp_path: Path
) -> None:
    def factory(info: CallInfo) -> CallSetup:
        return CallSetup(brain=FakeBrain())

    runtime = SpeechRuntime(
        settings=session_speech_settings.model_copy(update={"recordings_dir": tmp_path}),
        recorder=InMemoryCallRecorder(),
        brain_factory=factory,
        events=FakeEvents(),
        free_decoding=True,
        free_warm_recognizers=2,
    )
    await runtime.warm_up(["ko-KR"], ["안녕하세요 고객님"])
    assert runtime.recognizers.free_count(CALL_RATE) == 2
    assert runtime.models.free_model("ko-KR") is not runtime.models.model("ko-KR")
