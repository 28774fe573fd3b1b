"""A person takes over a live call of a running campaign, in Debian's headless Chromium.

The served product (console, media endpoint, real speech pipeline) runs a campaign against
the simulated carrier, whose persona customer speaks espeak-ng Korean. The agent logs in
(offline, as stored), goes available, gets the alert, accepts, hears the customer (non-silent
audio reaches the page), speaks (a fake microphone playing 440 Hz bursts), and hands back;
the supervisor's floor shows the call appear, change hands and end without a reload.
Afterwards the call has its transcript (bot leg and human leg), stereo recording (the agent's
tone on the line), grade and lead. Screenshots under var/screenshots.
"""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from crm_sync.models import Lead
from dialer.campaigns.models import Attempt
from dialogue.speech.models import CallSummaryRow, CallTranscriptRow
from tests.dialogue.conftest import (  # noqa: F401  (fixtures)
    ko_model,
    ko_registry,
    session_speech_settings,
    speech_root,
)
from tests.handoff.campaign_harness import CAMPAIGN, ServedCampaign, served_campaign
from tests.handoff.conftest import PASSWORD
from tests.handoff.live_harness import tone, tone_share
from tests.handoff.test_console_browser import chromium, shot, write_wav

pytestmark = [pytest.mark.browser, pytest.mark.speech]

# the persona barges in on the bot's first prompt: the score crosses the live threshold
# within seconds instead of after a minute of long prompts
QUICK = {
    "ask_human": 1.0,
    "barge_in": 0.0,
    "drop": 0.0,
    "off_topic": 0.0,
    "silence": 0.0,
    "ask_question": 0.0,
}


def bursts(seconds: float, rate: int = 48000) -> bytes:
    """440 Hz for 0.8 s, then 4 s of silence, repeated: an agent speaking in turns (the
    persona answers when a turn ends, and has time to finish)."""
    on, off = tone(440, 0.8, rate, amp=0.5), bytes(int(4.0 * rate) * 2)
    return (on + off) * int(seconds / 4.8 + 1)


@pytest.fixture
async def served(ko_model: Any, tmp_path: Path) -> AsyncIterator[ServedCampaign]:  # noqa: F811
    # a few customers: a call that goes nowhere (the persona's draw) is followed by the next
    async with served_campaign(tmp_path, customers=3, behaviours=QUICK) as h:
        yield h


async def login(browser: Any, base: str, user: str, lang: str, path: str) -> Any:
    page = await browser.new_page(viewport={"width": 1360, "height": 820})
    await page.goto(f"{base}/console/login?lang={lang}")
    await page.fill("#username", user)
    await page.fill("#password", PASSWORD)
    await page.click("#login")
    await page.wait_for_load_state()
    if not page.url.endswith(path):
        await page.goto(f"{base}{path}")
    await page.wait_for_selector("#conn.ok")
    return page


async def until(cond: Any, timeout: float, what: str) -> Any:
    end = time.monotonic() + timeout
    while True:
        got = await cond()
        if got:
            return got
        assert time.monotonic() < end, what
        await asyncio.sleep(0.1)


