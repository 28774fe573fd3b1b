"""A call that fails after answer is recorded failed with its reason (never answered) and
retried by the campaign's rules; the log has one line for it, the traceback only at DEBUG."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from loguru import logger
from sqlalchemy import select

from dialer.campaigns.config import DialerSettings
from dialer.campaigns.models import Attempt
from dialer.campaigns.outcomes import apply_carrier_status
from kernel.db import Database
from kernel.logs import configure_logging
from kernel.settings import Settings
from tailcall.app import create_app
from tests.tailcall.test_live_calls import NOW, _attempt


def test_a_call_without_a_speech_model_is_recorded_failed_and_retried(
    settings: Settings, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILCALL_VOSK_MODEL_ZH_CN", str(tmp_path / "no-model"))
    aid = _attempt(db)  # a zh-CN campaign's attempt, answered
    with db.session() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        a.carrier_sid = "CA-nomodel"
    app = create_app(settings, db, media=True)
    log = io.StringIO()
    configure_logging("INFO", log)
    try:
        start = {
            "event": "start",
            "start": {
                "streamSid": "MZ-1",
                "callSid": "CA-nomodel",
                "customParameters": {
                    "attemptId": str(aid),
                    "scriptId": "points_reminder",
                    "language": "zh-CN",
                    "token": settings.media_stream_token,
                },
            },
        }
        with TestClient(app).websocket_connect("/media/ws") as ws:
            ws.send_text(json.dumps(start))
            assert ws.receive()["type"] == "websocket.close"
    finally:
        configure_logging("WARNING")
        logger.remove()
        configure_logging("INFO")
    # the carrier then reports the call completed: it stays failed
    with db.session() as s:
        apply_carrier_status(
            s,
            now=NOW,
            settings=DialerSettings(),
            default_tz="Asia/Shanghai",
            sid="CA-nomodel",
            status="completed",
            attempt_id=aid,
        )
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        assert (a.status, a.outcome) == ("ended", "failed")
        assert a.end_reason is not None and "zh-CN" in a.end_reason
        retry = s.scalar(select(Attempt).where(Attempt.retry_of_id == aid))
        assert retry is not None and retry.status == "queued"  # the "failed" rule: once
    lines = [ln for ln in log.getvalue().splitlines() if "call failed" in ln]
    assert len(lines) == 1 and "ModelMissing" in lines[0]
    assert "Traceback" not in log.getvalue()
