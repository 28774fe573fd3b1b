"""PostgreSQL LISTEN/NOTIFY between processes: small JSON messages on named channels.

``Notifier`` sends on its own autocommit connection (a NOTIFY is delivered when its
transaction commits: at once here). ``Listener`` holds one connection that LISTENs on its
channels and hands each message to a callback on the event loop; it reconnects after a
dropped connection (messages sent meanwhile are lost: NOTIFY is not a queue, so callers
keep what must survive in tables and use messages to wake and steer). Payloads are JSON
objects, at most 7,900 bytes (PostgreSQL's limit is 8,000).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

import psycopg
from sqlalchemy.engine import make_url

from kernel.errors import InvalidInput

MAX_PAYLOAD = 7900
Handler = Callable[[str, dict[str, Any]], Awaitable[None] | None]


def is_postgres_url(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def conninfo(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://...``) as libpq's connection string."""
    u = make_url(url)
    if u.get_backend_name() != "postgresql":
        raise InvalidInput("LISTEN/NOTIFY needs PostgreSQL", where="TAILCALL_DATABASE_URL")
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def encode(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_PAYLOAD:
        raise InvalidInput("notification payload too large", where=str(payload.get("op", "")))
    return text


class Sender(Protocol):
    """What sends notifications (``Notifier``; tests carry them in memory)."""

    async def send(self, channel: str, payload: dict[str, Any]) -> None: ...

    async def close(self) -> None: ...


class Notifier:
    """Sends notifications from one process (its own connection, opened on first use)."""

    def __init__(self, url: str) -> None:
        self._conninfo = conninfo(url)
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    async def send(self, channel: str, payload: dict[str, Any]) -> None:
        text = encode(payload)
        async with self._lock:
            for attempt in (1, 2):
                try:
                    if self._conn is None or self._conn.closed:
                        self._conn = await psycopg.AsyncConnection.connect(
                            self._conninfo, autocommit=True
                        )
                    await self._conn.execute("SELECT pg_notify(%s, %s)", (channel, text))
                    return
                except psycopg.OperationalError:
                    self._conn = None
                    if attempt == 2:
                        raise

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


class Listener:
    """LISTENs on ``channels`` and calls ``handler(channel, payload)`` for each message.

    With ``lock_key`` only one listener per database is active: it LISTENs once it holds
    that session-level advisory lock; the others stand by and take over when the holder's
    connection ends (its process died)."""

    def __init__(
        self,
        url: str,
        channels: Iterable[str],
        handler: Handler,
        *,
        lock_key: int | None = None,
        standby_poll_s: float = 1.0,
    ) -> None:
        self._conninfo = conninfo(url)
        self.channels = tuple(channels)
        self._handler = handler
        self.lock_key = lock_key
        self.standby_poll_s = standby_poll_s
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # set once LISTEN is in effect

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self._task

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                ) as conn:
                    await self._take_lock(conn)
                    for ch in self.channels:
                        await conn.execute(f'LISTEN "{ch}"')
                    self.ready.set()
                    backoff = 0.2
                    async for n in conn.notifies():
                        await self._dispatch(n.channel, n.payload)
            except psycopg.OperationalError:
                self.ready.clear()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _take_lock(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if self.lock_key is None:
            return
        while True:
            cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self.lock_key,))
            row = await cur.fetchone()
            if row is not None and row[0]:
                return
            await asyncio.sleep(self.standby_poll_s)

    async def _dispatch(self, channel: str, raw: str) -> None:
        try:
            payload = json.loads(raw)
        except ValueError:
            return
        if not isinstance(payload, dict):
            return
        result = self._handler(channel, payload)
        if result is not None:
            await result

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
