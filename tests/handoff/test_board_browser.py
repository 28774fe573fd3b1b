"""The supervisor board in headless Chromium: agents and their presence; a call appears,
changes hands and ends without a reload; the daily report's anomalies as alerts."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn

from dialogue.intent.scorer import HandoffRequest
from handoff.floor import Party
from handoff.live import LiveCall
from tests.handoff.conftest import PASSWORD, ConsoleApp, add_user
from tests.handoff.test_console_browser import shot
from tests.handoff.test_service import FakeControl

pytestmark = pytest.mark.browser


@pytest.fixture
async def server(console_app: ConsoleApp) -> AsyncIterator[str]:
    srv = uvicorn.Server(
        uvicorn.Config(
            console_app.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
    )
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}"
    await console_app.console.service.close()
    srv.should_exit = True
    await asyncio.wait_for(task, 10)


def _anomaly(code: str, zh: str, en: str) -> dict[str, object]:
    return {"code": code, "today": 0.3, "baseline": 0.6, "message_zh": zh, "message_en": en}


async def test_board_shows_agents_and_updates_live(console_app: ConsoleApp, server: str) -> None:
    from playwright.async_api import async_playwright

    from tests.handoff.test_console_browser import CHROMIUM, FLAGS

    ann = add_user(console_app.db, "ann", skills=("wealth",), status="available")
    add_user(console_app.db, "sue", role="supervisor")
    reports = console_app.db.settings.data_dir / "reports"  # where serve writes them
    reports.mkdir(parents=True, exist_ok=True)
    drop = _anomaly(
        "connect_rate_drop", "接通率下降：30.0%（前7日均值 60.0%）", "connect rate dropped"
    )
    (reports / "daily-2026-12-03.json").write_text(
        json.dumps({"day": "2026-12-03", "anomalies": [drop]}, ensure_ascii=False)
    )
    async with async_playwright() as p:
        browser: Any = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = await browser.new_page()
            await page.goto(f"{server}/console/login")  # Chinese by default
            await page.fill("#username", "sue")
            await page.fill("#password", PASSWORD)
            await page.click("#login")
            await page.wait_for_url(f"{server}/console/home")  # the workspace's home
            await page.goto(f"{server}/console/board")
            row = await page.wait_for_selector("#agents tr[data-agent]")
            assert row is not None and "空闲" in await row.inner_text()
            # the newest daily report's anomalies are alerts on the floor
            alert = await page.wait_for_selector('#anomalies [data-anomaly="connect_rate_drop"]')
            assert alert is not None and "接通率下降" in await alert.inner_text()
            # the agent's side in Chinese: the offer that rings on the floor is on her page
            agent = await browser.new_page()
            await agent.goto(f"{server}/console/login")
            await agent.fill("#username", "ann")
            await agent.fill("#password", PASSWORD)
            await agent.click("#login")
            await agent.wait_for_selector("#idle.idle-available")
            live = LiveCall("CA9", FakeControl())
            live.party = Party.of("김민수", "+821012345678", None, "포인트 소멸 안내")
            live.state = "offer"
            console_app.console.registry.register(live)  # a call appears
            call_row = await page.wait_for_selector("#calls tbody tr[data-call='CA9']")
            assert call_row is not None
            shown = await call_row.inner_text()
            assert "김**" in shown and "CA9" not in shown and "12345678" not in shown
            rid = await console_app.console.service.request_handoff(
                HandoffRequest("CA9", None, 0.8, "B", (), "wealth", "offer", datetime.now(UTC))
            )
            # (the page's CSP forbids eval, so no wait_for_function here)
            await page.wait_for_selector("#agents tbody tr .ringing")
            await page.wait_for_selector("#queue tbody tr:has-text('Ann')")
            await page.click("#calls tbody tr[data-call='CA9']")  # live transcript, listen-in
            await page.wait_for_selector("#listen:visible")
            console_app.console.registry.transcript_row(
                "CA9", {"speaker": "customer", "text": "네"}
            )
            await page.wait_for_selector("#detail-transcript li:has-text('네')")
            card = await agent.wait_for_selector("article.card.alert")
            assert card is not None and "新的转人工请求" in await card.inner_text()
            await shot(agent, "agent-alert-zh")
            await console_app.console.service.accept(ann, rid)  # the call changes hands
            await page.wait_for_selector("#calls tbody tr[data-call='CA9'] .mode-human")
            held = await page.inner_text("#calls tbody tr[data-call='CA9']")
            assert "Ann" in held
            await page.wait_for_selector("#queue-empty:visible")
            await page.wait_for_selector("#whisper:visible")  # a person holds it: whisper, barge
            # a new daily report: its anomalies replace the old ones on the open page
            spike = _anomaly(
                "opt_out_spike", "拒绝再联系激增：5.0%（前7日均值 1.0%）", "opt-outs spiked"
            )
            console_app.console.bus.publish(
                "daily_report",
                {"day": "2026-12-04", "anomalies": [drop, spike]},
                roles=("supervisor",),
            )
            await page.wait_for_selector('#anomalies [data-anomaly="opt_out_spike"]')
            await shot(page, "board-zh")
            console_app.console.registry.unregister("CA9")  # it ends
            await page.wait_for_selector("#calls tbody tr[data-call='CA9']", state="detached")
            await page.wait_for_selector("#calls-empty:visible")
            await page.click("#workspace-home")  # back to the workspace's menu
            await page.wait_for_url(f"{server}/console/home")
        finally:
            await browser.close()
