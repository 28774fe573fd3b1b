"""Twilio Media Streams serializer that batches the carrier's 20 ms audio.

The carrier sends one ``media`` message per 20 ms. pipecat's ``TwilioFrameSerializer``
turns each into an ``InputAudioRawFrame`` that then visits the transport's input queue
and every audio step of the pipeline; that per-frame overhead, not the audio work, was
most of a call's CPU. ``BatchingTwilioSerializer`` keeps the mu-law payloads and decodes
them together every ``batch_s`` (60 ms here by default, 100 ms in ``media``). Batching
must not delay the end of a turn: while VAD sees the customer pausing, ``flush_at`` says
how many more samples would complete its stop, and the batch goes out as soon as it holds
that many (one extra, short frame per utterance, instead of up to ``batch_s`` of delay).
Other events (``dtmf``, ...) go through the stock serializer at once; audio still
buffered when the call ends is a fraction of a word of trailing silence, and is dropped.

Twilio sends ``media`` messages with ``event`` first and a plain base64 ``payload``;
those are read without a JSON parse (anything else, or any escape, goes through
``json.loads``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from pipecat.audio.utils import ulaw_to_pcm
from pipecat.frames.frames import Frame, InputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer


class BatchingTwilioSerializer(TwilioFrameSerializer):
    """``TwilioFrameSerializer`` emitting one input audio frame per ``batch_s`` of audio.

    mu-law is one byte per sample, so ``batch_s`` of it is ``batch_s * rate`` bytes."""

    def __init__(
        self,
        *args: Any,
        batch_s: float = 0.06,
        flush_at: Callable[[], int | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._batch_bytes = max(1, int(batch_s * self._twilio_sample_rate))
        self._ulaw = bytearray()
        # Samples (at the pipeline's rate) that would complete VAD's stop, or None.
        self.flush_at = flush_at

    async def deserialize(self, data: str | bytes) -> Frame | None:
        payload = _media_payload(data) if isinstance(data, str) else None
        if payload is None:
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
        if len(self._ulaw) < self._batch_bytes and not self._stop_is_due():
            return None
        ulaw = bytes(self._ulaw)
        self._ulaw.clear()
        pcm = await ulaw_to_pcm(
            ulaw, self._twilio_sample_rate, self._sample_rate, self._input_resampler
        )
        if not pcm:
            return None
        return InputAudioRawFrame(audio=pcm, num_channels=1, sample_rate=self._sample_rate)

    def _stop_is_due(self) -> bool:
        need = self.flush_at() if self.flush_at is not None else None
        if need is None:
            return False
        return len(self._ulaw) * self._sample_rate >= need * self._twilio_sample_rate


_MEDIA_HEADS = ('{"event":"media"', '{"event": "media"')


def _media_payload(data: str) -> str | None:
    """The payload of a ``media`` message in Twilio's layout, or None to parse it fully."""
    if not data.startswith(_MEDIA_HEADS):
        return None
    key = data.find('"payload":')
    if key < 0:
        return None
    start = data.find('"', key + 10)
    end = data.find('"', start + 1)
    if start < 0 or end < 0 or data[key + 10 : start].strip():
        return None
    payload = data[start + 1 : end]
    return None if "\\" in payload else payload
