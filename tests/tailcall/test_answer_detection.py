"""A carrier's recorded announcement on a call's first audio (停机, SIP 403 otherwise a
generic failure) in the app ``tailcall serve`` builds: the bot never speaks, the attempt
records the announcement and ends with its own outcome and retry rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from dialer.campaigns.carrier_events import CarrierEventRecorder
from dialer.campaigns.models import Attempt
from dialer.campaigns.outcomes import apply_carrier_status
from dialer.carriers.base import CarrierEvent
from dialogue.speech import announcements
from kernel.db import Database
from kernel.settings import Settings
from tests.dialer.conftest import fast_settings
from tests.dialogue.carrier_client import CarrierCall
from tests.dialogue.conftest import (  # noqa: F401  (fixtures)
    ko_model,
    ko_registry,
    session_speech_settings,
    speak,
    speech_root,
)
from tests.tailcall.test_serve_calls import _attempt, _serve, _until

pytestmark = pytest.mark.speech


async def test_an_announcement_is_heard_and_never_talked_to(
    settings: Settings,
    db: Database,
    speak: Callable[..., bytes],  # noqa: F811
    ko_model: Any,  # noqa: F811
) -> None:
    aid = _attempt(db)
    with db.session() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        a.status, a.answered_at, a.carrier_sid = "ringing", None, "CA-ann"  # early media
    entry = next(e for e in announcements.entries(None) if e.name == "sim-suspended-150")
    clip = announcements.read_wav(entry.path.read_bytes(), entry.name).tobytes()
    async with _serve(settings, db) as (_app, port):
        call = CarrierCall(
            f"ws://127.0.0.1:{port}/media/ws",
            call_sid="CA-ann",
            stream_sid="MZ-ann",
            params={
                "attemptId": str(aid),
                "scriptId": "points_reminder",
                "language": "ko-KR",
                "token": settings.media_stream_token,
            },
        )
        async with call:
            await call.send_pcm(clip)

            def heard() -> Attempt | None:
                with db.read() as s:
                    a = s.get(Attempt, aid)
                    return a if a is not None and a.heard_outcome is not None else None

            a = await _until(heard, call, 20)
        assert call.bot_energy() < 50  # not a word to the machine
    assert (a.answered_by, a.heard_outcome, a.heard_label) == ("announcement", "suspended", "停机")
    with db.session() as s:  # the carrier then fails the call with SIP 403
        apply_carrier_status(
            s, now=datetime.now(UTC), settings=fast_settings(), default_tz="Asia/Seoul",
            sid="CA-ann", status="failed", sip_code=403,
        )  # fmt: skip
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None and a.outcome == "suspended"
        retry = s.scalar(select(Attempt).where(Attempt.retry_of_id == aid))
        assert retry is not None  # the suspended rule: once more, a week later
        assert (retry.due_at - a.ended_at).days == 7  # type: ignore[operator]


def test_a_sip_trunks_early_media_verdict_becomes_the_outcome(db: Database) -> None:
    aid = _attempt(db)
    with db.session() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        a.status, a.answered_at, a.carrier_sid = "ringing", None, "sip-1"
    recorder = CarrierEventRecorder(db, fast_settings(), "Asia/Seoul")
    recorder(
        CarrierEvent(sid="sip-1", status="failed", attempt_id=aid, duration_s=0.0,
                     reason="SIP: the early media was an announcement",
                     heard_outcome="out_of_area", heard_label="不在服务区")
    )  # fmt: skip
    with db.read() as s:
        a = s.get(Attempt, aid)
        assert a is not None
        assert (a.outcome, a.answered_by, a.heard_label) == (
            "out_of_area",
            "announcement",
            "不在服务区",
        )
