# ruff: noqa: F811  (the harness fixture is imported from test_media)
"""The log of a real call holds no rendered prompt and no customer variable, at any level,
and a traceback in it shows no local variables."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from loguru import logger

from dialogue.brain import EngineEvents
from dialogue.speech.script_brain import ScriptBrainFactory
from kernel.logs import configure_logging
from tests.dialogue.speech.test_media import Harness, harness  # noqa: F401

pytestmark = pytest.mark.speech

NAME, POINTS = "김민수", 12345


async def test_a_real_calls_log_has_no_prompt_or_customer_variable(harness: Harness) -> None:
    lines: list[str] = []
    raw: list[str] = []  # what loguru's stock handler would have written
    configure_logging("DEBUG", sink=lines.append)
    logger.add(raw.append, level="DEBUG")
    try:
        harness.factory = ScriptBrainFactory()
        harness.runtime.events = EngineEvents()
        params = {
            "token": "s3cret",
            "scriptId": "points_reminder",
            "language": "ko-KR",
            "variant": "B",
            "customer": json.dumps({"name": NAME, "points": POINTS}),
        }
        async with harness.call("CA-log", **params) as call:
            await call.wait_bot_quiet()  # the greeting and the identity question, said
            assert call.bot_audio
        for _ in range(50):
            if "CA-log" in harness.recorder.summaries:
                break
            await asyncio.sleep(0.1)
        try:
            secret = f"{NAME} 13812345678"  # noqa: F841 - a local a traceback would show
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("a failure in a call")
    finally:
        logger.remove()
        logger.add(sys.stderr)
    bot = [r.text for r in harness.recorder.rows["CA-log"] if r.speaker == "bot"]
    assert any(NAME in t for t in bot)  # rendered (the points wait for the identity check)
    assert any(NAME in line for line in raw)  # the finding: pipecat logs prompts at DEBUG
    log = "".join(lines)
    assert lines and "a failure in a call" in log and "RuntimeError" in log
    assert NAME not in log and str(POINTS) not in log and "13812345678" not in log
