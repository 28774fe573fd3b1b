"""A simulated carrier speaking Twilio's call API and Media Streams.

``SimCarrier`` keeps the calls and runs each one's life on the injected clock:
queued -> initiated -> ringing -> in-progress -> completed, or busy / no-answer /
failed / canceled, with status callbacks (form-encoded, signed like Twilio's
``X-Twilio-Signature``) sent in that order for the events the caller asked for
(``StatusCallbackEvent``; Twilio's default is ``completed`` only). On answer it opens
the media stream named by the call's TwiML (``<Connect><Stream url=...>``) or stream URL
and lets the line's callee (customer, voicemail, announcement) act on it.

Faults of the carrier itself are opt-in: ``stall_creates(nth, hold_s)`` makes the carrier
slow to answer one create-call request (the call is placed, the HTTP response is held),
the window in which a caller that crashes has a call at the carrier it never learned
the sid of. ``active`` / ``max_active`` count calls not yet final, for checking caps.

The REST surface is in ``simulator.carrier_api``; this module does no HTTP serving.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import math
import random
import threading
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from typing import Any

import httpx

from kernel.clock import Clock
from simulator import callees
from simulator.lines import (
    UNREACHABLE_SIP,
    Answer,
    AnswerWithoutMedia,
    Busy,
    CallContext,
    Callee,
    Failed,
    LineBehaviour,
    LinePlan,
    NoAnswer,
    SideChannelCallee,
    Unreachable,
    Voicemail,
)
from simulator.media import MediaOptions, MediaSession
from simulator.sidechannel import SimSideChannel
from simulator.tts import SpeechRenderer

log = logging.getLogger(__name__)

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


class SimCarrier:
    """The simulated network: places calls on the ``line_plan`` and reports on them."""

    def __init__(
        self,
        *,
        clock: Clock,
        line_plan: LinePlan,
        accounts: Mapping[str, str] | None = None,
        seed: int = 0,
        timing: CarrierTiming | None = None,
        renderer: SpeechRenderer | None = None,
        side_channel: SimSideChannel | None = None,
        media_options: MediaOptions | None = None,
        media_clock: Clock | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.clock = clock
        self.media_clock = media_clock or clock
        self.line_plan = line_plan
        self.accounts = dict(accounts or {DEFAULT_ACCOUNT_SID: DEFAULT_AUTH_TOKEN})
        self.seed = seed
        self.timing = timing or CarrierTiming()
        self.renderer = renderer or SpeechRenderer()
        self.side_channel = side_channel
        self.media_options = media_options or MediaOptions(seed=seed)
        self._rng = random.Random(seed)
        self._http = http
        self._own_http = http is None
        self.calls: dict[str, SimCall] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._callback_tasks: set[asyncio.Task[None]] = set()
        self.creates = 0  # accepted create-call requests
        self.active = 0  # calls placed and not yet final
        self.max_active = 0  # peak of ``active``
        self._stalls: list[CreateStall] = []

    def stall_creates(self, nth: int, hold_s: float = 2.0) -> CreateStall:
        """Hold the response to the ``nth`` create-call request (see ``CreateStall``)."""
        if nth < 1 or hold_s < 0:
            raise ValueError("nth must be >= 1 and hold_s >= 0")
        stall = CreateStall(nth, hold_s)
        self._stalls.append(stall)
        return stall

    # -- auth and lookup ---------------------------------------------------------------
    def authenticate(self, account_sid: str, username: str | None, password: str | None) -> None:
        token = self.accounts.get(account_sid)
        if token is None or username != account_sid or password is None:
            raise SimCarrierError(401, 20003, "Authenticate")
        if not hmac.compare_digest(token.encode(), password.encode()):
            raise SimCarrierError(401, 20003, "Authenticate")

    def get_call(self, account_sid: str, sid: str) -> SimCall:
        call = self.calls.get(sid)
        if call is None or call.account_sid != account_sid:
            raise SimCarrierError(
                404, 20404, f"The requested resource {API_VERSION}/Calls/{sid}.json was not found"
            )
        return call

    # -- REST operations ---------------------------------------------------------------
    async def create_call(self, account_sid: str, form: Mapping[str, Sequence[str]]) -> SimCall:
        """``POST /Accounts/{sid}/Calls.json``: validate, queue, start the call's life."""
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
        unknown = events - {"initiated", "ringing", "answered", "completed"}
        if unknown:
            raise SimCarrierError(400, 21626, "StatusCallbackEvent has an unknown event")
        timeout_raw = _first(form, "Timeout")
        try:
            timeout = int(timeout_raw) if timeout_raw else self.timing.default_timeout_s
        except ValueError:
            raise SimCarrierError(400, 21200, "Timeout must be an integer") from None
        timeout = max(1, min(timeout, 600))
        now = self.clock.now()
        sid = f"CA{self._rng.getrandbits(128):032x}"
        call = SimCall(
            sid=sid,
            account_sid=account_sid,
            to=to,
            from_=from_,
            behaviour=self.line_plan.behaviour_for(to, now),
            created_at=now,
            timeout_s=timeout,
            url=url,
            method=(_first(form, "Method") or "POST").upper(),
            twiml=twiml,
            stream_url=stream_url,
            status_callback=_first(form, "StatusCallback"),
            status_callback_method=(_first(form, "StatusCallbackMethod") or "POST").upper(),
            callback_events=frozenset(events | {"completed"}),
            machine_detection=_first(form, "MachineDetection"),
        )
        call.history.append(StatusChange("queued", now, self.clock.monotonic()))
        self.calls[sid] = call
        self.creates += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        self._tasks[sid] = asyncio.create_task(self._life(call), name=f"call-{sid}")
        for stall in self._stalls:
            if stall.nth == self.creates:
                stall.sid = sid
                stall.reached.set()
                await self.clock.sleep(stall.hold_s)
        return call

    async def update_call(
        self, account_sid: str, sid: str, form: Mapping[str, Sequence[str]]
    ) -> SimCall:
        """``POST /Accounts/{sid}/Calls/{CallSid}.json`` with ``Status``: hang up or cancel."""
        call = self.get_call(account_sid, sid)
        status = _first(form, "Status")
        if status not in ("completed", "canceled"):
            if status is None and (_first(form, "Url") or _first(form, "Twiml")):
                raise SimCarrierError(400, 21220, "Redirecting a live call is not simulated")
            raise SimCarrierError(400, 21218, "Status must be completed or canceled")
        if call.status in FINAL_STATUSES:
            raise SimCarrierError(400, 21220, "Call is not in-progress. Cannot redirect.")
        if status == "canceled" and call.status == "in-progress":
            return call  # Twilio ignores canceling an answered call
        call.hangup_requested.set()
        task = self._tasks.get(sid)
        if task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout=5.0)
        return call

    async def hangup(self, sid: str) -> None:
        """In-process shortcut for the REST hang-up."""
        call = self.calls[sid]
        await self.update_call(call.account_sid, sid, {"Status": ["completed"]})

    async def wait_final(self, sid: str) -> SimCall:
        await self.calls[sid].finished.wait()
        return self.calls[sid]

    async def aclose(self) -> None:
        """Stop every live call and flush callbacks."""
        for call in self.calls.values():
            call.hangup_requested.set()
        for task in list(self._tasks.values()):
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                await asyncio.wait_for(task, timeout=5.0)
        for task in list(self._callback_tasks):
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                await asyncio.wait_for(task, timeout=5.0)
        if self._own_http and self._http is not None:
            await self._http.aclose()
            self._http = None

    # -- the life of a call ------------------------------------------------------------
    def _draw(self, span: tuple[float, float]) -> float:
        return self._rng.uniform(*span)

    async def _pause(self, call: SimCall, seconds: float) -> bool:
        """Wait ``seconds`` on the clock; True if a hang-up was requested meanwhile."""
        if call.hangup_requested.is_set():
            return True
        sleeper = asyncio.create_task(self.clock.sleep(seconds))
        waiter = asyncio.create_task(call.hangup_requested.wait())
        done, pending = await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        return waiter in done

    async def _life(self, call: SimCall) -> None:
        try:
            await self._run(call)
        except Exception:  # a bug here must not leave the call open forever
            log.exception("simulated call failed", extra={"call_sid": call.sid})
            call.error = "simulator_error"
            if call.status not in FINAL_STATUSES:
                self._finish(call, "failed")
        finally:
            if call.status not in FINAL_STATUSES:
                self._finish(call, "canceled")

    async def _run(self, call: SimCall) -> None:
        if await self._pause(call, self._draw(self.timing.initiate_s)):
            return self._finish(call, "canceled")
        self._set(call, "initiated")
        b = call.behaviour
        if isinstance(b, Busy | Failed):
            if await self._pause(call, b.after_s):
                return self._finish(call, "canceled")
            if isinstance(b, Busy):
                return self._finish(call, "busy", sip=486)
            return self._finish(call, "failed", sip=b.sip_code)
        if await self._pause(call, self._draw(self.timing.post_dial_s)):
            return self._finish(call, "canceled")
        self._set(call, "ringing")
        if isinstance(b, Unreachable):
            await self._early_media(call, callees.AnnouncementCallee(b.kind, b.repeats))
            if call.hangup_requested.is_set():
                return self._finish(call, "canceled")
            return self._finish(call, "failed", sip=UNREACHABLE_SIP[b.kind])
        ring = float(call.timeout_s) if isinstance(b, NoAnswer) else b.ring_s
        if ring >= call.timeout_s:
            if await self._pause(call, float(call.timeout_s)):
                return self._finish(call, "canceled")
            return self._finish(call, "no-answer", sip=487)
        if await self._pause(call, ring):
            return self._finish(call, "canceled")
        if isinstance(b, AnswerWithoutMedia):
            call.answered_by = b.answered_by if call.machine_detection else None
            self._answer(call)
            await self._pause(call, b.talk_s)  # an API hang-up also ends it as completed
            return self._finish(call, "completed")
        callee: Callee | SideChannelCallee | None
        if isinstance(b, Voicemail):
            callee = callees.VoicemailCallee(b.language, b.max_message_s)
            call.answered_by = "machine_start" if call.machine_detection else None
        else:
            assert isinstance(b, Answer)
            callee = b.callee
            call.answered_by = b.answered_by if call.machine_detection else None
        self._answer(call)
        await self._connected(call, callee)
        self._finish(call, "completed")

    def _answer(self, call: SimCall) -> None:
        """The far end picks up."""
        call.answered_mono = self.clock.monotonic()
        call.start_time = self.clock.now()
        self._set(call, "in-progress")

    async def _stream_target(self, call: SimCall, status: str) -> StreamTarget | None:
        if call.stream_url:
            return StreamTarget(call.stream_url, {})
        if call.twiml:
            return parse_stream_twiml(call.twiml)
        assert call.url is not None
        params = self._callback_params(call, status)
        try:
            resp = await self._client().request(
                call.method,
                call.url,
                data=params if call.method == "POST" else None,
                params=params if call.method == "GET" else None,
                headers=self._signature_header(call, call.url, params),
            )
            resp.raise_for_status()
            return parse_stream_twiml(resp.text)
        except (httpx.HTTPError, SimCarrierError):
            log.warning("simulated call: TwiML fetch failed", extra={"call_sid": call.sid})
            call.error = "twiml_fetch_failed"
            return None

    async def _open_media(self, call: SimCall, status: str) -> MediaSession | None:
        target = await self._stream_target(call, status)
        if target is None:
            call.error = call.error or "no_stream"
            return None
        session = MediaSession(
            url=target.url,
            account_sid=call.account_sid,
            call_sid=call.sid,
            stream_sid=f"MZ{self._rng.getrandbits(128):032x}",
            clock=self.media_clock,
            custom_parameters=target.parameters,
            options=self.media_options,
            side_channel=self.side_channel,
            headers={
                "X-Twilio-Signature": twilio_signature(
                    self.accounts[call.account_sid], target.url, {}
                )
            },
        )
        try:
            await session.start()
        except (OSError, TimeoutError, Exception) as exc:  # websockets raises many kinds
            log.warning(
                "simulated call: media stream connect failed",
                extra={"call_sid": call.sid, "error": type(exc).__name__},
            )
            call.error = "stream_connect_failed"
            return None
        call.media = session
        return session

    async def _connected(self, call: SimCall, callee: Callee | SideChannelCallee | None) -> None:
        """Run the answered call until the callee, the bot or the API ends it."""
        if isinstance(callee, SideChannelCallee):
            await self._side_channel_call(call, callee)
            return
        assert callee is None or not isinstance(callee, SideChannelCallee)
        session = await self._open_media(call, "in-progress")
        if session is None:
            return
        await self._converse(call, session, callee)

    async def _side_channel_call(self, call: SimCall, callee: SideChannelCallee) -> None:
        """Text mode: no media stream; the callee converses over the side channel until it
        returns (the customer hangs up) or the API hangs up."""
        if call.twiml:
            target = parse_stream_twiml(call.twiml)
            params = dict(target.parameters) if target is not None else {}
        else:
            params = {}  # a Url call: the parameters would come from fetched TwiML
        ctx = CallContext(
            call_sid=call.sid,
            to=call.to,
            from_=call.from_,
            renderer=self.renderer,
            side_channel=self.side_channel,
            seed=self.seed,
        )
        far_end = asyncio.create_task(callee.converse(ctx, params))
        api_hangup = asyncio.create_task(call.hangup_requested.wait())
        done, pending = await asyncio.wait(
            {far_end, api_hangup}, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if far_end in done and far_end.exception() is not None:
            log.warning(
                "simulated callee raised",
                extra={"call_sid": call.sid, "error": type(far_end.exception()).__name__},
            )

    async def _early_media(self, call: SimCall, callee: Callee) -> None:
        session = await self._open_media(call, "ringing")
        if session is None:
            await self._pause(call, 6.0)  # the announcement plays to nobody
            return
        await self._converse(call, session, callee)

    async def _converse(self, call: SimCall, session: MediaSession, callee: Callee | None) -> None:
        ctx = CallContext(
            call_sid=call.sid,
            to=call.to,
            from_=call.from_,
            renderer=self.renderer,
            side_channel=self.side_channel,
            seed=self.seed,
        )
        if callee is None:
            callee = callees.ScriptedCallee([], hold_s=3600.0)
        far_end = asyncio.create_task(callee.run(session, ctx))
        api_hangup = asyncio.create_task(call.hangup_requested.wait())
        bot_gone = asyncio.create_task(session.closed.wait())
        done, pending = await asyncio.wait(
            {far_end, api_hangup, bot_gone}, return_when=asyncio.FIRST_COMPLETED
        )
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if far_end in done and far_end.exception() is not None:
            log.warning(
                "simulated callee raised",
                extra={"call_sid": call.sid, "error": type(far_end.exception()).__name__},
            )
        if session.closed.is_set():
            await session.wait_closed()
        else:
            await session.close("customer" if far_end in done else "carrier")

    # -- status and callbacks ----------------------------------------------------------
    def _set(self, call: SimCall, status: str) -> None:
        now = self.clock.now()
        call.status = status
        call.updated_at = now
        call.history.append(StatusChange(status, now, self.clock.monotonic()))
        event = EVENT_OF_STATUS.get(status, "completed" if status in FINAL_STATUSES else None)
        if event and event in call.callback_events and call.status_callback:
            self._queue_callback(call, status)

    def _finish(self, call: SimCall, status: str, sip: int | None = None) -> None:
        if call.status in FINAL_STATUSES:
            return
        self.active -= 1
        call.end_time = self.clock.now()
        call.ended_mono = self.clock.monotonic()
        if status == "completed":
            call.sip_response_code = 200
        else:
            call.sip_response_code = sip
        self._set(call, status)
        call.finished.set()

    def _callback_params(self, call: SimCall, status: str) -> dict[str, str]:
        call._callback_seq += 1
        params = {
            "AccountSid": call.account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": call.sid,
            "CallStatus": status,
            "Called": call.to,
            "Caller": call.from_,
            "Direction": "outbound-api",
            "From": call.from_,
            "To": call.to,
            "Timestamp": _rfc2822(self.clock.now()),
            "CallbackSource": "call-progress-events",
            "SequenceNumber": str(call._callback_seq - 1),
        }
        if status in FINAL_STATUSES:
            duration = call.duration_s or 0
            params["CallDuration"] = str(duration)
            params["Duration"] = str(math.ceil(duration / 60))
            if call.sip_response_code is not None:
                params["SipResponseCode"] = str(call.sip_response_code)
        if call.answered_by is not None:
            params["AnsweredBy"] = call.answered_by
        return params

    def _signature_header(
        self, call: SimCall, url: str, params: Mapping[str, str]
    ) -> dict[str, str]:
        token = self.accounts[call.account_sid]
        return {"X-Twilio-Signature": twilio_signature(token, url, params)}

    def _queue_callback(self, call: SimCall, status: str) -> None:
        params = self._callback_params(call, status)
        call.callbacks_sent.append(params)
        previous = [t for t in self._callback_tasks if t.get_name() == f"cb-{call.sid}"]
        task = asyncio.create_task(
            self._deliver(call, params, previous[-1] if previous else None), name=f"cb-{call.sid}"
        )
        self._callback_tasks.add(task)
        task.add_done_callback(self._callback_tasks.discard)

    async def _deliver(
        self, call: SimCall, params: dict[str, str], after: asyncio.Task[None] | None
    ) -> None:
        if after is not None:  # keep each call's callbacks in order
            with contextlib.suppress(Exception):
                await after
        assert call.status_callback is not None
        url = call.status_callback
        try:
            if call.status_callback_method == "GET":
                await self._client().get(
                    url, params=params, headers=self._signature_header(call, url, {})
                )
            else:
                await self._client().post(
                    url, data=params, headers=self._signature_header(call, url, params)
                )
        except httpx.HTTPError as exc:
            log.warning(
                "status callback failed",
                extra={"call_sid": call.sid, "error": type(exc).__name__},
            )

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10.0)
        return self._http
