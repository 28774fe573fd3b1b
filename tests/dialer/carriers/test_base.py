"""The Twilio-compatible adapter (request shape, error mapping) and status classification."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import parse_qs

import httpx
import pytest

from dialer.carriers.base import CallNotFound, CarrierError, TwilioCarrier, classify

ACCOUNT = "ACtest"


def _carrier(handler: Callable[[httpx.Request], httpx.Response]) -> TwilioCarrier:
    return TwilioCarrier(
        "http://carrier.test/", ACCOUNT, "tok", transport=httpx.MockTransport(handler)
    )


def test_originate_sends_twiml_stream_with_parameters() -> None:
    seen: dict[str, list[str]] = {}

    def handler(req: httpx.Request) -> httpx.Response:
        assert req.url.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
        assert req.headers["authorization"].startswith("Basic ")
        seen.update(parse_qs(req.content.decode()))
        return httpx.Response(201, json={"sid": "CA1", "status": "queued"})

    sid = _carrier(handler).originate(
        "+8613800000001",
        "+8610",
        "ws://h/media/ws",
        "http://h/carrier/status?attempt_id=7",
        {"attempt_id": "7", "variant": "A&B"},
    )
    assert sid == "CA1"
    assert seen["To"] == ["+8613800000001"] and seen["From"] == ["+8610"]
    assert seen["StatusCallback"] == ["http://h/carrier/status?attempt_id=7"]
    assert set(seen["StatusCallbackEvent"]) == {"initiated", "ringing", "answered", "completed"}
    twiml = seen["Twiml"][0]
    assert '<Stream url="ws://h/media/ws">' in twiml
    assert '<Parameter name="variant" value="A&amp;B"/>' in twiml


@pytest.mark.parametrize(
    ("response", "ambiguous", "kind"),
    [
        (httpx.Response(400, json={}), False, CarrierError),
        (httpx.Response(503, json={}), True, CarrierError),
        (httpx.Response(404, json={}), False, CallNotFound),
    ],
)
def test_error_mapping(response: httpx.Response, ambiguous: bool, kind: type[Exception]) -> None:
    with pytest.raises(kind) as err:
        _carrier(lambda req: response).status("CA1")
    assert isinstance(err.value, CarrierError) and err.value.ambiguous is ambiguous


def test_timeout_is_ambiguous_and_refused_is_not() -> None:
    def timeout(req: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=req)

    def refused(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=req)

    with pytest.raises(CarrierError) as e1:
        _carrier(timeout).originate("+1", "+2", "ws://x", "http://x", {})
    assert e1.value.ambiguous
    with pytest.raises(CarrierError) as e2:
        _carrier(refused).originate("+1", "+2", "ws://x", "http://x", {})
    assert not e2.value.ambiguous and e2.value.status_code is None


def test_status_and_find_calls() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/Calls.json"):
            assert req.url.params["To"] == "+8613800000001"
            return httpx.Response(
                200,
                json={
                    "calls": [
                        {
                            "sid": "CA1",
                            "to": "+8613800000001",
                            "status": "completed",
                            "start_time": "Wed, 06 May 2026 02:00:05 +0000",
                        },
                        {
                            "sid": "CA0",
                            "to": "+8613800000001",
                            "status": "completed",
                            "start_time": "Wed, 06 May 2026 01:00:00 +0000",
                        },
                    ]
                },
            )
        return httpx.Response(
            200,
            json={"sid": "CA1", "status": "in-progress", "answered_by": "human", "duration": "12"},
        )

    car = _carrier(handler)
    info = car.status("CA1")
    assert (info.status, info.answered_by, info.duration_s) == ("in-progress", "human", 12.0)
    found = car.find_calls("+8613800000001", datetime(2026, 5, 6, 2, 0, tzinfo=UTC))
    assert [c.sid for c in found] == ["CA1"]


@pytest.mark.parametrize(
    ("status", "answered_by", "sip", "answered", "state", "outcome", "klass"),
    [
        ("queued", None, None, False, "dialing", None, None),
        ("ringing", None, None, False, "ringing", None, None),
        ("in-progress", "human", None, False, "in_progress", None, "human"),
        ("in-progress", "machine_start", None, False, "in_progress", None, "voicemail"),
        ("completed", None, None, True, "ended", "answered", "human"),
        ("completed", "machine_end_beep", None, True, "ended", "voicemail", "voicemail"),
        ("completed", "carrier_announcement", None, True, "ended", "announcement", "announcement"),
        ("completed", None, None, False, "ended", "no_answer", None),
        ("busy", None, None, False, "ended", "busy", None),
        ("no-answer", None, None, False, "ended", "no_answer", None),
        ("failed", None, 404, False, "ended", "invalid", None),
        ("failed", None, 480, False, "ended", "powered_off", None),
        ("failed", None, 500, False, "ended", "failed", None),
    ],
)
def test_classify(
    status: str,
    answered_by: str | None,
    sip: int | None,
    answered: bool,
    state: str,
    outcome: str | None,
    klass: str | None,
) -> None:
    c = classify(status, answered_by, sip, answered=answered)
    assert (c.state, c.outcome, c.answered_by) == (state, outcome, klass)


def test_a_completed_call_with_talk_time_was_answered_even_without_its_answer_report() -> None:
    # the in-progress callback was dropped: the duration counts from the answer
    lost = classify("completed", None, None, answered=False, duration_s=42)
    assert (lost.state, lost.outcome, lost.answered_by) == ("ended", "answered", "human")
    # our own hang-up of a ringing call: completed with no talk time is no answer
    for duration in (None, 0):
        c = classify("completed", None, None, answered=False, duration_s=duration)
        assert (c.outcome, c.answered_by) == ("no_answer", None)
