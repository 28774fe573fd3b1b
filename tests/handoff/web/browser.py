"""Real Chromium on the workspace: a served app, a logged-in page, screenshots.

Screenshots go to ``var/screenshots/workspace`` (kept for looking at) as well as the
test's temporary folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from tests.handoff.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots" / "workspace"


@asynccontextmanager
async def served(app: FastAPI) -> AsyncIterator[str]:
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(srv.serve())
    while not srv.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}"
    finally:
        srv.should_exit = True
        await asyncio.wait_for(task, 10)


@asynccontextmanager
async def browser_page(base: str, username: str, lang: str = "zh") -> AsyncIterator[Any]:
    """A 1440x900 page logged in as ``username``; console errors (CSP refusals included)
    are collected on ``page.errors``."""
    from playwright.async_api import async_playwright  # deferred: only browser tests

    async with async_playwright() as p:
        browser: Any = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = await browser.new_page(viewport={"width": 1440, "height": 900})
            page.errors = []
            page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
            page.on("pageerror", lambda e: page.errors.append(str(e)))
            await page.goto(f"{base}/console/login?lang={lang}")
            await page.fill("#username", username)
            await page.fill("#password", PASSWORD)
            await page.click("#login")
            await page.wait_for_url(f"{base}/console/home")
            yield page
        finally:
            await browser.close()


async def shot(page: Any, name: str, tmp: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.mouse.wheel(0, -100_000)  # from the top: the sticky bar stays on top
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    await page.screenshot(path=str(tmp / f"{name}.png"), full_page=True)
