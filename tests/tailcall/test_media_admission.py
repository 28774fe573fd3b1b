"""The carrier's media websocket runs a call only for a live attempt whose carrier call id
matches, once; anything else is closed with 1008 before anything is recorded, and no
first frame, however malformed, raises."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from crm_sync.models import OutboxEvent
from dialer.campaigns.models import Attempt
from dialer.campaigns.streams import claim_media_stream
from dialogue.speech.models import CallSummaryRow, CallTranscriptRow
from kernel.db import Database
from kernel.settings import Settings
from tailcall.app import create_app
from tests.tailcall.test_live_calls import _attempt

NOW = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)


def _set(db: Database, aid: int, **values: Any) -> None:
    with db.session() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        for k, v in values.items():
            setattr(a, k, v)


def test_an_attempt_is_claimed_once_by_its_own_call(db: Database) -> None:
    aid = _attempt(db)
    _set(db, aid, carrier_sid="CA-own")
    with db.session() as s:
        assert claim_media_stream(s, aid, "CA-other", NOW) == "the call id is not the attempt's"
        assert claim_media_stream(s, aid, "CA-own", NOW) is None
        assert claim_media_stream(s, aid, "CA-own", NOW) == (
            "a stream for this attempt has started already"
        )
        assert claim_media_stream(s, 10**12, "CA-own", NOW) == "no such attempt"


def test_an_attempt_whose_call_id_is_not_stored_yet_is_bound_to_the_stream(db: Database) -> None:
    aid = _attempt(db)
    with db.session() as s:  # an earlier, ended attempt of the same customer
        a = s.get(Attempt, aid)
        assert a is not None
        s.add(
            Attempt(
                campaign_id=a.campaign_id,
                customer_id=a.customer_id,
                phone_e164=a.phone_e164,
                status="ended",
                due_at=NOW,
                carrier_sid="CA-taken",
            )
        )
    with db.session() as s:
        assert claim_media_stream(s, aid, "CA-taken", NOW) == (
            "the call id belongs to another attempt"
        )
        assert claim_media_stream(s, aid, "CA-new", NOW) is None
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None and a.carrier_sid == "CA-new" and a.media_started_at is not None


def test_an_ended_attempt_is_refused(db: Database) -> None:
    aid = _attempt(db)
    _set(db, aid, status="ended", carrier_sid="CA-end")
    with db.session() as s:
        assert claim_media_stream(s, aid, "CA-end", NOW) == "the attempt is ended, not live"


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db, media=True)


def _start(settings: Settings, aid: int | None, call_sid: str = "CA-1", **extra: Any) -> str:
    params = {"scriptId": "points_reminder", "token": settings.media_stream_token}
    if aid is not None:
        params["attemptId"] = str(aid)
    body = {"streamSid": "MZ-1", "callSid": call_sid, "customParameters": params, **extra}
    return json.dumps({"event": "start", "start": body})


def _closed_with(app: FastAPI, *frames: str | bytes) -> int:
    client = TestClient(app)
    with client.websocket_connect("/media/ws") as ws:
        for f in frames:
            if isinstance(f, bytes):
                ws.send_bytes(f)
            else:
                ws.send_text(f)
        msg = ws.receive()
    assert msg["type"] == "websocket.close", msg
    return int(msg["code"])


def _nothing_recorded(db: Database, aid: int) -> None:
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CallTranscriptRow)) == 0
        assert s.scalar(select(func.count()).select_from(CallSummaryRow)) == 0
        assert s.scalar(select(func.count()).select_from(OutboxEvent)) == 0
        a = s.get(Attempt, aid)
        assert a is not None and a.disposition is None


@pytest.mark.parametrize(
    ("state", "call_sid"),
    [
        ({"status": "ended", "carrier_sid": "CA-1", "outcome": "answered"}, "CA-1"),  # ended
        ({"carrier_sid": "CA-1", "media_started_at": NOW}, "CA-1"),  # a second stream
        ({"carrier_sid": "CA-real"}, "CA-forged"),  # another call's attempt
    ],
)
def test_a_stream_not_for_a_live_unclaimed_attempt_is_refused_and_records_nothing(
    app: FastAPI, settings: Settings, db: Database, state: dict[str, Any], call_sid: str
) -> None:
    aid = _attempt(db)
    _set(db, aid, **state)
    assert _closed_with(app, _start(settings, aid, call_sid)) == 1008
    assert _closed_with(app, _start(settings, None)) == 1008  # naming no attempt
    _nothing_recorded(db, aid)


@pytest.mark.parametrize(
    "frames",
    [
        (b"\x00\x01binary",),
        ("[]",),
        ("42",),
        ("null",),
        ('"start"',),
        ("{not json",),
        ("[" * 5000 + "]" * 5000,),
        ('{"event": "start", "start": []}',),
        ('{"event": "start", "start": {"streamSid": 5, "callSid": "CA1"}}',),
        ('{"event": "start", "start": {"streamSid": "MZ1", "callSid": "../../x"}}',),
        ('{"event": "start", "start": {"streamSid": "MZ1", "customParameters": [1]}}',),
        ('{"event": "\\ud800"}',),
        ('{"event": "connected"}',) * 6,
        ('{"event": "media", "media": {"payload": "AAAA"}}',),
    ],
)
def test_a_malformed_first_frame_is_closed_with_1008(
    app: FastAPI, frames: tuple[str | bytes, ...]
) -> None:
    assert _closed_with(app, *frames) == 1008


def test_a_bad_parameter_is_closed_before_the_token(app: FastAPI, settings: Settings) -> None:
    frame = json.loads(_start(settings, 1))
    frame["start"]["customParameters"]["language"] = "../../etc"
    assert _closed_with(app, json.dumps(frame)) == 1008
