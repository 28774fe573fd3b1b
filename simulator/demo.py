"""The live demo's simulated world, around a running tailcall (``tailcall serve --demo``).

Everything here is simulated and named so; the product it runs against is the real one:
- ``demo_carrier``: the simulated carrier whose answered calls are persona customers who
  speak (espeak-ng audio, in real time) and answer a live agent after a takeover;
  ``DemoPersonas`` gives every number a persona, the same on every run (from a hash of the
  number), with more keen customers than a real list has, so that a share of the calls
  reaches the live-handoff threshold;
- ``CustomerFeed``: new synthetic customers (Korean names) imported through the real
  call-list import as the campaign's queue runs low, taken into the running campaign
  (``dialer.campaigns.service.extend_audience``), so it never runs dry;
- ``SimulatedAgents``: console agents marked overflow (``handoff.routing``) that take the
  offers no person accepts in time, speak a few lines and end the call, so the board and
  the follow-up queue fill when nobody watches.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import random
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from loguru import logger
from sqlalchemy import func, select

from dialer.campaigns.config import DEV_CARRIER_ACCOUNT, DEV_CARRIER_TOKEN, DialerSettings
from dialer.campaigns.models import Attempt
from dialer.campaigns.service import extend_audience
from dialer.lists.importer import import_call_list
from dialer.lists.models import Customer, ListMember
from dialer.lists.phones import PhoneNormalizer
from handoff.service import HandoffService
from kernel.clock import SystemClock
from kernel.db import Database
from kernel.errors import TailcallError
from kernel.settings import Settings
from simulator import audio
from simulator.carrier import SimCarrier
from simulator.casting import store_profiles
from simulator.customer import PersonaLinePlan
from simulator.media import MediaOptions
from simulator.personas import Persona, load_personas, load_reply_bank
from simulator.population import HEADERS
from simulator.tts import SpeechRenderer, Voice

DEMO_TAG = "demo"  # the demo campaign's audience: customers with this tag
# Shares of the personas' grades among the demo's customers (a real list has far fewer
# keen customers; the demo should show a handoff within a minute or so).
GRADE_SHARES: Mapping[str, float] = {"A": 0.5, "B": 0.25, "C": 0.15, "D": 0.10}
KO_SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
KO_GIVEN = [
    "민준",
    "서연",
    "도윤",
    "지우",
    "하준",
    "서윤",
    "지호",
    "하은",
    "준서",
    "수아",
    "영희",
    "철수",
    "민수",
    "지영",
    "현우",
    "은지",
    "성민",
    "미영",
]
BRANCHES = ("서울 본점", "부산 지점", "인천 지점", "대구 지점", "광주 지점")


class DemoPersonas(Mapping[str, Persona]):
    """A persona for any number, the same on every run: the number's hash picks a grade
    (``GRADE_SHARES``) and a persona of that grade. Numbers are not listed (no iteration)."""

    def __init__(self, personas: Mapping[str, Persona] | None = None, seed: int = 1) -> None:
        every = personas if personas is not None else load_personas()
        self.by_grade: dict[str, list[Persona]] = {}
        for p in sorted(every.values(), key=lambda p: p.id):
            self.by_grade.setdefault(p.grade, []).append(p)
        self.seed = seed

    def __getitem__(self, number: str) -> Persona:
        digest = hashlib.sha256(f"{self.seed}:{number}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") / 2**64
        grades = [g for g in GRADE_SHARES if g in self.by_grade]
        total = sum(GRADE_SHARES[g] for g in grades)
        acc, grade = 0.0, grades[-1]
        for g in grades:
            acc += GRADE_SHARES[g] / total
            if point < acc:
                grade = g
                break
        group = self.by_grade[grade]
        return group[int.from_bytes(digest[8:16], "big") % len(group)]

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def demo_carrier(language: str, personas: DemoPersonas, seed: int = 1) -> SimCarrier:
    """The simulated carrier of the demo: persona customers who speak ``language``."""
    plan = PersonaLinePlan(personas, language, "audio", 0.0, seed, bank=load_reply_bank())
    plan.timezone = "Asia/Seoul" if language == "ko-KR" else plan.timezone
    return SimCarrier(
        clock=SystemClock(),
        line_plan=plan,
        accounts={DEV_CARRIER_ACCOUNT: DEV_CARRIER_TOKEN},
        seed=seed,
        media_options=MediaOptions(seed=seed, ws_side_channel=True),
    )


def write_batch(path: Path, batch: int, n: int) -> None:
    """``n`` synthetic customers with Korean names and Korean mobile numbers, tagged
    ``DEMO_TAG``, as the call-list import reads them."""
    rng = random.Random(batch)
    phones = PhoneNormalizer("KR")

    def mobile() -> str:
        # a Korean mobile number the import takes (phonenumbers refuses some 010 ranges)
        while True:
            number = f"010{rng.randrange(10**8):08d}"
            if phones.normalize(number).ok:
                return number

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADERS)
        for i in range(n):
            w.writerow(
                [
                    f"D{batch}{i:03d}",
                    rng.choice(KO_SURNAMES) + rng.choice(KO_GIVEN),
                    mobile(),
                    rng.randint(1, 5),
                    int(rng.lognormvariate(10.5, 1.2)),
                    rng.choice(BRANCHES),
                    rng.randrange(3000, 40000, 100),
                    DEMO_TAG,
                    f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                ]
            )


@dataclass
class CustomerFeed:
    """Keeps the demo campaign's queue from running dry: when fewer than ``low_water``
    attempts are due, ``batch`` new customers are imported and taken into the campaign."""

    db: Database
    settings: Settings
    dialer: DialerSettings
    campaign_id: int
    personas: DemoPersonas
    script_id: str
    batch: int = 12
    low_water: int = 6
    poll_s: float = 3.0
    imported: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.top_up)
            except TailcallError as exc:
                logger.warning("demo customers not added", reason=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_s)

    def due(self) -> int:
        with self.db.read() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(Attempt)
                    .where(
                        Attempt.campaign_id == self.campaign_id,
                        Attempt.status == "queued",
                        Attempt.due_at <= datetime.now(UTC),
                    )
                )
                or 0
            )

    def top_up(self) -> int:
        """Import a batch when the queue is low; the number of customers queued."""
        if self.due() >= self.low_water:
            return 0
        list_id = self.import_batch()
        with self.db.session() as s:
            rep = extend_audience(
                s,
                self.campaign_id,
                datetime.now(UTC),
                self.dialer,
                self.settings.default_timezone,
            )
        self.imported += rep.queued
        logger.info("demo customers added", queued=rep.queued, list_id=list_id)
        return rep.queued

    def import_batch(self) -> int:
        """``batch`` new customers through the call-list import, each with what the CRM
        knows of their interest (drawn from their persona's grade); the list's id."""
        batch = int(time.time() * 1000) % 10**9
        folder = self.settings.data_dir / "demo"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"customers-{batch}.csv"
        write_batch(path, batch, self.batch)
        try:
            summary = import_call_list(
                self.db,
                path,
                name=f"demo: simulated customers {batch}",
                region="KR",
                reports_root=self.settings.data_dir / "imports",
            )
        finally:
            path.unlink(missing_ok=True)
        with self.db.read() as s:
            rows = s.execute(
                select(Customer.external_id, Customer.phone_e164)
                .join(ListMember, ListMember.customer_id == Customer.id)
                .where(ListMember.list_id == summary.list_id)
            ).all()
        assigned = {str(ext): self.personas[phone] for ext, phone in rows}
        store_profiles(self.db, summary.list_id, assigned, self.script_id, batch)
        return summary.list_id


# What a simulated agent says after taking a call over, line by line (ko-KR).
AGENT_LINES: Mapping[str, Sequence[str]] = {
    "ko-KR": (
        "안녕하세요, 포인트 상담원입니다. 무엇을 도와 드릴까요?",
        "앱에서 내 정보, 포인트 몰을 차례로 누르시면 됩니다. 지금 해 보시겠어요?",
        "네, 잘 하셨습니다. 더 궁금하신 점 있으세요?",
        "통화해 주셔서 감사합니다. 좋은 하루 보내세요.",
    ),
    "zh-CN": (
        "您好，我是积分专员，请问有什么可以帮您？",
        "在手机银行里点我的，再点积分商城就可以了。您现在试一下吗？",
        "好的，您操作得很好。还有别的问题吗？",
        "感谢您的接听，祝您生活愉快。",
    ),
}
AGENT_VOICE = {"ko-KR": Voice(language="ko-KR", speed_wpm=165, pitch=40)}


@dataclass
class SimulatedAgents:
    """Console agents that are simulated (overflow agents: offered a call only when no
    person was free or accepted in time). Each accepts its offers after a short while,
    speaks its lines over the call's agent audio, waits for the customer between them,
    ends the call and is available again after a short wrap-up."""

    service: HandoffService
    agent_ids: Sequence[int]
    language: str = "ko-KR"
    accept_after_s: tuple[float, float] = (1.5, 4.0)
    answer_wait_s: float = 6.0  # the customer's turn between two lines
    wrap_up_s: float = 4.0
    lines: Sequence[str] | None = None  # None: ``AGENT_LINES`` of the language
    bridging_s: float = 3.0  # the bot's bridging line, before the agent speaks
    renderer: SpeechRenderer = field(default_factory=SpeechRenderer)
    taken: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        voice = AGENT_VOICE.get(self.language, Voice(language=self.language))
        for line in self._lines():  # rendered before the first call, not while it waits
            with contextlib.suppress(Exception):
                await self.renderer.render(line, voice)
        tasks = [asyncio.create_task(self._agent(a)) for a in self.agent_ids]
        try:
            await stop.wait()
        finally:
            for t in tasks:
                t.cancel()
            for t in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t

    async def _agent(self, agent_id: int) -> None:
        desk = self.service.desk
        if desk.status(agent_id) != "available":
            with contextlib.suppress(TailcallError):
                desk.set_presence(agent_id, "available")
        sub = self.service.bus.subscribe(agent_id, "agent")
        # open like a person's console, so every dial loop counts this agent as free
        # (handoff.capacity: presence confirmed by the console process)
        desk.console_connected(agent_id)
        try:
            while True:
                event = await sub.queue.get()
                if event is None or event.kind != "offer":
                    continue
                await self._take(agent_id, event.payload)
        finally:
            desk.console_disconnected(agent_id)
            self.service.bus.unsubscribe(sub)

    def _lines(self) -> Sequence[str]:
        if self.lines is not None:
            return self.lines
        return AGENT_LINES.get(self.language, AGENT_LINES["ko-KR"])

    def _holds(self, agent_id: int, call_sid: str) -> bool:
        return any(
            c.get("call_sid") == call_sid and c.get("phase") == "accepted"
            for c in self.service.active_for_agent(agent_id)
        )

    async def _take(self, agent_id: int, card: Mapping[str, object]) -> None:
        request_id, call_sid = card.get("request_id"), str(card.get("call_sid"))
        if not isinstance(request_id, int):
            return
        await asyncio.sleep(random.uniform(*self.accept_after_s))
        try:
            await self.service.accept(agent_id, request_id)
        except TailcallError:
            return  # lapsed or withdrawn meanwhile
        self.taken += 1
        lines = self._lines()
        voice = AGENT_VOICE.get(self.language, Voice(language=self.language))
        await asyncio.sleep(self.bridging_s)
        for line in lines:
            if not self._holds(agent_id, call_sid):
                break
            await self._say(agent_id, line, voice)
            await self._quiet(agent_id, self.answer_wait_s)
        if self._holds(agent_id, call_sid):
            with contextlib.suppress(TailcallError):
                await self.service.end_call(
                    agent_id, call_sid, "agent_handled", "simulated agent (demo)"
                )
        await asyncio.sleep(self.wrap_up_s)
        if self.service.desk.status(agent_id) == "wrap_up":
            with contextlib.suppress(TailcallError):
                self.service.desk.set_presence(agent_id, "available")

    async def _quiet(self, agent_id: int, seconds: float) -> None:
        """The microphone while the agent listens: silence, sent as a browser sends it
        (the recognizer of the agent's side hears the end of each line)."""
        chunk = bytes(2 * 16000 // 10)  # 100 ms
        for _ in range(round(seconds * 10)):
            await self.service.agent_audio_in(agent_id, chunk)
            await asyncio.sleep(0.1)

    async def _say(self, agent_id: int, text: str, voice: Voice) -> None:
        """The line as the agent's browser would send it: PCM16 16 kHz, in real time."""
        mulaw = await self.renderer.render(text, voice)
        pcm8k = audio.mulaw_to_pcm16(mulaw)
        pcm16k = audio.resample(pcm8k, audio.SAMPLE_RATE, 16000)
        chunk = 16000 // 10  # 100 ms
        for i in range(0, len(pcm16k), chunk):
            part = np.asarray(pcm16k[i : i + chunk], dtype=np.int16).tobytes()
            await self.service.agent_audio_in(agent_id, part)
            await asyncio.sleep(0.1)
