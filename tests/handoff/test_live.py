"""A live call's takeover: the bridging line is heard out, then the agent."""

from __future__ import annotations

import asyncio

from dialogue.engine import HandoffAccepted
from dialogue.speech.gates import InputGate, OutputGate, TakeoverSwitch
from handoff.live import LiveCall, LiveCallRegistry


class Sink:
    async def customer_audio(self, pcm: bytes, sample_rate: int) -> None:
        return None


class BusyBot:
    """The bot is still saying an earlier prompt when the agent accepts; it stops for a
    moment, then says the bridging line (already queued), then is done."""

    def __init__(self) -> None:
        self.out = OutputGate()
        self._switch = TakeoverSwitch(InputGate(), self.out)
        self.t0 = 0.0
        self.speaking = [(0.0, 0.3), (0.33, 0.8)]  # seconds after the accept

    @property
    def switch(self) -> TakeoverSwitch:
        return self._switch

    @property
    def bot_speaking(self) -> bool:
        t = asyncio.get_running_loop().time() - self.t0
        return any(a <= t < b for a, b in self.speaking)

    async def engine_event(self, event: object) -> bool:
        return True  # the engine answers the accept with a bridging line

    async def say(self, text: str) -> None:
        return None

    async def end(self, disposition: str) -> None:
        return None


async def test_the_agent_waits_for_the_bridging_line_not_the_prompt_before_it() -> None:
    control = BusyBot()
    live = LiveCall("CA1", control)
    control.t0 = asyncio.get_running_loop().time()
    task = asyncio.create_task(live.take_over(Sink(), HandoffAccepted("7")))
    await asyncio.sleep(0.6)
    assert control.switch.output.mode == "bot"  # the bridging line is still playing
    await asyncio.wait_for(task, 3)
    assert control.switch.output.mode == "human" and control.switch.input.mode == "human"


class CountingSide:
    """A side recognizer that counts what it was given and whether it was flushed."""

    def __init__(self) -> None:
        self.fed = 0
        self.flushed = False

    async def feed(self, pcm: bytes) -> None:
        self.fed += len(pcm)

    async def flush(self) -> None:
        self.flushed = True


async def test_a_call_ending_while_the_agent_has_it_finishes_both_transcripts() -> None:
    sides: list[CountingSide] = []

    def factory(_on_final: object) -> CountingSide:
        sides.append(CountingSide())
        return sides[-1]

    control = BusyBot()
    control.speaking = []
    live = LiveCall("CA2", control, side_factory=factory)  # type: ignore[arg-type]
    registry = LiveCallRegistry()
    registry.register(live)
    await live.take_over(Sink(), None)
    await asyncio.wait_for(live._side_task, 3)  # type: ignore[arg-type]
    await live.agent_audio(bytes(1000))  # under a batch: only the close transcribes it
    assert len(sides) == 2
    registry.unregister("CA2")  # the customer hung up on the agent
    for _ in range(100):
        if all(s.flushed for s in sides):
            break
        await asyncio.sleep(0.01)
    assert all(s.flushed for s in sides) and sides[1].fed == 1000
