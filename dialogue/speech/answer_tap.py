"""The pipeline step that listens to a call's first seconds (``AnswerListener``).

It sits right after the transport: customer audio passes through untouched and is also
fed to the call's listener until it reaches a verdict (or ``listen_s`` has passed). The
verdict goes to the application (``AnswerHandling.on_verdict``, on a worker thread: it
records who answered) and then to the driver, which starts the script for a person or
switches to the machine's brain (``dialogue.machine``) for a voicemail box, a SIT or an
announcement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import Frame, InputAudioRawFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from dialogue.brain import CallBrain
from dialogue.speech.answering import AnswerListener, Verdict


@dataclass
class AnswerHandling:
    """A call's answer detection: its listener, how long the greeting may wait for a
    verdict, and what the application does with the verdict (the brain to switch to for a
    machine, None to go on with the script)."""

    listener: AnswerListener
    on_verdict: Callable[[Verdict], CallBrain | None]
    hold_s: float = 6.0
    listen_s: float = 12.0


VerdictSink = Callable[[Verdict, CallBrain | None], Any]


class AnswerTap(FrameProcessor):
    def __init__(self, handling: AnswerHandling, sink: VerdictSink, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._handling = handling
        self._sink = sink
        self._heard_s = 0.0
        self._done = False
        self.verdict: Verdict | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) and not self._done:
            self._heard_s += len(frame.audio) / 2 / frame.sample_rate
            verdict = self._handling.listener.feed(frame.audio, frame.sample_rate)
            if verdict is None and self._heard_s >= self._handling.listen_s:
                verdict = Verdict("human", None, "nothing else heard", 0.5, self._heard_s)
            if verdict is not None:
                self._done = True
                self.verdict = verdict
                self.create_task(self._deliver(verdict), "answer_verdict")
        await self.push_frame(frame, direction)

    async def _deliver(self, verdict: Verdict) -> None:
        try:
            brain = await asyncio.to_thread(self._handling.on_verdict, verdict)
        except Exception:
            logger.exception("could not record who answered", kind=verdict.kind)
            brain = None
        result = self._sink(verdict, brain)
        if asyncio.iscoroutine(result):
            await result
