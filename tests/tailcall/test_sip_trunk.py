"""A dialer call over the SIP trunk in the app ``tailcall serve`` builds (TAILCALL_CARRIER=sip):
the dial loop places it, baresip answers and plays a customer's ko-KR WAV (rendered by the
simulator's TTS) and records what it hears; the bot's greeting arrives over RTP, the
customer's words (asking for an agent) are recognised and stored in the transcript, the
agent is offered the call and takes it over, the agent's audio reaches the customer, the
call is recorded, and when the trunk hangs up the attempt's outcome and the SIP end reason
are on the attempt."""

from __future__ import annotations

import asyncio
import concurrent.futures
import shutil
import wave
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pytest
from sqlalchemy import select

from dialer.campaigns.models import Attempt
from dialer.campaigns.service import create_campaign, start_campaign
from dialer.campaigns.worker import Dialer
from dialogue.speech.models import CallSummaryRow, CallTranscriptRow
from handoff.live import BRIDGING_MAX_S
from handoff.models import HandoffRequestRow, Offer
from handoff.state import get_console
from kernel.actors import Actor
from kernel.db import Database
from kernel.settings import Settings
from simulator import audio
from simulator.tts import Voice, render_wav
from tailcall.app import create_app
from tests.conftest import missing
from tests.dialer.carriers.sip.peers import (
    HOST,
    Baresip,
    dominant_hz,
    free_udp_port,
    rtp_range,
    tone,
)
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec
from tests.dialogue.conftest import ko_model, ko_registry, session_speech_settings, speech_root
from tests.handoff.conftest import add_user

__all__ = ["ko_model", "ko_registry", "session_speech_settings", "speech_root"]  # fixtures

pytestmark = [pytest.mark.sip, pytest.mark.speech]
T = TypeVar("T")
SPEECH_AT_S = 2.5  # the customer speaks over the greeting (barge-in) after this
AGENT_TONE_S = 1.0  # the agent's "voice" after the takeover: a 1 kHz tone


async def _take_over(app: Any, db: Database, agent: int) -> None:
    """The offered agent accepts; once the line is theirs, their audio goes to the customer."""
    console = get_console(app)

    def request() -> HandoffRequestRow | None:
        with db.read() as s:
            return s.scalar(select(HandoffRequestRow))

    row = await _until(request, 15, "no handoff request")

    def offered() -> Offer | None:
        with db.read() as s:
            return s.scalar(select(Offer).where(Offer.agent_id == agent))

    await _until(offered, 10, "the agent was not offered the call")
    await console.service.accept(agent, row.id)
    live = await _until(lambda: console.registry.get(row.call_sid), 5, "no live call")
    # the line is the agent's once the bot has said what it had queued (the greeting's
    # required statements are never cut) and the bridging line: at most BRIDGING_MAX_S
    await _until(
        lambda: live.control.switch.output.mode == "human", BRIDGING_MAX_S + 5, "not taken over"
    )
    chunk = tone(0.02, 1000.0)
    pcm16k = audio.resample(np.frombuffer(chunk, "<i2"), 8000, 16000).astype("<i2").tobytes()
    for _ in range(int(AGENT_TONE_S / 0.02)):
        await console.service.agent_audio_in(agent, pcm16k)
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.5)


@pytest.fixture(autouse=True)
def _peers() -> None:
    if shutil.which("baresip") is None:
        missing("baresip is not installed (Debian package baresip)")


async def customer_on_trunk(workdir: Path, wav: Path, monkeypatch: pytest.MonkeyPatch) -> Baresip:
    """baresip as the customer (+8613800000000, playing ``wav``), started, with the
    trunk's ``TAILCALL_SIP_*`` pointing at it."""
    peer = Baresip(workdir, play=wav, user="+8613800000000")
    workdir.mkdir()
    await peer.start()
    low, high = rtp_range(4)
    for name, value in {
        "HOST": HOST,
        "PORT": str(peer.port),
        "LOCAL_HOST": HOST,
        "LOCAL_PORT": str(free_udp_port()),
        "RTP_PORT_MIN": str(low),
        "RTP_PORT_MAX": str(high),
        "MAX_CALLS": "4",
    }.items():
        monkeypatch.setenv(f"TAILCALL_SIP_{name}", value)
    return peer


def _customer_wav(path: Path, text: str) -> Path:
    samples, rate = audio.wav_to_pcm16(render_wav(text, Voice(language="ko-KR")))
    pcm = audio.resample(samples, rate, 8000).astype("<i2").tobytes()
    body = (
        bytes(int(SPEECH_AT_S * 8000) * 2) + pcm + bytes(40 * 8000 * 2)
    )  # baresip stops at its end
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(body)
    return path


