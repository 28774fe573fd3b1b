"""Scripted far ends: carrier announcements, voicemail, and step-by-step customers.

The persona-driven customer lives in ``simulator.customer``; these are the fixed
behaviours the line plans and tests use (hang up mid-call, long silence, barge-in...).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simulator import audio, tts
from simulator.lines import CallContext, UnreachableKind
from simulator.media import MediaSession

BEEP = audio.tone(1000.0, 0.5, amplitude=0.4)


@dataclass(frozen=True)
class Say:
    text: str
    language: str = "zh-CN"
    voice: tts.Voice | None = None


@dataclass(frozen=True)
class SayAudio:
    mulaw: bytes


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class WaitBotTurn:
    """Wait for the bot's next turn to start and finish."""

    timeout_s: float = 30.0


@dataclass(frozen=True)
class BargeIn:
    """Wait for the bot to start its next turn, then talk over it after ``after_s``."""

    text: str
    after_s: float = 0.8
    language: str = "zh-CN"


@dataclass(frozen=True)
class Dtmf:
    digits: str


@dataclass(frozen=True)
class Inject:
    """Text mode: deliver a reply as an ASR result (simulator-only side channel)."""

    text: str
    confidence: float = 0.95


@dataclass(frozen=True)
class HangUp:
    pass


Step = Say | SayAudio | Pause | WaitBotTurn | BargeIn | Dtmf | Inject | HangUp


async def speak(session: MediaSession, ctx: CallContext, text: str, voice: tts.Voice) -> bool:
    """Render ``text`` and play it; False if the call ended first."""
    return await session.play(await ctx.renderer.render(text, voice))


class ScriptedCallee:
    """Runs ``steps`` in order, then holds the line for up to ``hold_s`` and hangs up."""

    def __init__(self, steps: Sequence[Step], hold_s: float = 120.0) -> None:
        self.steps = tuple(steps)
        self.hold_s = hold_s
        self.seen_turns = 0

    async def run(self, session: MediaSession, ctx: CallContext) -> None:
        for step in self.steps:
            if session.closed.is_set():
                return
            match step:
                case Say(text=text, language=lang, voice=voice):
                    await speak(session, ctx, text, voice or tts.Voice(language=lang))
                case SayAudio(mulaw=data):
                    await session.play(data)
                case Pause(seconds=s):
                    await session.sleep(s)
                case WaitBotTurn(timeout_s=t):
                    turn = self.seen_turns + 1
                    if await session.wait_bot_turn_start(self.seen_turns, t):
                        await session.wait_bot_turn_end(turn, t)
                    self.seen_turns = max(self.seen_turns, session.bot_turns)
                case BargeIn(text=text, after_s=after, language=lang):
                    if await session.wait_bot_turn_start(self.seen_turns, 30.0):
                        self.seen_turns = session.bot_turns
                        await session.sleep(after)
                        voice = tts.Voice(language=lang)
                        session.play_nowait(await ctx.renderer.render(text, voice))
                case Dtmf(digits=digits):
                    for d in digits:
                        await session.send_dtmf(d)
                        await session.sleep(0.2)
                case Inject(text=text, confidence=conf):
                    await session.inject_transcript(text, conf)
                case HangUp():
                    return
        await session.sleep(self.hold_s)


def hangs_up_after(seconds: float, language: str = "zh-CN") -> ScriptedCallee:
    """Listens for ``seconds`` then hangs up mid-call."""
    return ScriptedCallee([Pause(seconds), HangUp()])


def silent(seconds: float) -> ScriptedCallee:
    """Answers and says nothing for ``seconds`` (long silence), then hangs up."""
    return ScriptedCallee([Pause(seconds), HangUp()])


BARGE_IN_LINES = {
    "zh-CN": "喂，等一下，我有个问题。",
    "ko-KR": "잠깐만요 질문이 있어요",
    "en-US": "Wait, wait, I have a question.",
}


def barges_in(language: str = "zh-CN") -> ScriptedCallee:
    """Talks over the bot's first prompt, then listens."""
    return ScriptedCallee(
        [
            BargeIn(BARGE_IN_LINES.get(language, BARGE_IN_LINES["en-US"]), 0.8, language),
            Pause(4.0),
            HangUp(),
        ]
    )


class AnnouncementCallee:
    """The network's recorded announcement for an unreachable number (early media)."""

    def __init__(self, kind: UnreachableKind, repeats: int = 1) -> None:
        self.kind = kind
        self.repeats = repeats

    async def run(self, session: MediaSession, ctx: CallContext) -> None:
        clip = await ctx.renderer.render(tts.ANNOUNCEMENTS[self.kind], tts.ANNOUNCEMENT_VOICE)
        for i in range(self.repeats):
            if i:
                await session.sleep(0.8)
            if not await session.play(clip):
                return
        await session.sleep(0.3)


class VoicemailCallee:
    """A voicemail box: greeting, beep, then records until hang-up or ``max_message_s``."""

    def __init__(self, language: str = "zh-CN", max_message_s: float = 30.0) -> None:
        self.language = language
        self.max_message_s = max_message_s

    async def run(self, session: MediaSession, ctx: CallContext) -> None:
        greeting = tts.VOICEMAIL_GREETINGS.get(self.language, tts.VOICEMAIL_GREETINGS["en-US"])
        voice = tts.Voice(language=self.language, speed_wpm=170, pitch=60)
        if not await speak(session, ctx, greeting, voice):
            return
        await session.sleep(0.3)
        if not await session.play(BEEP):
            return
        await session.sleep(self.max_message_s)
