"""``SipCarrier``: the dialer's ``Carrier`` over one SIP trunk.

The dial loop is synchronous (a thread); the trunk lives on an asyncio loop (the app's in
``tailcall serve``). ``originate`` hands the INVITE to that loop and returns the call's sid
at once, as a REST carrier returns its call id; the call's progress comes back as
``CarrierEvent``s, given to the ``StatusSink`` one at a time in order (the dialer's
recorder writes them as a status callback would be written). When a call is answered the
``AnsweredHandler`` runs its media (the speech pipeline), with the stream-start parameters
the dialer gave (``kernel.calls.StreamStart``); when it returns, the call is hung up. With
an ``early_listener``, a ringing call's early media (183) is fed to an announcement
classifier; a verdict naming an outcome (关机, 空号, ...) cancels the call with that outcome.

A SIP dialog cannot outlive the process that holds it: ``status`` of a sid this carrier
does not know (placed before a restart) is a failed or completed call, never a live one,
so the reaper settles it. ``find_calls`` for a call whose sid was never stored cannot tell
whether the INVITE left before the crash, and says so (the reaper then sends it to review
instead of redialing on a guess).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from dialer.carriers.base import CallNotFound, CarrierCall, CarrierError, CarrierEvent, StatusSink
from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.outcomes import Outcome
from dialer.carriers.sip.rtp import SAMPLE_RATE
from dialer.carriers.sip.ua import (
    Answered,
    CallLimitExceeded,
    Ended,
    Ringing,
    SipCall,
    SipTrunk,
    SipTrunkError,
)
from kernel.calls import StreamStart
from kernel.errors import InvalidInput

log = logging.getLogger(__name__)

AnsweredHandler = Callable[[str, SipCall, Mapping[str, str]], Awaitable[None]]


class EarlyVerdict(Protocol):
    """What an announcement classifier heard (``dialogue.speech.answering.Verdict``)."""

    @property
    def kind(self) -> str: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def label(self) -> str: ...


class EarlyListener(Protocol):
    """Hears a ringing call's early media (``dialogue.speech.answering.AnswerListener``)."""

    def feed(self, pcm16: bytes, sample_rate: int) -> EarlyVerdict | None: ...


#: An early-media verdict's outcome as a carrier status and SIP code (what ``classify`` reads).
_EARLY_STATUS: dict[str, tuple[str, int | None]] = {
    "powered_off": ("failed", 480),
    "invalid": ("failed", 404),
    "restricted": ("failed", 403),
    "busy": ("busy", 486),
    "no_answer": ("no-answer", None),
}

#: The carrier status (Twilio's words, which ``dialer.carriers.base.classify`` reads) of a
#: SIP outcome; the others are "failed" with the SIP code.
_STATUS = {
    Outcome.ANSWERED: "completed",
    Outcome.BUSY: "busy",
    Outcome.NO_ANSWER: "no-answer",
}


def carrier_status(outcome: Outcome) -> str:
    """The carrier status of a SIP outcome (with the SIP code, ``classify`` does the rest)."""
    return _STATUS.get(outcome, "failed")


#: How long an ended call is remembered for ``status`` (the reaper's questions).
KEEP_ENDED_S = 3600.0


@dataclass
class _Leg:
    sid: str
    call: SipCall
    params: dict[str, str]
    attempt_id: int | None
    info: CarrierCall
    ended_mono: float | None = None
    early: EarlyVerdict | None = None
    tasks: set[asyncio.Task[object]] = field(default_factory=set)


def _attempt_of(params: Mapping[str, str]) -> int | None:
    try:
        return StreamStart.from_parameters(params).attempt_id
    except InvalidInput:
        return None


