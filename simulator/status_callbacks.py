"""The simulated carrier's status callbacks: Twilio's form fields, signed, in order per call.

Each callback is sent as its own task, after the call's previous one, so a slow receiver
never reorders a call's events; a failed delivery is logged and dropped, as Twilio does
after its retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Mapping

import httpx

from kernel.clock import Clock
from simulator.calls import API_VERSION, FINAL_STATUSES, SimCall, _rfc2822, twilio_signature

log = logging.getLogger(__name__)


class StatusCallbacks:
    def __init__(
        self,
        accounts: Mapping[str, str],
        clock: Clock,
        client: Callable[[], httpx.AsyncClient],
    ) -> None:
        self._accounts = accounts  # AccountSid -> AuthToken (callbacks are signed with it)
        self._clock = clock
        self._client = client
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Callbacks not yet delivered (or given up)."""
        return len(self._tasks)

    async def flush(self) -> None:
        """Wait (5 s at most each) for the callbacks still being delivered."""
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
                await asyncio.wait_for(task, timeout=5.0)

    def params(self, call: SimCall, status: str) -> dict[str, str]:
        """Twilio's form fields for ``status`` (also sent when fetching TwiML)."""
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
            "Timestamp": _rfc2822(self._clock.now()),
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

    def signature(self, call: SimCall, url: str, params: Mapping[str, str]) -> dict[str, str]:
        token = self._accounts[call.account_sid]
        return {"X-Twilio-Signature": twilio_signature(token, url, params)}

    def send(self, call: SimCall, status: str) -> None:
        """Send ``status`` to the call's callback URL, after the call's earlier ones."""
        params = self.params(call, status)
        call.callbacks_sent.append(params)
        previous = [t for t in self._tasks if t.get_name() == f"cb-{call.sid}"]
        task = asyncio.create_task(
            self._deliver(call, params, previous[-1] if previous else None), name=f"cb-{call.sid}"
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
                await self._client().get(url, params=params, headers=self.signature(call, url, {}))
            else:
                await self._client().post(
                    url, data=params, headers=self.signature(call, url, params)
                )
        except httpx.HTTPError as exc:
            log.warning(
                "status callback failed",
                extra={"call_sid": call.sid, "error": type(exc).__name__},
            )
