"""Persona customers on real calls: carrier -> websocket -> fake bot, text and audio mode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from simulator import audio
from simulator.calls import DEFAULT_ACCOUNT_SID, CarrierTiming
from simulator.carrier import SimCarrier
from simulator.clocks import ScaledClock
from simulator.customer import PersonaCallee, PersonaLinePlan, SpeechMode
from simulator.lines import Answer, Busy, NoAnswer
from simulator.personas import load_personas
from simulator.sidechannel import InjectedTranscript, InMemorySideChannel
from tests.simulator.fakebot import BotSession, FakeBot

FAST = CarrierTiming(initiate_s=(0.01, 0.02), post_dial_s=(0.05, 0.1))
PROMPTS = [
    ("greeting", "您好，请问是王先生本人吗？"),
    ("offer_deposit", "我们有一款定期存款，利率很高，您感兴趣吗？"),
    ("follow_up", "好的，还有其他问题吗？"),
    ("closing", "感谢您的接听，再见。"),
]


def scripted_bot(
    channel: InMemorySideChannel, heard: list[InjectedTranscript], speech: SpeechMode
) -> Callable[[BotSession], Coroutine[Any, Any, None]]:
    async def run(b: BotSession) -> None:
        await b.wait_start()
        sid = str(b.start["callSid"]) if b.start else ""
        for pid, text in PROMPTS:
            channel.bot_said(sid, pid, text)
            await b.send_audio(audio.tone(500, 0.8))
            if pid == "closing":
                await asyncio.sleep(0.6)
                await b.ws.close()
                return
            if speech == "text":
                t = await channel.next_transcript(sid, timeout=15)
                if t is None:
                    return
                heard.append(t)
            else:
                await b.wait_for(b.customer_speaking, timeout=15)
                await b.wait_for(lambda: not b.customer_speaking(), timeout=15)

    return run


async def call_persona(
    persona_id: str,
    bot: tuple[FakeBot, str],
    seed: int,
    speech: SpeechMode = "text",
    rate: float = 0.0,
) -> tuple[PersonaCallee, list[InjectedTranscript]]:
    fake, url = bot
    channel = InMemorySideChannel()
    heard: list[InjectedTranscript] = []
    fake.handler = scripted_bot(channel, heard, speech)
    persona = load_personas()[persona_id]
    plan = PersonaLinePlan(
        {"+8613700000000": persona.model_copy(update={"answer_probability": {"default": 1.0}})},
        language="zh-CN",
        speech=speech,
        word_error_rate=rate,
        seed=seed,
    )
    carrier = SimCarrier(
        clock=ScaledClock(8.0), line_plan=plan, timing=FAST, seed=seed, side_channel=channel
    )
    try:
        call = await carrier.create_call(
            DEFAULT_ACCOUNT_SID, {"To": ["+8613700000000"], "From": ["+8610"], "StreamUrl": [url]}
        )
        await asyncio.wait_for(carrier.wait_final(call.sid), 60)
    finally:
        await carrier.aclose()
    return plan.callees["+8613700000000"][0], heard


async def test_text_mode_persona_answers_each_prompt(bot: tuple[FakeBot, str]) -> None:
    callee, heard = await call_persona("interested", bot, seed=11)
    spoken = [s for s in callee.said if s.text]
    assert [s.prompt_id for s in spoken] == ["greeting", "offer_deposit", "follow_up", "closing"]
    assert spoken[0].intent == "confirm_identity"  # interested customers confirm who they are
    assert spoken[-1].intent == "bye"
    assert [h.text for h in heard] == [s.delivered for s in spoken[:3]]
    assert all(0.3 <= h.confidence <= 1 for h in heard)


async def test_same_seed_same_call(bot: tuple[FakeBot, str]) -> None:
    first, _ = await call_persona("curious", bot, seed=3, rate=0.2)
    again, _ = await call_persona("curious", bot, seed=3, rate=0.2)
    key = [(s.prompt_id, s.intent, s.text, s.delivered) for s in first.said]
    assert key == [(s.prompt_id, s.intent, s.text, s.delivered) for s in again.said]


@pytest.mark.speech
async def test_audio_mode_speaks_the_reply(bot: tuple[FakeBot, str]) -> None:
    callee, _ = await call_persona("interested", bot, seed=11, speech="audio")
    fake, _ = bot
    heard = fake.sessions[-1].customer_audio()
    first = callee.said[0]
    assert first.text and first.delivered is None
    seconds = sum(audio.is_speech_frame(f) for f in audio.frames(heard)) * 0.02
    assert seconds > 1.0  # the replies went down the line as speech


def test_line_plan_answers_by_hour_and_is_deterministic() -> None:
    persona = load_personas()["interested"]  # 0.7 by default, 0.5 at 12-14 local time
    numbers = {f"+86137{i:08d}": persona for i in range(400)}
    morning = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    lunch = datetime(2026, 1, 5, 4, 30, tzinfo=UTC)  # 12:30 in Shanghai

    def answered(plan: PersonaLinePlan, when: datetime) -> list[bool]:
        return [isinstance(plan.behaviour_for(n, when), Answer) for n in numbers]

    a = answered(PersonaLinePlan(numbers, seed=1), morning)
    assert a == answered(PersonaLinePlan(numbers, seed=1), morning)
    assert 0.62 <= sum(a) / len(a) <= 0.78
    b = answered(PersonaLinePlan(numbers, seed=1), lunch)
    assert 0.42 <= sum(b) / len(b) <= 0.58
    plan = PersonaLinePlan(numbers, seed=1)
    kinds = {type(plan.behaviour_for(n, morning)) for n in numbers}
    assert kinds == {Answer, Busy, NoAnswer}
    assert isinstance(PersonaLinePlan({}, seed=1).behaviour_for("+1", morning), NoAnswer)
