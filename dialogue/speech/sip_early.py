"""Answer detection on a SIP trunk's early media (a 183 with SDP, before any answer).

A carrier plays its recorded announcements (关机, 空号, 停机, ...) as early media and then
fails the call. ``listen_early`` feeds that audio (``RtpMedia.on_early_audio``: 20 ms of
8 kHz PCM16 per frame) to an ``AnswerListener`` and hands the first verdict on, so the
attempt records what the network said instead of a bare SIP code. The call's own media
(after ``set_answered``) goes to the pipeline as before.
"""

from __future__ import annotations

from collections.abc import Callable

from dialer.carriers.sip.rtp import SAMPLE_RATE, RtpMedia
from dialogue.speech.answering import AnswerListener, Verdict


def listen_early(
    media: RtpMedia, listener: AnswerListener, on_verdict: Callable[[Verdict], None]
) -> None:
    """Listen to ``media``'s early audio until the listener decides (once)."""
    done = False

    def feed(pcm: bytes) -> None:
        nonlocal done
        if done:
            return
        verdict = listener.feed(pcm, SAMPLE_RATE)
        if verdict is not None:
            done = True
            on_verdict(verdict)

    media.on_early_audio = feed
