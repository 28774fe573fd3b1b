"""A person takes over a SIP call in Debian's headless Chromium.

The app ``tailcall serve`` builds with TAILCALL_CARRIER=sip: the dial loop places the call
over the trunk to baresip, which answers and plays a customer's ko-KR WAV (rendered by the
simulator's TTS: "상담원 연결", then "여보세요" every few seconds) and records what it hears.
The agent logs in, goes available (only then is the call dialed), gets the alert for the
SIP call, accepts, hears the customer in the page (non-silent audio reaches it), speaks
through a fake microphone (440 Hz bursts) and ends the call; baresip's recording holds the
agent's tone, the attempt ends answered with the SIP end reason. Screenshots under
var/screenshots.
"""

from __future__ import annotations

import asyncio
import shutil
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from dialer.campaigns.models import Attempt
from dialer.campaigns.worker import Dialer
from dialogue.speech.models import CallTranscriptRow
from handoff.state import get_console
from kernel.db import Database
from kernel.settings import Settings
from simulator import audio
from simulator.server import AppServer
from simulator.tts import Voice, render_wav
from tailcall.app import create_app
from tests.conftest import missing
from tests.dialer.conftest import fast_settings
from tests.dialogue.conftest import ko_model, ko_registry, session_speech_settings, speech_root
from tests.handoff.conftest import add_user
from tests.handoff.live_harness import tone, tone_share
from tests.handoff.test_campaign_browser import login, until
from tests.handoff.test_console_browser import chromium, shot, write_wav
from tests.tailcall.test_sip_trunk import (
    _attempt,
    _heard,
    _in_thread,
    _until,
    customer_on_trunk,
)

__all__ = ["ko_model", "ko_registry", "session_speech_settings", "speech_root"]  # fixtures

pytestmark = [pytest.mark.sip, pytest.mark.speech, pytest.mark.browser]
ASK_AT_S = 2.5  # the customer asks for an agent over the greeting
CHATTER_FROM_S = 7.0  # then says "여보세요" every CHATTER_EVERY_S (heard by the agent)
CHATTER_EVERY_S = 2.5


@pytest.fixture(autouse=True)
def _peers() -> None:
    if shutil.which("baresip") is None:
        missing("baresip is not installed (Debian package baresip)")


def _say(text: str) -> np.ndarray[Any, Any]:
    samples, rate = audio.wav_to_pcm16(render_wav(text, Voice(language="ko-KR")))
    return audio.resample(samples, rate, 8000).astype("<i2")


def _customer_wav(path: Path, seconds: float = 60.0) -> Path:
    """The customer: asks for an agent, then keeps saying hello until the call ends."""
    line = np.zeros(int(seconds * 8000), "<i2")
    ask = _say("상담원 연결")
    at = int(ASK_AT_S * 8000)
    line[at : at + len(ask)] = ask
    hello = _say("여보세요")
    t = CHATTER_FROM_S
    while (t + CHATTER_EVERY_S) < seconds:
        at = int(t * 8000)
        line[at : at + len(hello)] = hello
        t += CHATTER_EVERY_S
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(line.tobytes())
    return path


def _microphone(path: Path, seconds: float = 90.0, rate: int = 48000) -> Path:
    """The agent speaking in turns: 440 Hz for 0.8 s, then 1.2 s of silence."""
    turn = tone(440, 0.8, rate, amp=0.5) + bytes(int(1.2 * rate) * 2)
    return write_wav(path, turn * int(seconds / 2.0 + 1), rate)


async def test_an_agent_takes_over_a_sip_call_in_the_browser(
    settings: Settings,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ko_model: Any,
) -> None:
    from playwright.async_api import async_playwright

    peer = await customer_on_trunk(
        tmp_path / "peer", _customer_wav(tmp_path / "customer.wav"), monkeypatch
    )
    settings = settings.model_copy(update={"carrier": "sip"})
    aid = _attempt(db)
    add_user(db, "ann", skills=("general",))  # offline, as after a login
    mic = _microphone(tmp_path / "mic.wav")
    app = create_app(settings, db, media=True)
    try:
        async with app.router.lifespan_context(app), AppServer(app) as server:
            async with async_playwright() as p:
                browser = await chromium(p, mic)
                try:
                    agent = await login(browser, server.base_url, "ann", "en", "/console")
                    await agent.click("#enable-audio")
                    await agent.click("#presence button[data-status='available']")
                    await agent.wait_for_selector("#idle.idle-available")
                    # the dial loop counts the free agent and places the SIP call
                    desk = get_console(app).desk
                    dialer = Dialer(
                        db, settings, fast_settings(), app.state.sip_carrier, agents=desk
                    )
                    assert (await _in_thread(dialer.tick)).dialed == 1
                    card = await agent.wait_for_selector("article.card.alert", timeout=30_000)
                    assert card is not None
                    call_sid = await card.get_attribute("data-call")
                    assert call_sid and call_sid.startswith("SIP")
                    await agent.wait_for_selector("article.card.alert .chat li")
                    await shot(agent, "e2e-sip-alert-en")
                    await agent.click("article.card.alert .accept")
                    await agent.wait_for_selector("#call:not([hidden])")
                    live = get_console(app).registry.get(call_sid)
                    assert live is not None
                    await _until(
                        lambda: live.control.switch.output.mode == "human", 15, "not taken over"
                    )
                    # the customer's voice reaches the page; the microphone goes out
                    stats = await until(
                        lambda: _customer_heard(agent), 15, "no customer audio reached the page"
                    )
                    assert stats["played"] is True
                    await asyncio.sleep(4)  # two of the agent's turns reach the line
                    assert (await agent.evaluate("window.tcStats")).get("firstSentAt", 0) > 0
                    await shot(agent, "e2e-sip-takeover-en")
                    await agent.click("#end-call")
                    await agent.wait_for_selector("#idle.idle-wrap_up")
                finally:
                    await browser.close()

            def ended() -> Attempt | None:
                with db.read() as s:
                    a = s.get(Attempt, aid)
                    return a if a is not None and a.status == "ended" else None

            a = await _until(ended, 15, "the attempt did not end")
        assert a.outcome == "answered" and a.end_reason and a.end_reason.startswith("SIP:")
        with db.read() as s:
            rows = list(
                s.scalars(select(CallTranscriptRow).where(CallTranscriptRow.attempt_id == aid))
            )
        assert any(r.speaker == "customer" and r.matched == "상담원 연결" for r in rows)
        assert any(r.speaker == "bot" and "연결되었습니다" in r.text for r in rows)  # bridging
        heard = _heard(peer.workdir)
        step = 4000  # half a second at 8 kHz
        share = max(
            tone_share(heard[i : i + step].tobytes(), 440, 8000)
            for i in range(0, len(heard) - step, step)
        )
        assert share > 0.5, "the agent's microphone did not reach baresip"
    finally:
        await peer.stop()


async def _customer_heard(page: Any) -> dict[str, Any] | None:
    stats: dict[str, Any] = await page.evaluate("window.tcStats")
    return stats if stats["customerBytes"] > 16000 and stats["customerPeak"] > 1000 else None
