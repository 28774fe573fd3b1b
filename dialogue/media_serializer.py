"""Twilio Media Streams serializer that batches the carrier's 20 ms audio.

The carrier sends one ``media`` message per 20 ms. pipecat's ``TwilioFrameSerializer``
turns each into an ``InputAudioRawFrame`` that then visits the transport's input queue
and every audio step of the pipeline; that per-frame overhead, not the audio work, was
most of a call's CPU. ``BatchingTwilioSerializer`` keeps the mu-law payloads and decodes
them together every ``batch_s`` (60 ms here by default, 100 ms in ``media``: at most 80 ms
of added delay, well under VAD's 200 ms stop window). Other events (``dtmf``, ...) go
through the stock serializer at once; audio still buffered when the call ends is a
fraction of a word of trailing silence, and is dropped.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from pipecat.audio.utils import ulaw_to_pcm
from pipecat.frames.frames import Frame, InputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer


class BatchingTwilioSerializer(TwilioFrameSerializer):
    """``TwilioFrameSerializer`` emitting one input audio frame per ``batch_s`` of audio.

    mu-law is one byte per sample, so ``batch_s`` of it is ``batch_s * rate`` bytes."""

    def __init__(self, *args: Any, batch_s: float = 0.06, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch_bytes = max(1, int(batch_s * self._twilio_sample_rate))
        self._ulaw = bytearray()

    async def deserialize(self, data: str | bytes) -> Frame | None:
        try:
            message = json.loads(data)
        except json.JSONDecodeError:
            return await super().deserialize(data)  # logs and drops it
        if not isinstance(message, dict) or message.get("event") != "media":
            return await super().deserialize(data)
        media = message.get("media")
        payload = media.get("payload") if isinstance(media, dict) else None
        if not payload:
            return None
        self._ulaw += base64.b64decode(payload)
        if len(self._ulaw) < self._batch_bytes:
            return None
        ulaw = bytes(self._ulaw)
        self._ulaw.clear()
        pcm = await ulaw_to_pcm(
            ulaw, self._twilio_sample_rate, self._sample_rate, self._input_resampler
        )
        if not pcm:
            return None
        return InputAudioRawFrame(audio=pcm, num_channels=1, sample_rate=self._sample_rate)
