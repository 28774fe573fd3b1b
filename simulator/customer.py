"""A persona on the phone: the callee that listens to the bot and answers like a customer.

``PersonaCallee`` waits for each bot prompt (by energy on the played audio, and learns
which prompt it was through the simulator-only side channel when the bot reports it),
asks its ``PersonaPolicy`` for the reply, and then either speaks it (``audio`` mode:
espeak-ng audio on the media stream) or injects it as an ASR result with simulated
recognition errors (``text`` mode). ``PersonaLinePlan`` decides, per dialled number,
whether the persona answers at that hour and how long the phone rings.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from simulator import wer
from simulator.lines import Answer, Busy, CallContext, LineBehaviour, NoAnswer
from simulator.media import MediaSession
from simulator.personas import (
    Persona,
    PersonaPolicy,
    Reply,
    ReplyBank,
    classify_prompt,
    load_reply_bank,
)
from simulator.sidechannel import BotPrompt

SpeechMode = Literal["audio", "text"]


@dataclass(frozen=True)
class SaidTurn:
    """One thing the customer did, for scoring recognition against the truth."""

    t: float  # seconds since the stream started
    prompt_id: str | None
    intent: str | None
    text: str | None  # what the customer meant to say
    delivered: str | None  # text mode: what the bot was given (after simulated errors)
    barge_in: bool = False
    hangup: bool = False


@dataclass
class PersonaCallee:
    """The customer side of an answered call, driven by a persona."""

    policy: PersonaPolicy
    speech: SpeechMode = "audio"
    word_error_rate: float = 0.0
    bot_silence_timeout_s: float = 12.0  # no bot prompt for this long: hang up
    agent_patience_s: float = 30.0  # a live agent may think longer before speaking
    said: list[SaidTurn] = field(default_factory=list)

    async def run(self, session: MediaSession, ctx: CallContext) -> None:
        rng = random.Random(f"{ctx.seed}:wer:{ctx.call_key or ctx.call_sid}")
        bank = self.policy.bank.get(self.policy.language, {})
        vocab = wer.vocabulary_of([p for ps in bank.values() for p in ps], self.policy.language)
        opening = self.policy.opening()
        if opening is not None:
            await session.sleep(opening.delay_s)
            await self._deliver(session, ctx, opening, None, rng, vocab)
        seen = 0
        with_agent = False  # after the bridging line: the voice is a live agent's
        while not session.closed.is_set():
            patience = self.agent_patience_s if with_agent else self.bot_silence_timeout_s
            if not await session.wait_bot_turn_start(seen, patience):
                return  # the bot went quiet (or hung up): put the phone down
            seen = session.bot_turns
            prompt = session.latest_prompt()
            if prompt is not None:  # the bot spoke (a prompt id over the side channel)
                with_agent = classify_prompt(prompt, 0) == "bridge"
                reply = self.policy.reply(prompt, elapsed_s=session.now())
            elif with_agent:  # no prompt: the agent's own words
                reply = self.policy.agent_reply()
            else:
                reply = self.policy.reply(prompt, elapsed_s=session.now())
            if reply.hangup and not reply.text:
                self._log(session, prompt, reply, None)
                await session.sleep(reply.delay_s)
                return
            if reply.barge_in and reply.text:
                await session.sleep(reply.delay_s)
            else:
                await session.wait_bot_turn_end(seen, 120.0)
                seen = max(seen, session.bot_turns)
                if reply.silent or not reply.text:
                    self._log(session, prompt, reply, None)
                    continue
                await session.sleep(reply.delay_s)
            await self._deliver(session, ctx, reply, prompt, rng, vocab)
            if reply.hangup:  # said goodbye to the agent: put the phone down
                await session.sleep(1.0)
                return

    def _log(
        self, session: MediaSession, prompt: BotPrompt | None, reply: Reply, delivered: str | None
    ) -> None:
        self.said.append(
            SaidTurn(
                t=session.now(),
                prompt_id=prompt.prompt_id if prompt else None,
                intent=reply.intent,
                text=reply.text,
                delivered=delivered,
                barge_in=reply.barge_in,
                hangup=reply.hangup,
            )
        )

    async def _deliver(
        self,
        session: MediaSession,
        ctx: CallContext,
        reply: Reply,
        prompt: BotPrompt | None,
        rng: random.Random,
        vocab: list[str],
    ) -> None:
        assert reply.text is not None
        if self.speech == "text":
            heard = wer.corrupt(reply.text, self.word_error_rate, rng, self.policy.language, vocab)
            self._log(session, prompt, reply, heard)
            # the words take time to say: about 0.25 s per unit, as a person speaks
            await session.sleep(0.25 * max(1, len(wer.tokens(reply.text, self.policy.language))))
            if not session.closed.is_set():
                confidence = round(max(0.3, 0.95 - rng.random() * self.word_error_rate), 3)
                await session.inject_transcript(heard, confidence)
            return
        self._log(session, prompt, reply, None)
        await session.play(await ctx.renderer.render(reply.text, self.policy.voice))


@dataclass
class PersonaLinePlan:
    """Numbers assigned to personas; answer or not is drawn per attempt from the
    persona's probability at the local hour (seeded, so a run is reproducible)."""

    personas: Mapping[str, Persona]  # number -> persona
    language: str = "zh-CN"
    speech: SpeechMode = "audio"
    word_error_rate: float = 0.0
    seed: int = 0
    timezone: str = "Asia/Shanghai"
    busy_share: float = 0.2  # of the unanswered attempts, how many find the line busy
    bank: ReplyBank | None = None
    attempts: dict[str, int] = field(default_factory=dict)
    callees: dict[str, list[PersonaCallee]] = field(default_factory=dict)

    def behaviour_for(self, number: str, now: datetime) -> LineBehaviour:
        persona = self.personas.get(number)
        if persona is None:
            return NoAnswer()
        attempt = self.attempts.get(number, 0) + 1
        self.attempts[number] = attempt
        rng = random.Random(f"{self.seed}:line:{number}:{attempt}")
        hour = now.astimezone(ZoneInfo(self.timezone)).hour
        if rng.random() >= persona.answer_probability_at(hour):
            return Busy() if rng.random() < self.busy_share else NoAnswer()
        if self.bank is None:
            self.bank = load_reply_bank()
        policy = PersonaPolicy(
            persona, self.language, seed=self.seed, call_key=f"{number}:{attempt}", bank=self.bank
        )
        callee = PersonaCallee(policy, self.speech, self.word_error_rate)
        self.callees.setdefault(number, []).append(callee)
        return Answer(ring_s=round(rng.uniform(*persona.ring_s), 2), callee=callee)
