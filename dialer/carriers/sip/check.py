"""``tailcall carrier check NUMBER``: one test call over the trunk, told in plain words.

The call rings out, and when answered plays a short 440 Hz tone (so the far end hears
something) for ``hold_s`` seconds, then hangs up. The report says what happened: the
trunk and our address, registration, each provisional response, early media heard
before the answer, the answer with its codec and where RTP went, audio received, and how
the call ended in the dialer's words (outcome, SIP code, who hung up).
"""

from __future__ import annotations

import asyncio
import math
import struct
import time
from dataclasses import dataclass, field

from dialer.carriers.sip.config import TrunkConfig
from dialer.carriers.sip.rtp import FRAME_MS, SAMPLE_RATE
from dialer.carriers.sip.ua import Answered, Ended, Ringing, SipCall, SipTrunk, SipTrunkError

TONE_HZ = 440.0


@dataclass
class CheckReport:
    """What the test call did; ``lines`` in plain words, ``answered`` for the exit code."""

    lines: list[str] = field(default_factory=list)
    answered: bool = False
    outcome: str = ""
    codec: str | None = None
    early_media_s: float = 0.0

    def say(self, text: str) -> None:
        self.lines.append(text)


def tone(seconds: float, hz: float = TONE_HZ, amplitude: int = 6000) -> bytes:
    n = int(seconds * SAMPLE_RATE)
    return struct.pack(
        f"<{n}h", *(int(amplitude * math.sin(2 * math.pi * hz * i / SAMPLE_RATE)) for i in range(n))
    )


def _frames_s(frames: int) -> float:
    return frames * FRAME_MS / 1000


async def check_call(
    config: TrunkConfig,
    number: str,
    *,
    caller_id: str | None = None,
    hold_s: float = 3.0,
    ring_timeout_s: float | None = None,
) -> CheckReport:
    """Place one call on a trunk of its own and report what happened."""
    report = CheckReport()
    transport = config.transport.upper()
    via = f" via outbound proxy {config.outbound_proxy}" if config.outbound_proxy else ""
    report.say(
        f"trunk {config.host}:{config.port} over {transport}{via}, "
        f"from {config.local_host}:{config.local_port}; codecs offered {', '.join(config.codecs)}"
    )
    trunk = SipTrunk(config)
    try:
        await trunk.start()
    except SipTrunkError as exc:
        report.say(f"the trunk could not be used: {exc}")
        report.outcome = "failed"
        return report
    try:
        if config.register:
            report.say(f"registered with {config.host}: {trunk.registration_status or 'yes'}")
        await _one_call(trunk, report, number, caller_id, hold_s, ring_timeout_s)
    finally:
        await trunk.stop()
    return report


async def _one_call(
    trunk: SipTrunk,
    report: CheckReport,
    number: str,
    caller_id: str | None,
    hold_s: float,
    ring_timeout_s: float | None,
) -> None:
    t0 = time.monotonic()
    try:
        call = await trunk.invite(number, caller_id, ring_timeout=ring_timeout_s)
    except (SipTrunkError, ValueError) as exc:
        report.say(f"the call was not placed: {exc}")
        report.outcome = "failed"
        return
    report.say(f"calling {number} as {call.caller_id} (Call-ID {call.call_id})")
    hangup: asyncio.Task[object] | None = None
    async for event in call.events():
        at = time.monotonic() - t0
        if isinstance(event, Ringing):
            media = " with early media (SDP)" if event.early_media else ""
            report.say(f"{at:.1f} s: {event.code} {event.reason}{media}")
        elif isinstance(event, Answered):
            report.answered = True
            report.codec = event.answer.codec
            report.early_media_s = _frames_s(call.media.stats.early_frames)
            if report.early_media_s:
                report.say(f"early media: {report.early_media_s:.1f} s of audio before the answer")
            report.say(
                f"{at:.1f} s: answered; codec {event.answer.codec} (payload type "
                f"{event.answer.payload_type}), sending RTP to "
                f"{event.answer.address}:{event.answer.port}, "
                f"DTMF {'offered' if event.answer.dtmf_pt is not None else 'not offered'}"
            )
            call.media.send_pcm16(tone(hold_s))
            hangup = asyncio.ensure_future(_hang_up_after(call, hold_s))
        elif isinstance(event, Ended):
            if not report.answered and call.media.stats.early_frames:
                report.early_media_s = _frames_s(call.media.stats.early_frames)
                report.say(f"early media: {report.early_media_s:.1f} s of audio, no answer")
            stats = call.media.stats
            if report.answered:
                report.say(
                    f"audio: sent {stats.packets_sent} RTP packets, received "
                    f"{stats.packets_received} ({stats.lost} lost)"
                    + ("; NO audio came back" if stats.packets_received == 0 else "")
                )
            who = {"remote": "the far end hung up", "local": "we hung up"}.get(
                event.hangup_by or "", "nobody hung up"
            )
            report.outcome = str(event.outcome)
            reason = event.result.reason
            told = reason if not report.answered or "hung up" in reason else f"{reason}; {who}"
            report.say(
                f"{at:.1f} s: ended; outcome {event.outcome} ({told})"
                + (f"; talked {event.duration:.1f} s" if report.answered else "")
            )
    if hangup is not None:
        hangup.cancel()


async def _hang_up_after(call: SipCall, seconds: float) -> None:
    await asyncio.sleep(seconds)
    await call.hangup()
