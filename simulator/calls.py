"""The simulated carrier's calls and its Twilio-shaped wire format: TwiML, signatures, dates."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import math
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from simulator.lines import LineBehaviour
from simulator.media import MediaSession

API_VERSION = "2010-04-01"


DEFAULT_ACCOUNT_SID = "AC" + "0" * 31 + "1"


DEFAULT_AUTH_TOKEN = "sim-auth-token"


FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


# Callback event a status belongs to (StatusCallbackEvent values).
EVENT_OF_STATUS = {"initiated": "initiated", "ringing": "ringing", "in-progress": "answered"}


class SimCarrierError(Exception):
    """An API error shaped like Twilio's (HTTP status, Twilio error code)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


@dataclass(frozen=True)
class CarrierTiming:
    """Network delays (seconds, drawn uniformly from each range)."""

    initiate_s: tuple[float, float] = (0.1, 0.4)  # queued -> initiated
    post_dial_s: tuple[float, float] = (1.0, 3.0)  # initiated -> ringing
    default_timeout_s: int = 60  # ring timeout when the caller sets none


@dataclass(frozen=True)
class StreamTarget:
    url: str
    parameters: Mapping[str, str]


@dataclass(frozen=True)
class StatusChange:
    status: str
    at: datetime
    mono: float


@dataclass
class SimCall:
    """One call as the carrier sees it."""

    sid: str
    account_sid: str
    to: str
    from_: str
    behaviour: LineBehaviour
    created_at: datetime
    timeout_s: int
    # the nth call to this number (``+8613...#2``): what seeded choices are keyed by, so a
    # run is reproducible for a seed while call ids are random
    key: str = ""
    url: str | None = None
    method: str = "POST"
    twiml: str | None = None
    stream_url: str | None = None
    status_callback: str | None = None
    status_callback_method: str = "POST"
    callback_events: frozenset[str] = frozenset({"completed"})
    machine_detection: str | None = None
    status: str = "queued"
    updated_at: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    answered_mono: float | None = None
    ended_mono: float | None = None
    answered_by: str | None = None
    sip_response_code: int | None = None
    error: str | None = None
    history: list[StatusChange] = field(default_factory=list)
    callbacks_sent: list[dict[str, str]] = field(default_factory=list)
    media: MediaSession | None = None
    hangup_requested: asyncio.Event = field(default_factory=asyncio.Event)
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _callback_seq: int = 0

    @property
    def duration_s(self) -> int | None:
        if self.answered_mono is None or self.ended_mono is None:
            return 0 if self.status in FINAL_STATUSES else None
        return math.ceil(self.ended_mono - self.answered_mono)

    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}.json"

    def to_json(self) -> dict[str, Any]:
        """The call resource as Twilio renders it."""
        base = self.uri()[: -len(".json")]
        duration = self.duration_s
        return {
            "account_sid": self.account_sid,
            "annotation": None,
            "answered_by": self.answered_by,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": _rfc2822(self.created_at),
            "date_updated": _rfc2822(self.updated_at or self.created_at),
            "direction": "outbound-api",
            "duration": None if duration is None else str(duration),
            "end_time": _rfc2822(self.end_time) if self.end_time else None,
            "forwarded_from": None,
            "from": self.from_,
            "from_formatted": self.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": self.sid,
            "start_time": _rfc2822(self.start_time) if self.start_time else None,
            "status": self.status,
            "subresource_uris": {
                "notifications": f"{base}/Notifications.json",
                "recordings": f"{base}/Recordings.json",
                "streams": f"{base}/Streams.json",
            },
            "to": self.to,
            "to_formatted": self.to,
            "trunk_sid": None,
            "uri": self.uri(),
        }


@dataclass
class CreateStall:
    """Fault: the carrier is slow to answer the ``nth`` create-call request (1-based,
    counting accepted creates). The call is placed and its life starts, then ``sid`` is
    recorded, ``reached`` is set (a ``threading.Event``: wait on it from any thread) and
    the HTTP response is held ``hold_s`` seconds on the carrier's clock."""

    nth: int
    hold_s: float
    reached: threading.Event = field(default_factory=threading.Event)
    sid: str | None = None


def _rfc2822(when: datetime) -> str:
    return format_datetime(when)


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the URL and the sorted form fields."""
    data = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def parse_stream_twiml(twiml: str) -> StreamTarget | None:
    """The ``<Connect><Stream url=...>`` (or ``<Start><Stream>``) of a TwiML document."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError as exc:
        raise SimCarrierError(400, 12100, f"Document parse failure: {exc}") from None
    for stream in root.iter("Stream"):
        url = stream.get("url")
        if not url:
            raise SimCarrierError(400, 12200, "Stream: the url attribute is required")
        params = {
            p.get("name", ""): p.get("value", "") for p in stream.iter("Parameter") if p.get("name")
        }
        return StreamTarget(url, params)
    return None


def _first(form: Mapping[str, Sequence[str]], key: str) -> str | None:
    values = form.get(key)
    return values[0] if values else None


def parse_create_form(form: Mapping[str, Sequence[str]], default_timeout_s: int) -> dict[str, Any]:
    """A create-call request's fields, checked as Twilio checks them (``SimCarrierError``
    with Twilio's error code for a bad one); keyword arguments of ``SimCall``."""
    to = _first(form, "To")
    from_ = _first(form, "From")
    if not to:
        raise SimCarrierError(400, 21201, "No 'To' number is specified")
    if not from_:
        raise SimCarrierError(400, 21213, "No 'From' number is specified")
    url = _first(form, "Url")
    twiml = _first(form, "Twiml")
    stream_url = _first(form, "StreamUrl")
    if url and url.startswith(("ws://", "wss://")):
        stream_url, url = url, None
    if not (url or twiml or stream_url):
        raise SimCarrierError(400, 21205, "Url, Twiml or StreamUrl is required")
    if url and not url.startswith(("http://", "https://")):
        raise SimCarrierError(400, 21205, "Url is not a valid URL")
    if twiml:
        parse_stream_twiml(twiml)  # reject a broken document now, as Twilio does
    events: set[str] = set()
    for raw in form.get("StatusCallbackEvent", []):
        events.update(e.strip() for e in raw.replace(",", " ").split() if e.strip())
    if events - {"initiated", "ringing", "answered", "completed"}:
        raise SimCarrierError(400, 21626, "StatusCallbackEvent has an unknown event")
    timeout_raw = _first(form, "Timeout")
    try:
        timeout = int(timeout_raw) if timeout_raw else default_timeout_s
    except ValueError:
        raise SimCarrierError(400, 21200, "Timeout must be an integer") from None
    return {
        "to": to,
        "from_": from_,
        "timeout_s": max(1, min(timeout, 600)),
        "url": url,
        "method": (_first(form, "Method") or "POST").upper(),
        "twiml": twiml,
        "stream_url": stream_url,
        "status_callback": _first(form, "StatusCallback"),
        "status_callback_method": (_first(form, "StatusCallbackMethod") or "POST").upper(),
        "callback_events": frozenset(events | {"completed"}),
        "machine_detection": _first(form, "MachineDetection"),
    }
