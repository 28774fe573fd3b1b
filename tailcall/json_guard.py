"""JSON request bodies that Python parses but nothing downstream can take: refused with 422.

Three kinds: a string holding a lone UTF-16 surrogate (``"\\ud800"`` is valid JSON, a str
in Python, and cannot be encoded to UTF-8 for the database, a log or a file), nesting so
deep that parsing or validating it exhausts the recursion limit, and a number that is not
finite (``NaN``, ``Infinity``, ``1e999``: Python's parser takes them, no JSON answer can
carry them back, not even the 422 that echoes the input). The guard looks at a body only
when it could be one of these (a surrogate escape, more brackets than the depth limit, a
``NaN``, ``Infinity`` or three-digit exponent), so ordinary requests pass through without
a second parse.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_DEPTH = 64
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE = re.compile("[\ud800-\udfff]")
_NON_FINITE = re.compile(rb"NaN|Infinity|[eE]\+?[0-9]{3}")


def body_problem(body: bytes) -> tuple[str, str] | None:
    """(message, where) if the JSON body holds a lone surrogate, a number that is not
    finite or is nested too deep."""
    deep = body.count(b"[") + body.count(b"{") > MAX_DEPTH
    if not deep and _SURROGATE_ESCAPE.search(body) is None and not _NON_FINITE.search(body):
        return None
    try:
        value = json.loads(body)
    except RecursionError:
        return f"nested deeper than {MAX_DEPTH} levels", "body"
    except ValueError:
        return None  # not JSON: the route's own parsing says so
    for where, item, depth in _walk(value):
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels", where
        if isinstance(item, str) and _LONE.search(item):
            return "a string holds a lone surrogate (not valid Unicode)", where
        if isinstance(item, float) and not math.isfinite(item):
            return "a number that is not finite (NaN, Infinity or beyond 1e308)", where
    return None


def _walk(value: Any) -> Iterator[tuple[str, Any, int]]:
    stack: list[tuple[str, Any, int]] = [("body", value, 0)]
    while stack:
        where, item, depth = stack.pop()
        yield where, item, depth
        if isinstance(item, dict):
            for k, v in item.items():
                if _LONE.search(k):  # a key is a string too; not echoed
                    yield f"{where} (a key)", k, depth + 1
                    continue
                stack.append((f"{where}.{k}", v, depth + 1))
        elif isinstance(item, list):
            stack.extend((f"{where}.{i}", v, depth + 1) for i, v in enumerate(item))


class JsonGuard:
    """ASGI middleware: checks JSON bodies (``content-type`` with ``json``) first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay(None, receive, message), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        problem = body_problem(body)
        if problem is not None:
            await _refuse(send, *problem)
            return
        await self.app(scope, _replay(body, receive), send)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


def _replay(body: bytes | None, receive: Receive, first: Message | None = None) -> Receive:
    """The body read, once; after it, the client's own channel (its disconnect)."""
    pending: list[Message] = []
    if body is not None:
        pending.append({"type": "http.request", "body": body, "more_body": False})
    if first is not None:
        pending.append(first)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


async def _refuse(send: Send, message: str, where: str) -> None:
    payload = json.dumps(
        {"error": "invalid_input", "message": message, "where": where}, ensure_ascii=True
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 422,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
