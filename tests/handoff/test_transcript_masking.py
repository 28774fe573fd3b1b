"""Transcript lines reach agents (the live card, console events) and the database masked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from dialogue.speech.db_recorder import DbCallRecorder
from dialogue.speech.models import CallTranscriptRow
from dialogue.speech.records import TranscriptRow
from handoff.live import LiveCall, LiveCallRegistry, TeeRecorder
from kernel.db import Database

SAID = "我的卡号是 四一一一 一一一一 一一一一 一一一一，手机 13812345678"


def test_agents_get_transcript_lines_masked(db: Database) -> None:
    registry = LiveCallRegistry()
    seen: list[dict[str, Any]] = []
    registry.on_transcript.append(lambda _sid, row: seen.append(row))
    registry.register(LiveCall("CA-m", control=None))  # type: ignore[arg-type]
    recorder = DbCallRecorder(db)
    tee = TeeRecorder(recorder, registry)
    tee.transcript("CA-m", TranscriptRow("customer", SAID, 0.9, 0.0, 1.0, "ask"))
    assert recorder.drain()
    live = registry.get("CA-m")
    assert live is not None
    for text in (seen[0]["text"], live.transcript[0]["text"]):
        assert "[card ************1111]" in text and "13812345678" not in text, text
    with db.read() as s:
        stored = s.scalar(select(CallTranscriptRow.text))
    assert stored is not None and "13812345678" not in stored and "四一一一 一一一一" not in stored
