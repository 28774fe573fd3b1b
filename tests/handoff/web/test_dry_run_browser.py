"""The dry run in real Chromium: from the campaign form (unsaved), a spec with an error
first (the error on its field), then the run's progress and its expected funnel, the
same numbers as the API; the saved campaign's dry-run tab lists it.
Screenshots: var/screenshots/workspace/dry-run*.png."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.campaigns.config import DialerSettings
from tailcall.dry_run import BackgroundDryRuns
from tests.dialer.conftest import add_customers, add_list
from tests.handoff.conftest import ConsoleApp, add_user
from tests.handoff.web.browser import browser_page, served, shot
from tests.handoff.web.conftest import metrics_of

pytestmark = pytest.mark.browser


async def test_dry_run_from_the_form(console_app: ConsoleApp, tmp_path: Path) -> None:
    add_user(console_app.db, "sue", role="supervisor")
    db = console_app.db
    with db.session() as s:
        list_id = add_list(s, add_customers(s, 300), name="4月积分到期客户").id
    runner = BackgroundDryRuns(db, db.settings, DialerSettings())
    console_app.app.state.dry_runner = runner
    try:
        async with served(console_app.app) as base, browser_page(base, "sue") as page:
            await page.goto(f"{base}/console/campaigns/new?list={list_id}")
            await page.fill("#f-name", "积分到期提醒（4月）")
            await page.select_option("#f-script", "points_reminder|ko-KR")  # its model is here
            await page.check("#f-live_handoff")
            await page.fill("#f-dry_sample", "60")
            await page.click("#dry-start")  # no caller id yet: its error, no run
            await page.wait_for_selector("#dry-fix")
            assert await page.inner_text("#err-caller_id") != ""
            await page.fill("#f-caller_id", "+861095558")
            await page.click("#dry-start")
            await page.wait_for_selector("#dry-progress, #dry-funnel", timeout=10_000)
            await page.wait_for_selector("#dry-funnel", timeout=60_000)
            await shot(page, "dry-run", tmp_path)
            html = await page.inner_html("#dry-run")
            shown = metrics_of(html)
            api = await page.request.get(f"{base}/api/workspace/dry-runs/1")
            result = (await api.json())["result"]
            for key, n in result["expected"].items():
                assert shown[f"expected.{key}"] == n, key
                assert shown[f"sample.{key}"] == result["funnel"][key], key
            assert result["sample"] == 60 and result["audience"] == 300
            assert shown["expected.dialed"] and shown["expected.dialed"] >= 300
            assert "模拟" in await page.inner_text("#dry-note")

            await page.click("#create-submit")  # saved: the tab lists the run of its spec
            await page.wait_for_selector("#tab-dry")
            await page.click("#tab-dry")
            await page.wait_for_selector("#dry-history tr[data-run='1']")
            await page.wait_for_selector("#dry-funnel")
            await page.goto(page.url + "&lang=en")
            await page.wait_for_selector("#dry-funnel")
            assert "Simulation" in await page.inner_text("#dry-run")
            await shot(page, "dry-run-tab-en", tmp_path)
            assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []
    finally:
        runner.close()
