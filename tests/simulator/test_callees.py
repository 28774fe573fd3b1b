"""Each line behaviour, end to end: carrier -> real websocket -> fake bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from simulator import audio, callees, tts
from simulator.calls import DEFAULT_ACCOUNT_SID, CarrierTiming
from simulator.carrier import SimCarrier
from simulator.clocks import ScaledClock
from simulator.lines import Answer, StaticLinePlan, Unreachable, Voicemail
from simulator.magic_numbers import MagicNumberPlan
from tests.simulator.conftest import CallbackSink
from tests.simulator.fakebot import BotSession, FakeBot

pytestmark = pytest.mark.speech
FAST = CarrierTiming(initiate_s=(0.01, 0.02), post_dial_s=(0.05, 0.1))


@pytest.fixture
async def carrier(sink: CallbackSink) -> AsyncIterator[SimCarrier]:
    # simulated time runs 4x faster than the wall clock: same protocol, shorter tests
    c = SimCarrier(
        clock=ScaledClock(4.0), line_plan=StaticLinePlan(), timing=FAST, seed=1, http=sink.client()
    )
    yield c
    await c.aclose()


async def place(c: SimCarrier, url: str, **extra: str) -> str:
    form = {
        "To": ["+8613900000000"],
        "From": ["+8610000"],
        "StreamUrl": [url],
        "StatusCallback": ["http://sink/status"],
        "StatusCallbackEvent": ["initiated ringing answered completed"],
    }
    form.update({k: [v] for k, v in extra.items()})
    call = await c.create_call(DEFAULT_ACCOUNT_SID, form)
    return call.sid


def speech_seconds(mulaw: bytes) -> float:
    return sum(audio.is_speech_frame(f) for f in audio.frames(mulaw)) * 0.02


def dominant_hz(mulaw: bytes) -> float:
    x = audio.mulaw_to_pcm16(mulaw).astype(float)
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.fft.rfftfreq(x.size, 1 / 8000)[int(np.argmax(spectrum))])


def test_announcements_are_speech_in_mulaw_8k() -> None:
    for kind, text in tts.ANNOUNCEMENTS.items():
        wav = tts.render_wav(text, tts.ANNOUNCEMENT_VOICE)
        assert wav[:4] == b"RIFF", kind
        clip = tts.render_mulaw(text, tts.ANNOUNCEMENT_VOICE)
        back = audio.mulaw_to_pcm16(clip)  # every byte decodes as a mu-law sample
        assert back.size == len(clip)
        seconds = len(clip) / audio.SAMPLE_RATE
        assert 1.5 < seconds < 15, kind
        assert speech_seconds(clip) > 0.5 * seconds, kind  # mostly speech, not silence
        assert audio.rms_dbfs(clip) > -30.0, kind


async def test_unreachable_number_plays_announcement_as_early_media(
    carrier: SimCarrier, sink: CallbackSink, bot: tuple[FakeBot, str]
) -> None:
    fake, url = bot
    carrier.line_plan = StaticLinePlan(default=Unreachable("invalid"))
    sid = await place(carrier, url)
    call = await asyncio.wait_for(carrier.wait_final(sid), 30)
    assert [h.status for h in call.history] == ["queued", "initiated", "ringing", "failed"]
    assert call.sip_response_code == 404 and call.start_time is None
    b = fake.sessions[0]
    await b.wait_for(lambda: b.closed.is_set())
    heard = b.customer_audio()
    assert speech_seconds(heard) > 1.0  # the bot got the announcement to classify
    expected = await carrier.renderer.render(tts.ANNOUNCEMENTS["invalid"], tts.ANNOUNCEMENT_VOICE)
    assert expected[1600:3200] in heard
    await asyncio.sleep(0.05)
    assert sink.statuses(sid) == ["initiated", "ringing", "failed"]


async def test_voicemail_greeting_then_beep(
    carrier: SimCarrier, sink: CallbackSink, bot: tuple[FakeBot, str]
) -> None:
    fake, url = bot
    carrier.line_plan = StaticLinePlan(default=Voicemail(ring_s=0.2, max_message_s=1.0))
    sid = await place(carrier, url, MachineDetection="Enable")
    call = await asyncio.wait_for(carrier.wait_final(sid), 30)
    assert call.status == "completed" and call.answered_by == "machine_start"
    heard = fake.sessions[0].customer_audio()
    assert speech_seconds(heard) > 2.0
    beep_at = heard.find(callees.BEEP[:800])
    assert beep_at > 8000  # after at least a second of greeting
    assert dominant_hz(heard[beep_at : beep_at + 3200]) == pytest.approx(1000, abs=20)
    await asyncio.sleep(0.05)
    assert any(r.get("AnsweredBy") == "machine_start" for r in sink.received)


async def test_customer_hangs_up_mid_call(carrier: SimCarrier, bot: tuple[FakeBot, str]) -> None:
    fake, url = bot
    carrier.line_plan = StaticLinePlan(
        default=Answer(ring_s=0.1, callee=callees.hangs_up_after(0.5))
    )
    sid = await place(carrier, url)
    call = await asyncio.wait_for(carrier.wait_final(sid), 10)
    assert call.status == "completed" and call.media is not None
    assert call.media.closed_by == "customer"
    assert fake.sessions[0].events()[-1] == "stop"


async def test_long_silence_sends_only_line_silence(
    carrier: SimCarrier, bot: tuple[FakeBot, str]
) -> None:
    fake, url = bot
    carrier.line_plan = StaticLinePlan(default=Answer(ring_s=0.1, callee=callees.silent(1.0)))
    sid = await place(carrier, url)
    await asyncio.wait_for(carrier.wait_final(sid), 10)
    heard = fake.sessions[0].customer_audio()
    assert len(heard) >= 40 * 160 and speech_seconds(heard) == 0


async def test_barge_in_customer_talks_over_the_bot(
    carrier: SimCarrier, bot: tuple[FakeBot, str]
) -> None:
    fake, url = bot

    async def long_prompt(b: BotSession) -> None:
        await b.wait_start()
        await b.send_audio(audio.tone(600, 4.0))
        await b.wait_for(b.customer_speaking, timeout=8)
        await b.clear()  # what pipecat does on an interruption

    fake.handler = long_prompt
    carrier.line_plan = StaticLinePlan(default=Answer(ring_s=0.1, callee=callees.barges_in()))
    sid = await place(carrier, url)
    call = await asyncio.wait_for(carrier.wait_final(sid), 40)
    media = call.media
    assert media is not None
    bot_start = next(e.t for e in media.events if e.kind == "bot_speech_start")
    talk = next(e.t for e in media.events if e.kind == "customer_speech_start")
    clear = next(e.t for e in media.events if e.kind == "clear")
    assert bot_start < talk < clear
    assert 0.4 <= talk - bot_start <= 1.8  # barges in about 0.8 s into the prompt
    played = sum(audio.is_speech_frame(f.payload) for f in media.captured) * 0.02
    assert played < 3.0  # the 4 s prompt was cut off by the clear


def test_magic_numbers() -> None:
    from datetime import UTC, datetime

    plan = MagicNumberPlan()
    now = datetime(2026, 1, 5, tzinfo=UTC)
    kinds = {
        n: type(plan.behaviour_for(f"+86139000000{n}", now)).__name__
        for n in ["01", "02", "03", "06", "99"]
    }
    assert kinds == {
        "01": "Busy",
        "02": "NoAnswer",
        "03": "Unreachable",
        "06": "Voicemail",
        "99": "Answer",
    }
