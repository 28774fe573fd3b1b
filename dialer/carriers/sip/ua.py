"""SipTrunk and SipCall: outbound calls over one SIP trunk, as asyncio objects.

Signalling runs in the sippy thread (``sippy_side``); media is an ``RtpMedia`` per call, bound
before the INVITE. A call reports ``Ringing``, ``Answered`` and exactly one ``Ended`` whose
``result`` is in the dialer's outcome vocabulary (``outcomes``). Every way a call can end
(rejection, ring timeout, remote or local hangup, RTP timeout, a silent trunk, a bad SDP,
the trunk stopping) frees its RTP ports and its slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from dialer.carriers.sip.config import TrunkConfig, check_caller_id
from dialer.carriers.sip.outcomes import CallEnd, CancelCause, Outcome, TrunkResult, classify
from dialer.carriers.sip.ports import PortPool
from dialer.carriers.sip.rtp import RtpMedia
from dialer.carriers.sip.sdp import SdpAnswer, SdpError, SdpOffer, parse_answer
from dialer.carriers.sip.sippy_side import CallRequest, SippyEndpoint
from dialer.carriers.sip.sippy_thread import SippyThread
from kernel.token_bucket import TokenBucket

log = logging.getLogger("dialer.carriers.sip")

#: How long a CANCEL may wait for the INVITE's final response before we end the call anyway.
CANCEL_WAIT = 34.0
#: How long ``hangup()`` of a ringing call waits for the 487 before returning.
HANGUP_WAIT = 4.0


class SipTrunkError(RuntimeError):
    """The trunk cannot do what was asked; the message says why."""


class CallLimitExceeded(SipTrunkError):
    """Placing the call would exceed ``max_concurrent_calls``."""


class CallState(StrEnum):
    CALLING = "calling"
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"


@dataclass(frozen=True)
class Ringing:
    """A provisional response: 180/183; ``early_media`` when it carried SDP."""

    code: int
    reason: str
    early_media: bool


@dataclass(frozen=True)
class Answered:
    """The 200 OK: the media the far end chose."""

    answer: SdpAnswer


@dataclass(frozen=True)
class Ended:
    """How the call ended: outcome and reason, who hung up, and why."""

    result: TrunkResult
    hangup_by: str | None
    cause: str
    duration: float

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome


CallEvent = Ringing | Answered | Ended


def _check_number(value: str) -> str:
    allowed = set("0123456789+*#-_.!~'()abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if not value or any(c not in allowed for c in value):
        raise ValueError(f"to_number must be a phone number or SIP user part, got {value!r}")
    return value


class SipCall:
    """One outbound call. Created by ``SipTrunk.invite``; read its events or await its end."""

    def __init__(
        self,
        trunk: SipTrunk,
        call_id: str,
        number: str,
        caller_id: str,
        media: RtpMedia,
        offer: SdpOffer,
        ring_timeout: float,
    ) -> None:
        self.trunk = trunk
        self.call_id = call_id
        self.number = number
        self.caller_id = caller_id
        self.media = media
        self.offer = offer
        self.state = CallState.CALLING
        self.started_at = time.time()
        self.answered_at: float | None = None
        self.ended: Ended | None = None
        self.ringing = False
        self.answer: SdpAnswer | None = None
        self.bye_result: tuple[int, str] | None = None
        self.sippy_alive = True
        self._ring_timeout = ring_timeout
        self._events: asyncio.Queue[CallEvent] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        self._ended_fut: asyncio.Future[Ended] = self._loop.create_future()
        self._answered_fut: asyncio.Future[bool] = self._loop.create_future()
        self._cancel_cause: CancelCause | None = None
        self._local_cause = ""
        self._sdp_error = ""
        self._timer_detail = ""
        self._timers: list[asyncio.TimerHandle] = []
        self._closing: asyncio.Task[None] | None = None
        media.on_timeout = self._rtp_timeout

    def __repr__(self) -> str:
        return f"<SipCall {self.call_id} to {self.number} {self.state}>"

    # ----- the application's side ----------------------------------------------------------

    async def events(self) -> AsyncIterator[CallEvent]:
        """Ringing/Answered events as they happen, then the one Ended."""
        while True:
            event = await self._events.get()
            yield event
            if isinstance(event, Ended):
                return

    async def wait_answered(self) -> bool:
        """True once answered; False if the call ended first."""
        return await asyncio.shield(self._answered_fut)

    async def wait_ended(self) -> Ended:
        """The end of the call, after its media is closed and its ports freed."""
        ended = await asyncio.shield(self._ended_fut)
        if self._closing is not None:
            await asyncio.shield(self._closing)
        return ended

    async def hangup(self) -> Ended:
        """BYE when answered, CANCEL while ringing; returns how the call ended."""
        self._hangup_now()
        return await self.wait_ended()

    def _hangup_now(self) -> None:
        if self.ended is not None:
            return
        if self.state is CallState.ANSWERED:
            self._local_cause = self._local_cause or "local_hangup"
            self.trunk._sippy_hangup(self.call_id)
            detail = {
                "rtp_timeout": f"we hung up: no RTP for {self.trunk.config.rtp_timeout:.0f} s",
                "session_timer": f"we hung up: {self._timer_detail}",
            }.get(self._local_cause, "we hung up")
            self._finish(
                CallEnd(answered=True, final_code=200, final_reason="OK", detail=detail),
                "local",
                self._local_cause,
            )
        else:
            self._cancel(CancelCause.LOCAL_HANGUP, wait=HANGUP_WAIT)

    async def send_dtmf(self, digits: str, *, duration_ms: int = 100) -> None:
        """Send RFC 4733 digits in the media stream (needs the far end's SDP)."""
        await self.media.send_dtmf(digits, duration_ms=duration_ms)

    # ----- internals -----------------------------------------------------------------------

    def _start_ring_timer(self) -> None:
        self._timers.append(self._loop.call_later(self._ring_timeout, self._ring_timeout_hit))

    def _ring_timeout_hit(self) -> None:
        if self.state in (CallState.CALLING, CallState.RINGING):
            log.info("%s: no answer in %.0f s, sending CANCEL", self.call_id, self._ring_timeout)
            self._cancel(CancelCause.RING_TIMEOUT, wait=CANCEL_WAIT)

    def _cancel(self, cause: CancelCause, *, wait: float) -> None:
        if self.ended is not None:
            return
        if self._cancel_cause is None:
            self._cancel_cause = cause
            self.trunk._sippy_hangup(self.call_id)
        self._timers.append(self._loop.call_later(wait, self._cancel_unanswered, wait))

    def _cancel_unanswered(self, waited: float) -> None:
        if self.ended is None:
            self._finish(
                CallEnd(
                    answered=False,
                    ringing=self.ringing,
                    cancelled=self._cancel_cause,
                    detail=f"no final response to our CANCEL within {waited:.0f} s",
                ),
                "local",
                str(self._cancel_cause or "cancel"),
            )

    def _rtp_timeout(self) -> None:
        if self.state is CallState.ANSWERED and self.ended is None:
            self._local_cause = "rtp_timeout"
            log.info(
                "%s: no RTP for %.0f s, hanging up", self.call_id, self.trunk.config.rtp_timeout
            )
            self._hangup_now()

    def _emit(self, event: CallEvent) -> None:
        self._events.put_nowait(event)

    def _use_sdp(self, sdp: str, where: str) -> SdpAnswer | None:
        try:
            answer = parse_answer(sdp, self.offer)
        except SdpError as exc:
            self._local_cause = "sdp_error"
            self._sdp_error = f"unusable SDP in {where}: {exc}"
            log.warning("%s: %s", self.call_id, self._sdp_error)
            return None
        self.answer = answer
        self.media.start(answer)
        return answer

    def _finish(self, end: CallEnd, hangup_by: str | None, cause: str) -> None:
        self._end(classify(end), hangup_by, cause)

    def _end(self, result: TrunkResult, hangup_by: str | None, cause: str) -> None:
        """The one place a call ends: record it, close the media, free the slot."""
        if self.ended is not None:
            return
        duration = time.time() - self.answered_at if self.answered_at is not None else 0.0
        self.ended = Ended(result=result, hangup_by=hangup_by, cause=cause, duration=duration)
        self.state = CallState.ENDED
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        log.info(
            "%s: ended %s (%s) by %s, cause %s",
            self.call_id,
            result.outcome,
            result.reason,
            hangup_by,
            cause,
        )
        self._closing = asyncio.ensure_future(self._close())
        if not self._answered_fut.done():
            self._answered_fut.set_result(False)
        self._ended_fut.set_result(self.ended)
        self._emit(self.ended)

    async def _close(self) -> None:
        await self.media.close()
        self.trunk._forget(self)

    # ----- what the sippy thread reports (through call_soon_threadsafe) --------------------

    def sip_provisional(self, code: int, reason: str, sdp: str | None) -> None:
        if self.ended is not None or self.state is CallState.ANSWERED:
            return
        self.ringing = True
        self.state = CallState.RINGING
        early = False
        if sdp:
            if self._use_sdp(sdp, f"{code} {reason}") is None:
                self._cancel(CancelCause.LOCAL_HANGUP, wait=HANGUP_WAIT)
                return
            early = True
        self._emit(Ringing(code, reason, early))

    def sip_answered(self, sdp: str | None) -> None:
        if self.ended is not None:
            return
        if self._cancel_cause is not None:
            # answered as our CANCEL crossed it: sippy sends BYE; nobody was talked to
            self._finish(
                CallEnd(
                    answered=False,
                    final_code=200,
                    final_reason="OK",
                    ringing=self.ringing,
                    cancelled=self._cancel_cause,
                ),
                "local",
                str(self._cancel_cause),
            )
            return
        answer = self._use_sdp(sdp, "200 OK") if sdp else self.answer
        if answer is None:
            detail = self._sdp_error or "200 OK without SDP and no earlier SDP"
            self.trunk._sippy_hangup(self.call_id)
            self._end(TrunkResult(Outcome.FAILED, 488, detail, False), "local", "sdp_error")
            return
        self.state = CallState.ANSWERED
        self.answered_at = time.time()
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self.media.set_answered()
        if not self._answered_fut.done():
            self._answered_fut.set_result(True)
        self._emit(Answered(answer))

    def sip_failed(self, code: int, reason: str, local_timeout: bool, detail: str) -> None:
        end = CallEnd(
            answered=False,
            final_code=code,
            final_reason=reason,
            ringing=self.ringing,
            local_timeout=local_timeout,
            detail=detail,
        )
        result = classify(end)
        if detail:
            result = TrunkResult(
                result.outcome, result.code, f"{result.reason}: {detail}", result.retryable
            )
        self._end(
            result, None if local_timeout else "remote", "timeout" if local_timeout else "rejected"
        )

    def sip_final_after_cancel(self, code: int, reason: str, local_timeout: bool) -> None:
        if self.ended is not None:
            return
        end = CallEnd(
            answered=False,
            final_code=code,
            final_reason=reason,
            ringing=self.ringing,
            cancelled=self._cancel_cause or CancelCause.LOCAL_HANGUP,
            local_timeout=local_timeout,
        )
        if self._local_cause == "sdp_error":
            self._end(
                TrunkResult(Outcome.FAILED, 488, self._sdp_error, False), "local", "sdp_error"
            )
            return
        self._finish(end, "local", str(self._cancel_cause or "cancel"))

    def sip_remote_bye(self, reason: str) -> None:
        if self.ended is not None:
            return
        detail = f"the far end hung up{f' ({reason})' if reason else ''}"
        self._finish(
            CallEnd(answered=True, final_code=200, final_reason="OK", detail=detail),
            "remote",
            "remote_bye",
        )

    def sip_remote_sdp(self, sdp: str) -> None:
        if self.ended is None:
            self._use_sdp(sdp, "re-INVITE")

    def sip_refresh_failed(self, detail: str) -> None:
        if self.ended is None and self.state is CallState.ANSWERED:
            log.warning("%s: %s; hanging up", self.call_id, detail)
            self._local_cause = "session_timer"
            self._timer_detail = detail
            self._hangup_now()

    def sip_bye_done(self, code: int, reason: str) -> None:
        self.bye_result = (code, reason)
        if code >= 300:
            log.info("%s: our BYE ended with %s %s", self.call_id, code, reason)

    def sip_dead(self) -> None:
        self.sippy_alive = False

    def sip_local_error(self, detail: str) -> None:
        self.sippy_alive = False
        self._end(TrunkResult(Outcome.FAILED, None, detail, True), None, "local_error")


class SipTrunk:
    """One SIP trunk: ``await start()``, place calls with ``invite``, ``await stop()``."""

    def __init__(self, config: TrunkConfig) -> None:
        self.config = config
        self._pool = PortPool(config.local_host, config.rtp_port_min, config.rtp_port_max)
        self._bucket = TokenBucket(config.max_calls_per_second, burst=1.0)
        self._calls: dict[str, SipCall] = {}
        self._pending = 0
        self._thread: SippyThread | None = None
        self._ep: SippyEndpoint | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        self._registration: asyncio.Future[tuple[bool, str]] | None = None
        self.registered = False
        self.registration_status = ""
        self.sip_port: int = config.local_port

    # ----- lifecycle -----------------------------------------------------------------------

    async def start(self, *, registration_timeout: float = 10.0) -> None:
        """Bind the SIP socket; with ``register=True``, wait for the first REGISTER to succeed."""
        if self._started:
            return
        self._loop = asyncio.get_running_loop()
        self._thread = SippyThread.get()
        self._registration = self._loop.create_future()
        self._ep = SippyEndpoint(self.config, self._post, self._on_registration)
        try:
            self.sip_port = await self._thread.run(self._ep.start)
        except OSError as exc:
            self._ep = None
            raise SipTrunkError(str(exc)) from None
        self._started = True
        log.info(
            "SIP trunk to %s:%s on %s:%s",
            self.config.host,
            self.config.port,
            self.config.local_host,
            self.sip_port,
        )
        if self.config.register:
            try:
                ok, text = await asyncio.wait_for(
                    asyncio.shield(self._registration), registration_timeout
                )
            except TimeoutError:
                ok, text = False, f"no REGISTER answer within {registration_timeout:.0f} s"
            if not ok:
                await self.stop()
                raise SipTrunkError(f"registration with {self.config.host} failed: {text}")

    async def stop(self, *, grace: float = 2.0) -> None:
        """Hang up every call, unregister, close the SIP socket and its threads."""
        if not self._started:
            return
        calls = list(self._calls.values())
        if calls:
            await asyncio.wait([asyncio.ensure_future(c.hangup()) for c in calls], timeout=grace)
        for call in list(self._calls.values()):
            call._end(
                TrunkResult(Outcome.FAILED, None, "the trunk stopped", True),
                "local",
                "trunk_stopped",
            )
        await asyncio.gather(*(c.wait_ended() for c in calls), return_exceptions=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while loop.time() < deadline and any(
            c.answered_at is not None and c.bye_result is None and c.sippy_alive for c in calls
        ):
            await asyncio.sleep(0.02)  # let the BYEs be answered before the socket closes
        assert self._thread is not None and self._ep is not None
        if self.config.register and self.registered:
            self._registration = self._loop.create_future() if self._loop else None
            await self._thread.run(self._ep.unregister)
            if self._registration is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._registration, 2.0)
        await self._thread.run(self._ep.stop)
        self._started = False
        self.registered = False
        self._ep = None

    async def __aenter__(self) -> SipTrunk:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # ----- calls ---------------------------------------------------------------------------

    def calls(self) -> list[SipCall]:
        """The calls not yet ended (for reconciliation after a crash of the caller)."""
        return [c for c in self._calls.values() if c.ended is None]

    @property
    def rtp_ports_in_use(self) -> frozenset[int]:
        return self._pool.in_use

    async def invite(
        self,
        to_number: str,
        caller_id: str | None = None,
        *,
        ring_timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
        jitter_depth: int = 1,
    ) -> SipCall:
        """Place a call; returns at once with the call ringing out (see ``SipCall.events``).

        Raises ``CallLimitExceeded`` when ``max_concurrent_calls`` are up, and waits for the
        calls-per-second bucket (at most ``max_concurrent_calls / max_calls_per_second``).
        """
        if not self._started or self._ep is None or self._thread is None:
            raise SipTrunkError("the trunk is not started (await trunk.start() first)")
        _check_number(to_number)
        cid = check_caller_id(
            "caller_id", caller_id or self.config.caller_id or self.config.username or "anonymous"
        )
        extra: list[tuple[str, str]] = []
        for name, value in (headers or {}).items():
            if not name or ":" in name or any(c in name + value for c in "\r\n"):
                raise ValueError(f"bad SIP header {name!r}: {value!r}")
            extra.append((name, value))
        live = len(self._calls) + self._pending
        if live >= self.config.max_concurrent_calls:
            raise CallLimitExceeded(
                f"max_concurrent_calls={self.config.max_concurrent_calls} reached ({live} calls up or starting)"
            )
        self._pending += 1
        try:
            loop = asyncio.get_running_loop()
            delay = self._bucket.reserve(loop.time())
            if delay > 0:
                await asyncio.sleep(delay)
            port, rtp_sock, rtcp_sock = self._pool.bind()
            call_id = f"{uuid.uuid4().hex}@{self.config.local_host}"
            media = await RtpMedia(
                rtp_sock,
                rtcp_sock,
                codecs=self.config.codecs,
                rtp_timeout=self.config.rtp_timeout,
                jitter_depth=jitter_depth,
                on_closed=self._pool.release,
                name=call_id[:8],
            ).open()
            offer = SdpOffer(
                address=self.config.sdp_address,
                port=port,
                codecs=self.config.codecs,
                dtmf_pt=self.config.dtmf_payload_type,
                ptime=self.config.ptime,
                session_id=random.getrandbits(31),
            )
            call = SipCall(
                self,
                call_id,
                to_number,
                cid,
                media,
                offer,
                ring_timeout or self.config.ring_timeout,
            )
            self._calls[call_id] = call
        finally:
            self._pending -= 1
        request = CallRequest(
            call_id=call_id, number=to_number, caller_id=cid, offer=offer, headers=tuple(extra)
        )
        self._thread.call(self._ep.new_leg, request, call)
        call._start_ring_timer()
        return call

    # ----- internals -----------------------------------------------------------------------

    def _post(self, fn: object, *args: object) -> None:
        """From the sippy thread: run ``fn(*args)`` on our event loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(fn, *args)  # type: ignore[arg-type]

    def _on_registration(self, ok: bool, text: str) -> None:
        self.registered = ok
        self.registration_status = text
        (log.info if ok else log.warning)("REGISTER %s: %s", self.config.host, text)
        if self._registration is not None and not self._registration.done():
            self._registration.set_result((ok, text))

    def _sippy_hangup(self, call_id: str) -> None:
        if self._thread is not None and self._ep is not None:
            self._thread.call(self._ep.hangup, call_id)

    def _forget(self, call: SipCall) -> None:
        self._calls.pop(call.call_id, None)
