"""Audio-mode simulation end to end: the dialer dials the simulated carrier, the persona
speaks espeak-ng Korean on the media stream, the app's media endpoint runs the real
pipeline (Vosk, script engine, scorer, pyttsx3), and each answered call's outcome is
recorded and reported with what the persona meant next to what the bot understood."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from dialer.campaigns.models import Attempt
from dialogue.speech.models import CallSummaryRow, CallTranscriptRow
from kernel.db import Database
from kernel.settings import Settings
from simulator.simulate import SimulationConfig, run_simulation
from tailcall.simulation import ProductHost

pytestmark = pytest.mark.speech


def test_audio_calls_run_the_real_pipeline(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    cfg = SimulationConfig(
        script="points_reminder",
        language="ko-KR",
        customers=3,
        personas=["interested"],
        seed=5,
        speech="audio",
        database_url=f"sqlite:///{path}",
        lines=3,
        retries=0,
        timeout_s=240.0,
    )
    result = asyncio.run(run_simulation(cfg, ProductHost()))
    assert not result.errors
    report = result.report
    assert report.funnel["answered"] > 0, "no persona answered: pick another seed"
    db = Database(Settings(env="test", database_url=f"sqlite:///{path}"))
    try:
        with db.read() as s:
            attempts = list(s.scalars(select(Attempt).where(Attempt.answered_at.is_not(None))))
            summaries = {r.attempt_id: r for r in s.scalars(select(CallSummaryRow))}
            said = list(
                s.scalars(select(CallTranscriptRow).where(CallTranscriptRow.speaker == "customer"))
            )
        for a in attempts:
            assert a.answered_by == "human"  # the outcome was written by the live call
            assert a.id in summaries and summaries[a.id].disposition != "error"
            assert summaries[a.id].greeting_latency_s is not None
        assert said, "the bot heard nothing the personas said"
    finally:
        db.dispose()
    graded = sum(n for row in report.confusion.values() for p, n in row.items() if p != "-")
    assert graded == report.funnel["human"]  # every answered call was scored
    assert report.recognition.utterances > 0  # meant vs understood, joined per call
    assert sum(sum(r.values()) for r in report.recognition.confusion.values()) == (
        report.recognition.utterances
    )
    assert report.turn_latency.count > 0
