"""A tiny bot-side media endpoint for tests: real websockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

from simulator import audio


class BotSession:
    """One accepted media websocket, seen from the bot."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.messages: list[tuple[float, dict[str, Any]]] = []
        self.closed = asyncio.Event()
        self.headers = dict(ws.headers)
        self.start: dict[str, Any] | None = None

    def events(self) -> list[str]:
        return [m["event"] for _, m in self.messages]

    def of(self, event: str) -> list[dict[str, Any]]:
        return [m for _, m in self.messages if m["event"] == event]

    def customer_audio(self) -> bytes:
        return b"".join(base64.b64decode(m["media"]["payload"]) for m in self.of("media"))

    @property
    def stream_sid(self) -> str:
        assert self.start is not None
        return str(self.start["streamSid"])

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_text(json.dumps(message, ensure_ascii=False))

    async def send_audio(self, mulaw: bytes, chunk: int = 640) -> None:
        for i in range(0, len(mulaw), chunk):
            payload = base64.b64encode(mulaw[i : i + chunk]).decode()
            await self.send(
                {"event": "media", "streamSid": self.stream_sid, "media": {"payload": payload}}
            )

    async def clear(self) -> None:
        await self.send({"event": "clear", "streamSid": self.stream_sid})

    async def mark(self, name: str) -> None:
        await self.send({"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}})

    async def wait_for(self, pred: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > deadline:
                raise TimeoutError("bot waited too long")
            await asyncio.sleep(0.01)

    async def wait_start(self) -> None:
        await self.wait_for(lambda: self.start is not None)

    def customer_speaking(self) -> bool:
        """Whether the customer's last frame carried speech (energy)."""
        media = self.of("media")
        return bool(media) and audio.is_speech_frame(
            base64.b64decode(media[-1]["media"]["payload"])
        )


Handler = Callable[[BotSession], Coroutine[Any, Any, None]]


class FakeBot:
    """Serves ``/media``; each connection runs ``handler`` while its messages are recorded."""

    def __init__(self, handler: Handler | None = None) -> None:
        self.sessions: list[BotSession] = []
        self.handler = handler
        self.app = FastAPI()

        @self.app.websocket("/media")
        async def media(ws: WebSocket) -> None:
            await ws.accept()
            session = BotSession(ws)
            self.sessions.append(session)
            task: asyncio.Task[None] | None = (
                asyncio.create_task(self.handler(session)) if self.handler else None
            )
            try:
                while True:
                    msg = json.loads(await ws.receive_text())
                    session.messages.append((time.monotonic(), msg))
                    if msg["event"] == "start":
                        session.start = msg["start"]
            except (WebSocketDisconnect, RuntimeError):
                pass
            finally:
                session.closed.set()
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
