"""PostgreSQL notifications between connections; one active listener per lock."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from kernel.errors import InvalidInput
from kernel.notify import Listener, Notifier, conninfo, encode, is_postgres_url


def test_urls_and_payloads() -> None:
    assert is_postgres_url("postgresql+psycopg://u@h/db") and not is_postgres_url("sqlite:///x")
    assert conninfo("postgresql+psycopg://u:p@h:5432/db") == "postgresql://u:p@h:5432/db"
    with pytest.raises(InvalidInput):
        conninfo("sqlite:///x.db")
    with pytest.raises(InvalidInput):
        encode({"op": "x", "data": "a" * 8000})


@pytest.mark.pg
async def test_a_message_reaches_the_active_listener_only(pg_url: str) -> None:
    got: dict[str, list[dict[str, Any]]] = {"a": [], "b": []}
    a = Listener(pg_url, ["tc_test"], lambda _c, m: got["a"].append(m), lock_key=99)
    b = Listener(
        pg_url, ["tc_test"], lambda _c, m: got["b"].append(m), lock_key=99, standby_poll_s=0.1
    )
    a.start()
    await asyncio.wait_for(a.ready.wait(), 10)
    b.start()
    notifier = Notifier(pg_url)
    try:
        await notifier.send("tc_test", {"op": "one"})
        await asyncio.sleep(0.3)
        assert got == {"a": [{"op": "one"}], "b": []}  # b stands by
        await a.stop()  # the active one's connection ends: b takes over
        await asyncio.wait_for(b.ready.wait(), 10)
        await notifier.send("tc_test", {"op": "two"})
        for _ in range(50):
            if got["b"]:
                break
            await asyncio.sleep(0.05)
        assert got["b"] == [{"op": "two"}]
    finally:
        await b.stop()
        await notifier.close()
