"""The media websocket protocol: reads pause only once the application falls behind."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.server import ServerState
from websockets.client import ClientProtocol
from websockets.uri import parse_uri

from dialogue.speech.media_ws import QUEUE_HIGH, QUEUE_LOW, MediaWebSocketProtocol


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.pauses = 0
        self.resumes = 0
        self.written = bytearray()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default

    def pause_reading(self) -> None:
        self.pauses += 1

    def resume_reading(self) -> None:
        self.resumes += 1

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        return None


async def test_reading_pauses_only_when_the_application_falls_behind() -> None:
    receives: asyncio.Queue[Any] = asyncio.Queue()
    done = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        receives.put_nowait(receive)
        await done.wait()

    config = uvicorn.Config(app, ws=MediaWebSocketProtocol, log_level="warning")
    config.load()
    server = MediaWebSocketProtocol(config, ServerState(), {}, _loop=asyncio.get_running_loop())
    transport = FakeTransport()
    server.connection_made(transport)
    client = ClientProtocol(parse_uri("ws://carrier/media/CA1"))
    client.send_request(client.connect())
    server.data_received(b"".join(client.data_to_send()))
    receive = await asyncio.wait_for(receives.get(), 5)
    client.receive_data(bytes(transport.written))  # the handshake's answer: open

    def send(n: int) -> None:
        for _ in range(n):
            client.send_text(b'{"event":"media"}')
        server.data_received(b"".join(client.data_to_send()))

    send(QUEUE_HIGH - 1)  # each one is a message the application has not read yet
    assert transport.pauses == 0
    send(1)
    assert transport.pauses == 1
    for _ in range(QUEUE_HIGH - QUEUE_LOW - 1):
        assert (await receive())["type"] == "websocket.receive"
    assert transport.resumes == 0
    await receive()
    assert transport.resumes == 1
    send(QUEUE_HIGH - QUEUE_LOW - 1)  # back under the mark again: no pause
    assert transport.pauses == 1
    done.set()
    server.connection_lost(None)
    await asyncio.sleep(0)
