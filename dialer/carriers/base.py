"""The carrier boundary: originate, hang up and look up calls.

``Carrier`` is the interface; ``TwilioCarrier`` speaks a Twilio-compatible REST API at a
configurable base URL (the simulator serves the same API); ``InMemoryCarrier`` is a fake
for tests; ``dialer.carriers.sip.carrier.SipCarrier`` dials over a SIP trunk. ``classify``
maps the carrier's call status (REST, status callback or a ``CarrierEvent`` from an
in-process carrier) to the dialer's attempt state and outcome.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from xml.sax.saxutils import quoteattr

import httpx

TERMINAL = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
INVALID_SIP = frozenset({404, 410, 484, 604})
POWERED_OFF_SIP = frozenset({480})
RESTRICTED_SIP = frozenset({403})


class CarrierError(Exception):
    """The carrier call failed; ``ambiguous`` means it may or may not have been placed."""

    def __init__(self, message: str, *, ambiguous: bool, status_code: int | None = None) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.status_code = status_code


class CallNotFound(CarrierError):
    def __init__(self) -> None:
        super().__init__("call not found at the carrier", ambiguous=False, status_code=404)


@dataclass(frozen=True)
class CarrierCall:
    sid: str
    status: str  # queued|initiated|ringing|in-progress|completed|busy|no-answer|failed|canceled
    to: str = ""
    answered_by: str | None = None
    duration_s: float | None = None
    sip_code: int | None = None
    started_at: datetime | None = None


@dataclass(frozen=True)
class CarrierEvent:
    """A call's progress reported by an in-process carrier (what a status callback says
    for a REST carrier); ``reason`` says in words how an ended call ended."""

    sid: str
    status: str
    attempt_id: int | None = None
    answered_by: str | None = None
    duration_s: float | None = None
    sip_code: int | None = None
    reason: str = ""
    # what the early media was heard to say (dialogue.speech.answering), e.g. "suspended"
    heard_outcome: str | None = None
    heard_label: str = ""


StatusSink = Callable[[CarrierEvent], None]


class Carrier(Protocol):
    def originate(
        self,
        to: str,
        from_: str,
        stream_url: str,
        status_callback_url: str,
        custom_parameters: Mapping[str, str],
    ) -> str:
        """Place a call; returns the carrier's call id (sid)."""
        ...

    def hangup(self, sid: str) -> None: ...

    def status(self, sid: str) -> CarrierCall: ...

    def find_calls(self, to: str, since: datetime) -> list[CarrierCall]:
        """Calls to ``to`` created at or after ``since`` (reconciling a crash)."""
        ...


@dataclass(frozen=True)
class Classified:
    state: str  # attempt status: dialing | ringing | in_progress | ended
    outcome: str | None = None  # set when ended
    answered_by: str | None = None  # human | voicemail | announcement


def answer_class(answered_by: str | None) -> str | None:
    if not answered_by:
        return None
    a = answered_by.lower()
    if a.startswith("machine") or a in ("fax", "voicemail"):
        return "voicemail"
    if a in ("carrier_announcement", "announcement"):
        return "announcement"
    return "human"  # human, unknown


def classify(
    status: str,
    answered_by: str | None = None,
    sip_code: int | None = None,
    *,
    answered: bool = False,
    duration_s: float | None = None,
) -> Classified:
    """Map a carrier status to the attempt's state (and its outcome when the call ended).

    A ``completed`` call with talk time was answered even when its answer report never
    arrived (a dropped callback): the carrier counts the duration from the answer. Without
    either, ``completed`` is a hang-up before the answer (our own, of a ringing call)."""
    s = status.lower()
    cls = answer_class(answered_by)
    answered = answered or (s == "completed" and bool(duration_s and duration_s > 0))
    if s in ("queued", "initiated"):
        return Classified("dialing")
    if s == "ringing":
        return Classified("ringing")
    if s in ("in-progress", "answered"):
        return Classified("in_progress", answered_by=cls or "human")
    if s == "completed":
        if answered or cls:
            kind = cls or "human"
            outcome = {"human": "answered", "voicemail": "voicemail"}.get(kind, kind)
            return Classified("ended", outcome, kind)
        return Classified("ended", "no_answer")
    if s == "busy":
        return Classified("ended", "busy")
    if s in ("no-answer", "canceled"):
        return Classified("ended", "no_answer")
    if s == "failed":
        if sip_code in INVALID_SIP:
            return Classified("ended", "invalid")
        if sip_code in POWERED_OFF_SIP:
            return Classified("ended", "powered_off")
        if sip_code in RESTRICTED_SIP:
            return Classified("ended", "restricted")
        return Classified("ended", "failed")
    return Classified("dialing")


def stream_twiml(stream_url: str, params: Mapping[str, str]) -> str:
    """TwiML that connects the answered call to our media websocket with custom parameters."""
    inner = "".join(
        f"<Parameter name={quoteattr(k)} value={quoteattr(v)}/>" for k, v in params.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Connect>'
        f"<Stream url={quoteattr(stream_url)}>{inner}</Stream></Connect></Response>"
    )


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value)).astimezone(UTC)
    except (TypeError, ValueError):
        try:
            dt = datetime.fromisoformat(str(value))
        except ValueError:
            return None
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _call_info(body: Mapping[str, Any]) -> CarrierCall:
    dur = body.get("duration")
    sip = body.get("sip_response_code")
    return CarrierCall(
        sid=str(body["sid"]),
        status=str(body.get("status", "queued")),
        to=str(body.get("to", "")),
        answered_by=body.get("answered_by"),
        duration_s=float(dur) if dur not in (None, "") else None,
        sip_code=int(sip) if sip not in (None, "") else None,
        started_at=_parse_time(body.get("start_time") or body.get("date_created")),
    )