async def test_a_person_takes_over_a_campaign_call(served: ServedCampaign, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    mic = write_wav(tmp_path / "mic.wav", bursts(90.0), 48000)
    async with async_playwright() as p:
        browser = await chromium(p, mic)
        try:
            board = await login(browser, served.base, "sue", "zh", "/console/board")
            agent = await login(browser, served.base, "ann", "en", "/console")
            # the stored presence, never a default: offline, and the page says so
            await agent.wait_for_selector("#presence button.on[data-status='offline']")
            assert "not receiving calls" in await agent.inner_text("#idle")
            await agent.click("#enable-audio")
            await agent.click("#presence button[data-status='available']")
            await agent.wait_for_selector("#idle.idle-available")
            assert "Waiting for calls" in await agent.inner_text("#idle")
            await shot(agent, "e2e-agent-idle-en")

            # the campaign dials once an agent is free; the customer soon shows interest
            card = await agent.wait_for_selector("article.card.alert", timeout=90_000)
            assert card is not None
            await agent.wait_for_selector("article.card.alert .chat li")  # the live transcript
            await shot(agent, "e2e-agent-alert-en")
            call_sid = await card.get_attribute("data-call")
            assert call_sid
            row = await board.wait_for_selector(f"#calls tbody tr[data-call='{call_sid}']")
            assert row is not None and call_sid not in await board.inner_text("#calls")
            assert CAMPAIGN in await row.inner_text()

            # the agent reads the card while the bot finishes its sentence (a takeover never
            # cuts the bot's prompt: the agent would wait behind it)
            live = served.console.registry.get(call_sid)
            await until(lambda: _quiet(live), 20, "the bot did not finish its prompt")
            await agent.click("article.card.alert .accept")
            await agent.wait_for_selector("#call:not([hidden])")
            await board.wait_for_selector(f"#calls tr[data-call='{call_sid}'] .mode-human")
            await board.click(f"#calls tr[data-call='{call_sid}']")
            await board.wait_for_selector("#detail-transcript li")
            # the customer's voice reaches the page (the persona answers the agent's turns)
            stats = await until(
                lambda: _customer_heard(agent), 25, "no customer audio reached the agent's page"
            )
            assert stats["played"] is True and stats["firstSentAt"] > 0
            # the customer answers the agent: its line on the agent's live transcript, after
            # the bridging line (the screenshot shows the human leg, not only the bot's)
            await until(
                lambda: _human_leg_shown(agent), 30, "no human-leg line on the agent's page"
            )
            await shot(agent, "e2e-agent-takeover-en")
            await shot(board, "e2e-board-zh")

            await agent.click("#hand-back")
            await agent.wait_for_selector("#idle.idle-wrap_up")
            await board.wait_for_selector(f"#calls tr[data-call='{call_sid}'] .mode-bot")
            # the call ends (the bot says goodbye): its row leaves the floor, no reload
            await board.wait_for_selector(
                f"#calls tr[data-call='{call_sid}']", state="detached", timeout=30_000
            )
            assert await board.evaluate("window.tcFloor.updates") > 3
            assert await board.evaluate("performance.getEntriesByType('navigation').length") == 1
        finally:
            await browser.close()

    await until(lambda: _recorded(served, call_sid), 20, "the call's outcome was not recorded")
    with served.db.read() as s:
        summary = s.get(CallSummaryRow, call_sid)
        rows = list(
            s.scalars(select(CallTranscriptRow).where(CallTranscriptRow.call_sid == call_sid))
        )
        attempt = s.get(Attempt, summary.attempt_id) if summary else None
        leads = (
            list(s.scalars(select(Lead).where(Lead.attempt_id == summary.attempt_id)))
            if summary
            else []
        )
    assert summary is not None and attempt is not None
    assert {r.speaker for r in rows} >= {"bot", "customer"}
    handed = min(r.start_s for r in rows if "연결되었습니다" in r.text)  # the bridging line
    assert any(r.speaker == "customer" and r.start_s >= handed for r in rows), "no human-leg line"
    assert leads and leads[0].handoff_result == "accepted" and leads[0].grade in ("A", "B")
    assert summary.recording_path and Path(summary.recording_path).exists()
    share = _agent_tone_on_line(Path(summary.recording_path))
    assert share > 0.5, "the agent's microphone is not on the line"


async def _quiet(live: Any) -> bool:
    return live is None or not live.control.bot_speaking


async def _human_leg_shown(page: Any) -> bool:
    shown: bool = await page.evaluate(
        """() => {
          const rows = [...document.querySelectorAll('#transcript li.msg')];
          const at = rows.findIndex((li) => li.textContent.includes('연결되었습니다'));
          return at >= 0 && rows.slice(at + 1).some((li) => li.classList.contains('customer'));
        }"""
    )
    return shown


async def _customer_heard(page: Any) -> dict[str, Any] | None:
    stats: dict[str, Any] = await page.evaluate("window.tcStats")
    return stats if stats["customerBytes"] > 16000 and stats["customerPeak"] > 1000 else None


async def _recorded(served: ServedCampaign, call_sid: str) -> bool:
    with served.db.read() as s:
        summary = s.get(CallSummaryRow, call_sid)
        attempt = s.get(Attempt, summary.attempt_id) if summary and summary.attempt_id else None
        return attempt is not None and attempt.status == "ended"


def _agent_tone_on_line(path: Path) -> float:
    """The best share of 440 Hz in any half second of what the customer heard (the
    recording's second channel): the agent's tone dominates while the agent has the line."""
    with wave.open(str(path)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, 2)[:, 1]
    step = rate // 2
    return max(
        (tone_share(x[i : i + step].tobytes(), 440, rate) for i in range(0, len(x) - step, step)),
        default=0.0,
    )
