"""The console in Debian's headless Chromium with a fake microphone (a 440 Hz WAV): log in,
a simulated call crosses the threshold, the alert appears, accept, the agent's voice reaches
the simulated customer and the customer's reaches the page, hand back, the bot resumes."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dialogue.intent.scorer import HandoffRequest, Reason
from dialogue.speech.settings import SpeechSettings
from kernel.db import Database
from kernel.settings import Settings
from scripts.loader import current_script
from tests.dialogue.conftest import (  # noqa: F401  (fixtures)
    ko_model,
    ko_registry,
    session_speech_settings,
    speech_root,
)
from tests.handoff.conftest import PASSWORD, add_user
from tests.handoff.live_harness import LiveHarness, live_server, tone, tone_share

pytestmark = [pytest.mark.browser, pytest.mark.speech]

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]


SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


async def shot(page: Any, name: str) -> Path:
    """A full-page screenshot under var/screenshots (looked at after the run)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def chromium(playwright: Any, mic: Path) -> Any:
    """Debian's headless Chromium whose fake microphone plays ``mic`` (a WAV)."""
    return await playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*FLAGS, f"--use-file-for-fake-audio-capture={mic}"],
    )


def write_wav(path: Path, pcm: bytes, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return path


@pytest.fixture
async def live(
    settings: Settings,
    handoff_db: Database,
    session_speech_settings: SpeechSettings,  # noqa: F811
    ko_model: Any,  # noqa: F811
    tmp_path: Path,
) -> AsyncIterator[LiveHarness]:
    add_user(handoff_db, "ann", skills=("wealth",), status="available")
    async with live_server(settings, handoff_db, session_speech_settings, ko_model, tmp_path) as h:
        yield h


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    mic = write_wav(tmp_path / "mic.wav", tone(440, 20.0, 48000, amp=0.5), 48000)
    async with async_playwright() as p:
        b = await chromium(p, mic)
        try:
            yield b
        finally:
            await b.close()


async def talk_until(call: Any, cond: Any, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "condition not met in time"
        await call.silence(0.1)


async def test_agent_takes_over_in_the_browser_and_hands_back(
    live: LiveHarness, browser: Any
) -> None:
    page = await browser.new_page()
    await page.goto(f"{live.base}/console/login?lang=en")
    await page.fill("#username", "ann")
    await page.fill("#password", PASSWORD)
    await page.click("#login")
    await page.wait_for_url(f"{live.base}/console")
    await page.wait_for_selector("#conn.ok")
    assert await page.inner_text("h1") == "Agent console"
    await page.wait_for_selector("#presence button.on[data-status='available']")
    assert "Waiting for calls" in await page.inner_text("#idle")
    await shot(page, "agent-idle-en")

    async with live.call("CA-web-1") as call:
        await call.wait_bot_quiet()
        rid = await live.console.service.request_handoff(
            HandoffRequest(
                call_sid="CA-web-1",
                customer_id=None,
                score=0.93,
                grade="A",
                reasons=(Reason("asked_rate", "询问收益率", "asked about the rate"),),
                skill="wealth",
                state="transfer_agent",
                requested_at=datetime.now(UTC),
                script_id="points_reminder",
                language="en-US",
            )
        )
        card = await page.wait_for_selector(f"#offer-{rid}", timeout=5000)
        assert card is not None and "asked about the rate" in await card.inner_text()
        # the scorer's later view of the call replaces the card's score and reasons
        live.console.service.score_update(
            "CA-web-1", 0.97, "A", (Reason("asked_how", "询问办理方式", "asked how to apply"),)
        )
        deadline = time.monotonic() + 5
        while "asked how to apply" not in await card.inner_text():  # the page's CSP: no eval
            assert time.monotonic() < deadline, "the card did not show the new score"
            await asyncio.sleep(0.05)
        assert "97" in await card.inner_text()
        await shot(page, "agent-alert-en")

        await page.click(f"#offer-{rid} .accept")
        await page.wait_for_selector("#call:not([hidden])")
        live_call = live.console.registry.get("CA-web-1")
        assert live_call is not None
        await talk_until(call, lambda: live_call.control.switch.output.mode == "human", 15)
        # the fake microphone's 440 Hz tone reaches the customer
        since = call.now()
        await call.silence(1.5)
        heard = b"".join(p for t, p in call.bot_audio if t >= since)
        assert tone_share(heard, 440, 8000) > 0.5, "the agent's microphone did not reach the line"
        # the customer's 660 Hz tone reaches the page and is played
        await call.send_pcm(tone(660, 1.0, 8000))
        await asyncio.sleep(0.3)
        stats = await page.evaluate("window.tcStats")
        assert stats["customerBytes"] > 16000  # > 0.5 s of 16 kHz PCM16
        assert stats["customerPeak"] > 3000 and stats["played"] is True
        await shot(page, "agent-takeover-en")

        # hand back at a state chosen from the script's: the default (the script's
        # after-agent state) first, each with the start of what the bot says there
        brain = live.brains["CA-web-1"]
        options = await page.eval_on_selector_all(
            "#resume-state option", "os => os.map(o => [o.value, o.textContent])"
        )
        assert options[0][0] == "" and options[0][1].startswith("Script default: end_after_agent")
        script = current_script("points_reminder", "en-US")
        assert [v for v, _ in options[1:]] == list(script.states)
        explain = dict(options)["explain_redeem"]
        assert explain.startswith("explain_redeem · ") and "{" not in explain
        await page.select_option("#resume-state", "explain_redeem")
        await page.click("#hand-back")
        await talk_until(call, lambda: type(brain.events[-1]).__name__ == "AgentHandBack", 10)
        assert brain.state == "explain_redeem" and live_call.mode == "bot"
        before = len(call.bot_audio)
        await talk_until(call, lambda: len(call.bot_audio) > before + 20, 15)  # the bot speaks
        await page.wait_for_selector("#call[hidden]", state="attached")