def _attempt(db: Database) -> int:
    now = datetime.now(UTC)
    with db.session() as s:
        customers = add_customers(s, 1, points=12000)
        customers[0].name = "김민수"
        cl = add_list(s, customers)
        spec = make_spec(
            [cl.id],
            script_id="points_reminder",
            language="ko-KR",
            live_handoff=True,
            handoff_skill="general",
        )
        c = create_campaign(s, spec, now, by=Actor.system("test"))
        start_campaign(s, c.id, now, fast_settings(), "Asia/Seoul", by=Actor.system("test"))
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        return a.id


async def _in_thread(fn: Callable[[], T]) -> T:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, fn)


async def _until(cond: Callable[[], T | None], timeout: float, what: str) -> T:
    end = asyncio.get_running_loop().time() + timeout
    while True:
        got = cond()
        if got:
            return got
        assert asyncio.get_running_loop().time() < end, what
        await asyncio.sleep(0.1)


def _heard(workdir: Path) -> np.ndarray[Any, Any]:
    dumps = sorted((workdir / "heard").glob("*-dec.wav"))
    assert dumps, f"baresip recorded nothing: {list((workdir / 'heard').iterdir())}"
    with wave.open(str(dumps[0])) as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), "<i2")
        if w.getnchannels() > 1:
            pcm = pcm[:: w.getnchannels()]
    assert rate == 8000
    # the end of the call is where the agent spoke: cut the trailing silence
    loud = np.flatnonzero(np.abs(pcm) > 500)
    return pcm[: loud[-1] + 1] if len(loud) else pcm


async def test_a_sip_call_greets_the_customer_and_hears_them(
    settings: Settings,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ko_model: Any,
) -> None:
    wav = _customer_wav(tmp_path / "customer.wav", "상담원 연결")
    peer = await customer_on_trunk(tmp_path / "peer", wav, monkeypatch)
    settings = settings.model_copy(update={"carrier": "sip"})
    aid = _attempt(db)
    agent = add_user(db, "ann", skills=("general",), status="available")
    app = create_app(settings, db, media=True)
    try:
        async with app.router.lifespan_context(app):
            desk = get_console(app).desk  # handoff-aware pacing counts the free agent
            dialer = Dialer(db, settings, fast_settings(), app.state.sip_carrier, agents=desk)
            assert (await _in_thread(dialer.tick)).dialed == 1

            def customer_line() -> CallTranscriptRow | None:
                with db.read() as s:
                    return s.scalar(
                        select(CallTranscriptRow).where(
                            CallTranscriptRow.attempt_id == aid,
                            CallTranscriptRow.speaker == "customer",
                        )
                    )

            try:
                line = await _until(customer_line, 25, "the customer's words were not recognised")
            except AssertionError:
                with db.read() as s:  # what happened instead, for the failure report
                    for r in s.scalars(select(CallTranscriptRow)):
                        print("transcript:", r.speaker, r.text, r.matched, r.start_s)
                    a0 = s.get(Attempt, aid)
                    print("attempt:", a0 and (a0.status, a0.outcome, a0.end_reason))
                print(peer.log())
                raise
            assert line.matched == "상담원 연결"
            await _take_over(app, db, agent)
        # the trunk stopped: BYE, the pipeline ended, the outcome recorded

        def ended() -> Attempt | None:
            with db.read() as s:
                a = s.get(Attempt, aid)
                return a if a is not None and a.status == "ended" else None

        a = await _until(ended, 15, "the attempt did not end")
        assert a.outcome == "answered" and a.answered_at is not None
        assert a.carrier_sid is not None and a.end_reason and a.end_reason.startswith("SIP:")
        sid = a.carrier_sid

        def summary_row() -> CallSummaryRow | None:
            with db.read() as s:
                return s.get(CallSummaryRow, sid)  # written by the recorder's thread

        summary = await _until(summary_row, 10, "no call summary")
        assert summary.greeting_latency_s is not None
        assert summary.recording_path and Path(summary.recording_path).exists()
        heard = _heard(peer.workdir)
        greeting = heard[: int(8000 * SPEECH_AT_S)]
        assert np.sqrt(np.mean(greeting.astype(float) ** 2)) > 300, "no greeting reached baresip"
        assert abs(dominant_hz(heard[-int(8000 * AGENT_TONE_S) :]) - 1000) < 30  # the agent
    finally:
        await peer.stop()
