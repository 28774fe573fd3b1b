"""The media stream client against a bot endpoint over real websockets (127.0.0.1)."""

from __future__ import annotations

import asyncio
import base64
import itertools
import statistics

from kernel.clock import SystemClock
from simulator import audio
from simulator.media import MediaOptions, MediaSession
from simulator.sidechannel import WS_BOT_SAID, InMemorySideChannel
from tests.simulator.fakebot import BotSession, FakeBot


def session_for(url: str, **kw: object) -> MediaSession:
    return MediaSession(
        url=url,
        account_sid="AC1",
        call_sid="CA1",
        stream_sid="MZ1",
        clock=SystemClock(),
        custom_parameters={"campaign": "c1", "attempt": "42"},
        **kw,  # type: ignore[arg-type]
    )


async def test_connected_start_then_paced_media(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot
    s = session_for(url)
    await s.start()
    await asyncio.sleep(1.0)
    await s.close("customer")
    b = fake.sessions[0]
    await b.wait_for(lambda: b.closed.is_set())
    events = b.events()
    assert events[:2] == ["connected", "start"]
    assert events[-1] == "stop"
    assert set(events[2:-1]) == {"media"}
    start = b.of("start")[0]["start"]
    assert start["callSid"] == "CA1" and start["streamSid"] == "MZ1"
    assert start["customParameters"] == {"campaign": "c1", "attempt": "42"}
    assert start["mediaFormat"] == {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}
    media = b.of("media")
    # 20 ms frames of 160 mu-law bytes, silence when the customer says nothing
    assert all(len(base64.b64decode(m["media"]["payload"])) == 160 for m in media)
    assert b.customer_audio() == audio.SILENT_FRAME * len(media)
    stamps = [int(m["media"]["timestamp"]) for m in media]
    assert stamps == [20 * i for i in range(len(media))]
    assert [int(m["media"]["chunk"]) for m in media] == list(range(1, len(media) + 1))
    seqs = [int(m["sequenceNumber"]) for _, m in b.messages if "sequenceNumber" in m]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # real-time pacing: about 50 frames per second, arriving about 20 ms apart
    assert 40 <= len(media) <= 55
    times = [t for t, m in b.messages if m["event"] == "media"]
    gaps = [b2 - a for a, b2 in itertools.pairwise(times)]
    assert 0.017 <= statistics.mean(gaps) <= 0.024


async def test_customer_audio_is_streamed(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot
    s = session_for(url)
    await s.start()
    beep = audio.tone(440.0, 0.4)
    assert await s.play(beep)
    await s.close("customer")
    got = fake.sessions[0].customer_audio()
    assert beep in got
    kinds = [e.kind for e in s.events]
    assert kinds.index("customer_speech_start") < kinds.index("customer_speech_end")


async def test_bot_audio_is_played_in_real_time_and_captured(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot

    async def speak(b: BotSession) -> None:
        await b.wait_start()
        await b.send_audio(audio.tone(600.0, 0.5))  # sent at once, played over 0.5 s
        await b.mark("greeting-done")

    fake.handler = speak
    s = session_for(url)
    await s.start()
    assert await s.wait_bot_turn_start(0, 3.0)
    assert await s.wait_bot_turn_end(1, 3.0)
    await asyncio.sleep(0.1)
    await s.close("customer")
    assert len(s.captured) >= 25
    speech = [f for f in s.captured if audio.is_speech_frame(f.payload)]
    assert len(speech) == 25
    span = speech[-1].t - speech[0].t
    assert 0.4 <= span <= 0.7  # played at 20 ms per frame, not all at once
    assert s.bot_audio().startswith(audio.tone(600.0, 0.5)[:160])
    marks = fake.sessions[0].of("mark")
    assert [m["mark"]["name"] for m in marks] == ["greeting-done"]
    mark_t = next(e.t for e in s.events if e.kind == "mark_played")
    assert mark_t >= speech[-1].t  # echoed only after the audio before it was played


async def test_clear_drops_buffered_bot_audio(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot

    async def interrupted(b: BotSession) -> None:
        await b.wait_start()
        await b.send_audio(audio.tone(600.0, 3.0))
        await b.mark("long-prompt")
        await asyncio.sleep(0.3)
        await b.clear()

    fake.handler = interrupted
    s = session_for(url)
    await s.start()
    await asyncio.sleep(1.0)
    await s.close("customer")
    played = [f for f in s.captured if audio.is_speech_frame(f.payload)]
    assert 5 <= len(played) <= 30  # about 0.3 s of the 3 s prompt, not all 150 frames
    clear = next(e for e in s.events if e.kind == "clear")
    assert int(clear.detail["dropped_frames"]) >= 100
    # the mark of the cleared audio comes back at once
    assert [m["mark"]["name"] for m in fake.sessions[0].of("mark")] == ["long-prompt"]


async def test_dtmf_and_hangup_by_customer(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot
    s = session_for(url)
    await s.start()
    await s.send_dtmf("5")
    await s.send_dtmf("#")
    await asyncio.sleep(0.1)
    await s.close("customer")
    b = fake.sessions[0]
    await b.wait_for(lambda: b.closed.is_set())
    assert [d["dtmf"]["digit"] for d in b.of("dtmf")] == ["5", "#"]
    assert b.of("dtmf")[0]["dtmf"]["track"] == "inbound_track"
    stop = b.of("stop")[0]
    assert stop["stop"]["callSid"] == "CA1"
    assert s.closed_by == "customer"


async def test_bot_closing_the_socket_ends_the_stream(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot

    async def hang_up(b: BotSession) -> None:
        await b.wait_start()
        await asyncio.sleep(0.2)
        await b.ws.close()

    fake.handler = hang_up
    s = session_for(url)
    await s.start()
    await asyncio.wait_for(s.closed.wait(), 5.0)
    assert s.closed_by == "bot"
    await s.wait_closed()


async def test_packet_loss_and_jitter(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot
    s = session_for(url, options=MediaOptions(loss_rate=0.2, jitter_ms=8.0, seed=3))
    await s.start()
    await asyncio.sleep(1.5)
    await s.close("customer")
    media = fake.sessions[0].of("media")
    chunks = [int(m["media"]["chunk"]) for m in media]
    total = chunks[-1]
    assert chunks == sorted(chunks)  # jitter keeps the order
    lost = total - len(chunks)
    assert lost == s.lost_frames
    assert 0.08 <= lost / total <= 0.35


async def test_side_channel_over_the_websocket(bot: tuple[FakeBot, str]) -> None:
    fake, url = bot

    async def announce(b: BotSession) -> None:
        await b.wait_start()
        await b.send(
            {
                "event": WS_BOT_SAID,
                "streamSid": b.stream_sid,
                "botSaid": {"promptId": "greeting", "text": "您好"},
            }
        )

    fake.handler = announce
    channel = InMemorySideChannel()
    s = session_for(url, options=MediaOptions(ws_side_channel=True), side_channel=channel)
    await s.start()
    await s.wait_for(lambda: bool(s.prompts), 3.0)
    prompt = s.latest_prompt()
    assert prompt is not None and prompt.prompt_id == "greeting"
    assert channel.history[0][1] == "bot_said"
    await s.inject_transcript("好的", 0.9)
    b = fake.sessions[0]
    await b.wait_for(lambda: bool(b.of("x-sim-transcript")))
    assert b.of("x-sim-transcript")[0]["transcript"] == {"text": "好的", "confidence": 0.9}
    await s.close()
