"""SIMULATOR-ONLY side channel between the simulated carrier and the bot.

Nothing here exists on a real carrier. It lets a simulation
- tell the simulated customer which prompt the bot is playing (``bot_said``), so a
  persona can answer the prompt it "heard" without speech recognition, and
- deliver a customer's reply to the bot as if it were an ASR result
  (``inject_transcript``) in the fast ``text`` speech mode.

Two transports carry it:
- in process: ``InMemorySideChannel`` (one object shared by the carrier and the bot);
- over the media websocket of a call, as extra events that a real carrier never sends:
  bot -> carrier ``{"event": "x-sim-bot-said", "streamSid": ..., "botSaid": {"promptId": ...,
  "text": ...}}`` and carrier -> bot ``{"event": "x-sim-transcript", "streamSid": ...,
  "transcript": {"text": ..., "confidence": ...}}`` (see ``simulator.media``).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # types only: the side channel must not load the speech stack
    from dialogue.speech.driver import PromptHook
    from dialogue.speech.pipeline import CallInfo, SendText

WS_BOT_SAID = "x-sim-bot-said"
WS_TRANSCRIPT = "x-sim-transcript"


@dataclass(frozen=True)
class BotPrompt:
    """A prompt the bot started to play."""

    prompt_id: str | None
    text: str


@dataclass(frozen=True)
class InjectedTranscript:
    """A customer reply delivered to the bot as an ASR result (text mode)."""

    text: str
    confidence: float


class SimSideChannel(Protocol):
    """The simulator-only interface; both directions are keyed by the carrier's CallSid."""

    def bot_said(self, call_sid: str, prompt_id: str | None, text: str) -> None:
        """Bot side: call when a prompt starts playing."""
        ...

    def inject_transcript(self, call_sid: str, text: str, confidence: float) -> None:
        """Simulator side: a reply for the bot to treat as a final ASR result."""
        ...


TranscriptHandler = Callable[[InjectedTranscript], None]


class InMemorySideChannel:
    """The side channel inside one process: queues per call in both directions.

    Bot side: ``bot_said(...)`` and either ``subscribe_transcripts(call_sid, handler)``
    or ``await next_transcript(call_sid)``. Simulator side: ``inject_transcript(...)``
    and ``await next_prompt(call_sid)``.
    """

    def __init__(self) -> None:
        self._prompts: defaultdict[str, asyncio.Queue[BotPrompt]] = defaultdict(asyncio.Queue)
        self._transcripts: defaultdict[str, asyncio.Queue[InjectedTranscript]] = defaultdict(
            asyncio.Queue
        )
        self._handlers: dict[str, TranscriptHandler] = {}
        self.history: list[tuple[str, str, BotPrompt | InjectedTranscript]] = []

    # bot -> simulator
    def bot_said(self, call_sid: str, prompt_id: str | None, text: str) -> None:
        prompt = BotPrompt(prompt_id, text)
        self.history.append((call_sid, "bot_said", prompt))
        self._prompts[call_sid].put_nowait(prompt)

    async def next_prompt(self, call_sid: str, timeout: float | None = None) -> BotPrompt | None:
        try:
            return await asyncio.wait_for(self._prompts[call_sid].get(), timeout)
        except TimeoutError:
            return None

    def latest_prompt(self, call_sid: str) -> BotPrompt | None:
        """Drain queued prompts and return the newest (None when nothing new)."""
        q = self._prompts[call_sid]
        last: BotPrompt | None = None
        while not q.empty():
            last = q.get_nowait()
        return last

    # simulator -> bot
    def inject_transcript(self, call_sid: str, text: str, confidence: float) -> None:
        item = InjectedTranscript(text, confidence)
        self.history.append((call_sid, "transcript", item))
        handler = self._handlers.get(call_sid)
        if handler is not None:
            handler(item)
        else:
            self._transcripts[call_sid].put_nowait(item)

    def subscribe_transcripts(self, call_sid: str, handler: TranscriptHandler) -> None:
        """Deliver this call's transcripts to ``handler`` (queued ones first)."""
        q = self._transcripts[call_sid]
        while not q.empty():
            handler(q.get_nowait())
        self._handlers[call_sid] = handler

    async def next_transcript(
        self, call_sid: str, timeout: float | None = None
    ) -> InjectedTranscript | None:
        try:
            return await asyncio.wait_for(self._transcripts[call_sid].get(), timeout)
        except TimeoutError:
            return None

    def forget(self, call_sid: str) -> None:
        """Drop a finished call's queues and handler."""
        self._prompts.pop(call_sid, None)
        self._transcripts.pop(call_sid, None)
        self._handlers.pop(call_sid, None)


def ws_bot_said_tap(info: CallInfo, send: SendText) -> PromptHook:
    """``SpeechRuntime.prompt_tap`` of a simulation: each prompt the bot is about to play
    goes to the simulated carrier as an ``x-sim-bot-said`` event on the media websocket
    (a real carrier would ignore an unknown event, and never gets this tap)."""

    def said(prompt_id: str, text: str) -> None:
        send(
            json.dumps(
                {
                    "event": WS_BOT_SAID,
                    "streamSid": info.stream_sid,
                    "botSaid": {"promptId": prompt_id, "text": text},
                },
                ensure_ascii=False,
            )
        )

    return said
