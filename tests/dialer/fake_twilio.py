"""A small Twilio-compatible carrier on 127.0.0.1 for the chaos test.

Implements the endpoints the dialer uses (create, fetch, list, hang up a call) and drives
each call through ringing to an outcome chosen by ``outcome_for(to)``, posting status
callbacks like Twilio does. It records every call placed and the peak number of calls
active at once, which is what the test checks against the caps.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TERMINAL = {"completed", "busy", "no-answer", "failed", "canceled"}


@dataclass
class Call:
    sid: str
    to: str
    from_: str
    callback: str
    created: datetime
    status: str = "queued"
    answered_by: str | None = None
    duration: int | None = None
    events: list[str] = field(default_factory=list)
    ended_mono: float | None = None
    created_mono: float = field(default_factory=time.monotonic)

    def json(self) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "to": self.to,
            "from": self.from_,
            "status": self.status,
            "answered_by": self.answered_by,
            "duration": self.duration,
            "start_time": format_datetime(self.created),
        }


class FakeTwilio:
    """Call state plus the FastAPI routes; ``serve()`` runs it on a free local port."""

    def __init__(
        self,
        outcome_for: Callable[[str], tuple[str, str | None]],
        *,
        ring_s: float = 0.1,
        talk_s: float = 0.4,
        latency_s: float = 0.03,
    ) -> None:
        self.outcome_for = outcome_for
        self.ring_s, self.talk_s, self.latency_s = ring_s, talk_s, latency_s
        self.calls: dict[str, Call] = {}
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self._ids = itertools.count(1)
        self.app = FastAPI()
        self._routes()
        self._http = httpx.Client(timeout=5)
        # The n-th create answers only after ``trapped`` is set and 2 s pass: a window in
        # which the carrier has placed the call but the dialer has not heard back.
        self.trap_at: int | None = None
        self.trapped = threading.Event()
        self.trapped_sid: str | None = None
        self.server: uvicorn.Server | None = None
        self.url = ""

    def extra_routes(self, router: Any) -> None:
        self.app.include_router(router)

    def _routes(self) -> None:
        app = self.app
        prefix = "/2010-04-01/Accounts/{account}"

        @app.post(prefix + "/Calls.json")
        async def create(account: str, request: Request) -> JSONResponse:
            form = await request.form()
            await asyncio.sleep(self.latency_s)  # a slow carrier widens the crash window
            with self.lock:
                call = Call(
                    f"CA{next(self._ids):032d}",
                    str(form["To"]),
                    str(form["From"]),
                    str(form["StatusCallback"]),
                    datetime.now(UTC),
                )
                self.calls[call.sid] = call
                self.active += 1
                self.max_active = max(self.max_active, self.active)
            threading.Thread(target=self._progress, args=(call,), daemon=True).start()
            if self.trap_at is not None and len(self.calls) == self.trap_at:
                self.trapped_sid = call.sid
                self.trapped.set()
                await asyncio.sleep(2.0)
            return JSONResponse(call.json(), status_code=201)

        @app.get(prefix + "/Calls/{sid}.json")
        def fetch(account: str, sid: str) -> JSONResponse:
            call = self.calls.get(sid)
            if call is None:
                return JSONResponse({"code": 20404}, status_code=404)
            return JSONResponse(call.json())

        @app.get(prefix + "/Calls.json")
        def list_calls(account: str, request: Request) -> JSONResponse:
            to = request.query_params.get("To")
            return JSONResponse(
                {"calls": [c.json() for c in list(self.calls.values()) if to is None or c.to == to]}
            )

        @app.post(prefix + "/Calls/{sid}.json")
        def hangup(account: str, sid: str) -> JSONResponse:
            call = self.calls.get(sid)
            if call is None:
                return JSONResponse({"code": 20404}, status_code=404)
            self._set(call, "completed")
            return JSONResponse(call.json())

    def _set(self, call: Call, status: str, **extra: Any) -> None:
        with self.lock:
            if call.status in TERMINAL:
                return
            call.status = status
            call.events.append(status)
            if status in TERMINAL:
                self.active -= 1
                call.ended_mono = time.monotonic()
            for k, v in extra.items():
                setattr(call, k, v)
        form = {"CallSid": call.sid, "CallStatus": status}
        if call.answered_by:
            form["AnsweredBy"] = call.answered_by
        if call.duration is not None:
            form["CallDuration"] = str(call.duration)
        with contextlib.suppress(httpx.HTTPError):  # Twilio does not retry either
            self._http.post(call.callback, data=form)

    def _progress(self, call: Call) -> None:
        time.sleep(self.ring_s)
        self._set(call, "ringing")
        time.sleep(self.ring_s)
        final, answered_by = self.outcome_for(call.to)
        if final == "completed":
            self._set(call, "in-progress", answered_by=answered_by)
            time.sleep(self.talk_s)
            self._set(call, "completed", duration=1)
        else:
            self._set(call, final)

    def serve(self) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning"))
        threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True).start()
        deadline = time.time() + 10
        while not self.server.started and time.time() < deadline:
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self._http.close()