class SipCarrier:
    """A ``Carrier`` placing calls over a ``SipTrunk``; ``await start()`` on its loop first."""

    def __init__(
        self,
        config: TrunkConfig,
        *,
        on_status: StatusSink | None = None,
        on_answered: AnsweredHandler | None = None,
        originate_timeout_s: float = 10.0,
        allowed_caller_ids: frozenset[str] = frozenset(),
        early_listener: Callable[[], EarlyListener] | None = None,
    ) -> None:
        self.config = config
        self.trunk = SipTrunk(config)
        self.on_status = on_status
        self.on_answered = on_answered
        self.originate_timeout_s = originate_timeout_s
        self.allowed_caller_ids = allowed_caller_ids
        self.early_listener = early_listener
        self.started_at: datetime | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._legs: dict[str, _Leg] = {}
        # one thread: a call's events are written in the order they happened
        self._sink = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="sip-status")

    # ----- lifecycle (on the trunk's loop) ---------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.trunk.start()
        self.started_at = datetime.now(UTC)

    async def stop(self) -> None:
        """Hang up every call (their ends are reported), stop the trunk."""
        await self.trunk.stop()
        tasks = [t for leg in self._legs.values() for t in leg.tasks]
        if tasks:
            await asyncio.wait(tasks, timeout=5.0)
        for t in tasks:
            t.cancel()
        with contextlib.suppress(RuntimeError):  # what was reported is written before we return
            await asyncio.wrap_future(self._sink.submit(lambda: None))
        self._sink.shutdown(wait=False)

    # ----- Carrier (from the dial loop's thread) -------------------------------------------

    def originate(
        self,
        to: str,
        from_: str,
        stream_url: str,
        status_callback_url: str,
        custom_parameters: Mapping[str, str],
    ) -> str:
        """Send the INVITE (on the trunk's loop); the sid once it is on its way."""
        return self._run(self.place(to, from_, custom_parameters), self.originate_timeout_s)

    def hangup(self, sid: str) -> None:
        leg = self._legs.get(sid)
        if leg is None:
            raise CallNotFound()
        if leg.call.ended is None:
            self._run(leg.call.hangup(), 10.0)

    def status(self, sid: str) -> CarrierCall:
        leg = self._legs.get(sid)
        if leg is not None:
            return leg.info
        if not sid.startswith("SIP"):
            raise CallNotFound()
        # Placed by an earlier run of this process: its dialog died with that process.
        return CarrierCall(sid, "failed", started_at=None)

    def find_calls(self, to: str, since: datetime) -> list[CarrierCall]:
        found = [
            leg.info
            for leg in list(self._legs.values())
            if leg.info.to == to and (leg.info.started_at or since) >= since
        ]
        if not found and (self.started_at is None or since < self.started_at):
            raise CarrierError(
                "no record of calls placed before this process started", ambiguous=True
            )
        return found

    # ----- the asyncio side ----------------------------------------------------------------

    async def place(self, to: str, from_: str, params: Mapping[str, str]) -> str:
        """Place a call on this loop; returns its sid."""
        self._forget_old()
        caller_id = from_ or self.config.caller_id or ""
        if self.allowed_caller_ids and caller_id not in self.allowed_caller_ids:
            raise CarrierError(
                f"caller id {caller_id!r} is not one the trunk allows (TAILCALL_SIP_CALLER_IDS)",
                ambiguous=False,
                status_code=403,
            )
        try:
            call = await self.trunk.invite(to, from_ or None)
        except CallLimitExceeded as exc:
            raise CarrierError(str(exc), ambiguous=False) from exc
        except (SipTrunkError, ValueError) as exc:
            raise CarrierError(str(exc), ambiguous=False, status_code=400) from exc
        sid = "SIP" + uuid.uuid4().hex
        leg = _Leg(
            sid,
            call,
            dict(params),
            _attempt_of(params),
            CarrierCall(sid, "initiated", to=to, started_at=datetime.now(UTC)),
        )
        self._legs[sid] = leg
        if self.early_listener is not None:
            self._listen_early(leg, self.early_listener())
        self._task(leg, self._follow(leg))
        return sid

    def call(self, sid: str) -> SipCall | None:
        leg = self._legs.get(sid)
        return leg.call if leg is not None else None

    def live_sids(self) -> list[str]:
        return [sid for sid, leg in self._legs.items() if leg.call.ended is None]

    async def _follow(self, leg: _Leg) -> None:
        async for event in leg.call.events():
            if isinstance(event, Ringing):
                self._update(leg, "ringing", sip_code=event.code)
            elif isinstance(event, Answered):
                self._update(leg, "in-progress", answered_by="human")
                self._task(leg, self._media(leg))
            elif isinstance(event, Ended):
                self._ended(leg, event)

    async def _media(self, leg: _Leg) -> None:
        if self.on_answered is None:
            return  # held until hung up by the dialer or the far end
        try:
            await self.on_answered(leg.sid, leg.call, leg.params)
        except Exception:
            log.exception("%s: the call's media failed", leg.sid)
        if leg.call.ended is None:
            await leg.call.hangup()

    def _listen_early(self, leg: _Leg, listener: EarlyListener) -> None:
        """Early media goes to the classifier; an announcement's verdict ends the call."""

        def feed(pcm: bytes) -> None:
            if leg.early is not None:
                return
            verdict = listener.feed(pcm, SAMPLE_RATE)
            if verdict is None or verdict.kind == "human" or verdict.outcome is None:
                return
            leg.early = verdict
            log.info("%s: early media says %s (%s)", leg.sid, verdict.outcome, verdict.label)
            self._task(leg, leg.call.hangup())

        leg.call.media.on_early_audio = feed

    def _ended(self, leg: _Leg, ended: Ended) -> None:
        result = ended.result
        early = leg.early
        if early is not None and early.outcome and result.outcome is not Outcome.ANSWERED:
            status, code = _EARLY_STATUS.get(early.outcome, ("failed", None))
            leg.ended_mono = time.monotonic()
            label = f" ({early.label})" if early.label else ""
            self._update(
                leg,
                status,
                sip_code=code,
                duration_s=0.0,
                reason=f"SIP: the early media was an announcement: {early.outcome}{label}",
            )
            return
        status = carrier_status(result.outcome)
        who = {"remote": "the far end", "local": "we"}.get(ended.hangup_by or "", "")
        reason = result.reason
        if result.outcome is Outcome.ANSWERED and who and who not in reason:
            reason = f"{reason}; {who} hung up"
        leg.ended_mono = time.monotonic()
        self._update(
            leg,
            status,
            sip_code=result.code,
            duration_s=round(ended.duration, 3),
            reason=f"SIP: {reason}"[:200],
        )

    def _update(
        self,
        leg: _Leg,
        status: str,
        *,
        sip_code: int | None = None,
        answered_by: str | None = None,
        duration_s: float | None = None,
        reason: str = "",
    ) -> None:
        leg.info = replace(
            leg.info,
            status=status,
            sip_code=sip_code if sip_code is not None else leg.info.sip_code,
            answered_by=answered_by or leg.info.answered_by,
            duration_s=duration_s,
        )
        if self.on_status is None:
            return
        event = CarrierEvent(
            sid=leg.sid,
            status=status,
            attempt_id=leg.attempt_id,
            answered_by=answered_by,
            duration_s=duration_s,
            sip_code=sip_code,
            reason=reason,
        )
        with contextlib.suppress(RuntimeError):  # shut down: the reaper settles it
            self._sink.submit(self._deliver, event)

    def _deliver(self, event: CarrierEvent) -> None:
        assert self.on_status is not None
        try:
            self.on_status(event)
        except Exception:
            log.exception("%s: recording the call's %s failed", event.sid, event.status)

    def _task(self, leg: _Leg, coro: Awaitable[object]) -> None:
        task = asyncio.ensure_future(coro)
        leg.tasks.add(task)
        task.add_done_callback(leg.tasks.discard)

    def _forget_old(self) -> None:
        cutoff = time.monotonic() - KEEP_ENDED_S
        for sid in [s for s, leg in self._legs.items() if (leg.ended_mono or cutoff + 1) < cutoff]:
            del self._legs[sid]

    def _run(self, coro: Awaitable[str] | Awaitable[object], timeout: float) -> str:
        loop = self._loop
        if loop is None or loop.is_closed():
            raise CarrierError("the SIP trunk is not running", ambiguous=False)
        if loop.is_running() and _on_loop_thread(loop):
            raise RuntimeError("SipCarrier's blocking calls are for other threads; use place()")
        fut = asyncio.run_coroutine_threadsafe(_as_coro(coro), loop)
        try:
            return str(fut.result(timeout))
        except concurrent.futures.TimeoutError as exc:
            fut.cancel()
            raise CarrierError(
                "the SIP trunk did not take the call in time", ambiguous=True
            ) from exc


def _on_loop_thread(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


async def _as_coro(aw: Awaitable[object]) -> object:
    return await aw
