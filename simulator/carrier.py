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
import contextlib
import hmac
import logging
import random
import secrets
from collections.abc import Mapping, Sequence

import httpx

from kernel.clock import Clock
from simulator import callees
from simulator.calls import (
    API_VERSION,
    DEFAULT_ACCOUNT_SID,
    DEFAULT_AUTH_TOKEN,
    EVENT_OF_STATUS,
    FINAL_STATUSES,
    CarrierTiming,
    CreateStall,
    SimCall,
    SimCarrierError,
    StatusChange,
    StreamTarget,
    _first,
    parse_create_form,
    parse_stream_twiml,
    twilio_signature,
)
from simulator.lines import (
    UNREACHABLE_SIP,
    Answer,
    AnswerWithoutMedia,
    Busy,
    CallContext,
    Callee,
    Failed,
    LinePlan,
    NoAnswer,
    SideChannelCallee,
    Unreachable,
    Voicemail,
)
from simulator.media import MediaOptions, MediaSession
from simulator.sidechannel import SimSideChannel
from simulator.status_callbacks import StatusCallbacks
from simulator.tts import SpeechRenderer

log = logging.getLogger(__name__)


def new_call_sid() -> str:
    """A call id no earlier run of any simulator has handed out: random, never a seeded
    draw or a counter, so a restarted simulator does not reuse the ids the dialer stored."""
    return f"CA{secrets.token_hex(16)}"


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
        self._dialled: dict[str, int] = {}  # calls placed per number
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self.callbacks = StatusCallbacks(self.accounts, clock, self._client)
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
        req = parse_create_form(form, self.timing.default_timeout_s)
        now = self.clock.now()
        sid = new_call_sid()
        nth = self._dialled.get(req["to"], 0) + 1
        self._dialled[req["to"]] = nth
        call = SimCall(
            sid=sid,
            account_sid=account_sid,
            behaviour=self.line_plan.behaviour_for(req["to"], now),
            created_at=now,
            key=f"{req['to']}#{nth}",
            **req,
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
        await self.callbacks.flush()
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
        params = self.callbacks.params(call, status)
        try:
            resp = await self._client().request(
                call.method,
                call.url,
                data=params if call.method == "POST" else None,
                params=params if call.method == "GET" else None,
                headers=self.callbacks.signature(call, call.url, params),
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
            rng_key=call.key,
            stream_sid=f"MZ{secrets.token_hex(16)}",
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
            call_key=call.key,
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
            call_key=call.key,
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
            self.callbacks.send(call, status)

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

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=10.0)
        return self._http
