"""uvicorn's websocket protocol for the carrier's media stream: read-side backpressure
only when the application falls behind.

uvicorn's ``websockets-sansio`` protocol pauses reading the socket after every message it
queues for the application and resumes when the application takes it: two ``epoll_ctl``
calls and the transport's reader bookkeeping per message. The carrier sends a message
every 20 ms per call, so at 20 calls that is 2,000 pause/resume pairs a second in one
event loop (in profiles, 8 % of the loop's CPU for nothing: the application reads each
message within the same few loop turns). ``MediaWebSocketProtocol`` lets up to
``QUEUE_HIGH`` messages (about a second of audio) wait before it pauses reading, and
resumes once the application is back under ``QUEUE_LOW``: a stalled call still stops
reading, a healthy one never pays for it.

Used as ``uvicorn.Config(ws=MediaWebSocketProtocol)`` wherever the media endpoint is served.
"""

from __future__ import annotations

from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

QUEUE_HIGH = 64  # messages waiting for the application before reading pauses
QUEUE_LOW = 16  # ... and how few are left when it resumes


class MediaWebSocketProtocol(WebSocketsSansIOProtocol):
    """``WebSocketsSansIOProtocol`` pausing reads at ``QUEUE_HIGH`` queued messages."""

    def send_receive_event_to_app(self) -> None:
        paused = self.read_paused
        self.read_paused = True  # so the base class does not pause after this message
        try:
            super().send_receive_event_to_app()
        finally:
            self.read_paused = paused
        if not paused and self.queue.qsize() >= QUEUE_HIGH:
            self.read_paused = True
            self.transport.pause_reading()

    async def receive(self) -> ASGIReceiveEvent:
        message = await self.queue.get()
        if self.read_paused and self.queue.qsize() <= QUEUE_LOW:
            self.read_paused = False
            self.transport.resume_reading()
        return message