class TwilioCarrier:
    """A Twilio-compatible REST client (``/2010-04-01/Accounts/{sid}/Calls.json``)."""

    def __init__(
        self,
        base_url: str,
        account_sid: str,
        auth_token: str,
        *,
        timeout_s: float = 10.0,
        machine_detection: bool = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            auth=(account_sid, auth_token),
            timeout=timeout_s,
            transport=transport,
        )
        self._prefix = f"/2010-04-01/Accounts/{account_sid}"
        self._amd = machine_detection

    def close(self) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kw: Any) -> Any:
        try:
            r = self._client.request(method, self._prefix + path, **kw)
        except httpx.TimeoutException as exc:
            raise CarrierError("carrier timed out", ambiguous=True) from exc
        except httpx.HTTPError as exc:
            # Connection refused before sending is not ambiguous; anything later may be.
            ambiguous = not isinstance(exc, httpx.ConnectError)
            raise CarrierError(
                f"carrier unreachable ({type(exc).__name__})", ambiguous=ambiguous
            ) from exc
        if r.status_code == 404:
            raise CallNotFound()
        if r.status_code >= 500:
            raise CarrierError("carrier server error", ambiguous=True, status_code=r.status_code)
        if r.status_code >= 400:
            raise CarrierError(
                "carrier rejected the request", ambiguous=False, status_code=r.status_code
            )
        return r.json()

    def originate(
        self,
        to: str,
        from_: str,
        stream_url: str,
        status_callback_url: str,
        custom_parameters: Mapping[str, str],
    ) -> str:
        form: dict[str, str | list[str]] = {
            "To": to,
            "From": from_,
            "Twiml": stream_twiml(stream_url, custom_parameters),
            "StatusCallback": status_callback_url,
            "StatusCallbackMethod": "POST",
            "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        }
        if self._amd:
            form["MachineDetection"] = "Enable"
        body = self._request("POST", "/Calls.json", data=form)
        return str(body["sid"])

    def hangup(self, sid: str) -> None:
        self._request("POST", f"/Calls/{sid}.json", data={"Status": "completed"})

    def status(self, sid: str) -> CarrierCall:
        return _call_info(self._request("GET", f"/Calls/{sid}.json"))

    def find_calls(self, to: str, since: datetime) -> list[CarrierCall]:
        params = {"To": to, "StartTime>": since.astimezone(UTC).date().isoformat()}
        body = self._request("GET", "/Calls.json", params=params)
        calls = [_call_info(c) for c in body.get("calls", [])]
        return [c for c in calls if c.to == to and (c.started_at is None or c.started_at >= since)]


@dataclass
class FakeCall:
    info: CarrierCall
    from_: str
    params: dict[str, str]
    created_at: datetime
    status_callback_url: str = ""
    events: list[str] = field(default_factory=list)


class InMemoryCarrier:
    """A fake carrier: calls live in memory; tests move them through their states."""

    def __init__(self, now: Any = None) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._now = now or (lambda: datetime.now(UTC))
        self.calls: dict[str, FakeCall] = {}
        self.fail_next: CarrierError | None = None
        self.max_active = 0

    def active(self) -> int:
        return sum(1 for c in self.calls.values() if c.info.status not in TERMINAL)

    def originate(
        self,
        to: str,
        from_: str,
        stream_url: str,
        status_callback_url: str,
        custom_parameters: Mapping[str, str],
    ) -> str:
        with self._lock:
            if self.fail_next is not None:
                err, self.fail_next = self.fail_next, None
                raise err
            sid = f"CA{next(self._ids):032d}"
            now = self._now()
            self.calls[sid] = FakeCall(
                CarrierCall(sid, "queued", to=to, started_at=now),
                from_,
                dict(custom_parameters),
                now,
                status_callback_url,
            )
            self.max_active = max(self.max_active, self.active())
            return sid

    def set_status(
        self,
        sid: str,
        status: str,
        *,
        answered_by: str | None = None,
        duration_s: float | None = None,
        sip_code: int | None = None,
    ) -> CarrierCall:
        with self._lock:
            call = self.calls[sid]
            call.info = replace(
                call.info,
                status=status,
                answered_by=answered_by or call.info.answered_by,
                duration_s=duration_s,
                sip_code=sip_code,
            )
            call.events.append(status)
            return call.info

    def hangup(self, sid: str) -> None:
        if sid not in self.calls:
            raise CallNotFound()
        if self.calls[sid].info.status not in TERMINAL:
            self.set_status(sid, "completed", duration_s=0)

    def status(self, sid: str) -> CarrierCall:
        if sid not in self.calls:
            raise CallNotFound()
        return self.calls[sid].info

    def find_calls(self, to: str, since: datetime) -> list[CarrierCall]:
        return [c.info for c in self.calls.values() if c.info.to == to and c.created_at >= since]
