"""The supervisor board in headless Chromium: agents and their presence, live updates."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import uvicorn

from dialogue.intent.scorer import HandoffRequest
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


async def test_board_shows_agents_and_updates_live(console_app: ConsoleApp, server: str) -> None:
    from playwright.async_api import async_playwright

    from tests.handoff.test_console_browser import CHROMIUM, FLAGS

    add_user(console_app.db, "ann", skills=("wealth",), status="available")
    add_user(console_app.db, "sue", role="supervisor")
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
            # the agent's side in Chinese: the offer that rings on the floor is on her page
            agent = await browser.new_page()
            await agent.goto(f"{server}/console/login")
            await agent.fill("#username", "ann")
            await agent.fill("#password", PASSWORD)
            await agent.click("#login")
            await agent.wait_for_selector("#idle.idle-available")
            console_app.console.registry.register(LiveCall("CA9", FakeControl()))
            await console_app.console.service.request_handoff(
                HandoffRequest("CA9", None, 0.8, "B", (), "wealth", "offer", datetime.now(UTC))
            )
            # (the page's CSP forbids eval, so no wait_for_function here)
            await page.wait_for_selector("#agents tbody tr .ringing")
            call_row = await page.wait_for_selector("#calls tbody tr[data-call='CA9']")
            assert call_row is not None and "CA9" not in await call_row.inner_text()
            await page.wait_for_selector("#queue tbody tr:has-text('Ann')")
            await call_row.click()  # the call's live transcript and listen-in
            await page.wait_for_selector("#listen:visible")
            console_app.console.registry.transcript_row(
                "CA9", {"speaker": "customer", "text": "네"}
            )
            await page.wait_for_selector("#detail-transcript li:has-text('네')")
            await shot(page, "board-zh")
            card = await agent.wait_for_selector("article.card.alert")
            assert card is not None and "新的转人工请求" in await card.inner_text()
            await shot(agent, "agent-alert-zh")
            console_app.console.registry.unregister("CA9")
            await page.wait_for_selector("#calls tbody tr[data-call='CA9']", state="detached")
        finally:
            await browser.close()
