"""The operator's workspace in real Chromium: upload a list and filter its report,
create a campaign through validation errors, start and pause it with a confirmation,
watch its funnel move as calls progress, and read the script race's verdict.
Screenshots: var/screenshots/workspace/ (and the test's tmp folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dialer.campaigns.config import DialerSettings
from dialer.campaigns.models import Attempt
from dialer.campaigns.outcomes import apply_carrier_status
from kernel.db import utcnow
from tests.handoff.conftest import ConsoleApp, add_user
from tests.handoff.web.browser import browser_page, served, shot
from tests.handoff.web.seed import seed_campaign
from tests.handoff.web.test_lists import LIST_CSV

pytestmark = pytest.mark.browser


async def _confirm(page: Any, button: str) -> None:
    """Click ``button`` and accept the page's own confirmation dialog."""
    await page.click(button)
    await page.wait_for_selector("#confirm-dialog[open]")
    await page.click("#confirm-ok")


async def test_upload_create_start_pause(console_app: ConsoleApp, tmp_path: Path) -> None:
    add_user(console_app.db, "sue", role="supervisor")
    csv = tmp_path / "三月名单.csv"
    csv.write_bytes(LIST_CSV)
    async with served(console_app.app) as base, browser_page(base, "sue") as page:
        await shot(page, "home", tmp_path)
        await page.click("a[data-nav='lists']")
        await page.set_input_files("#list-file", str(csv))
        await page.fill("#list-name", "三月名单")
        await page.click("#upload-submit")
        await page.wait_for_selector("#upload-ok")
        assert await page.inner_text("[data-metric='invalid']") == "1"
        await page.wait_for_selector("#lists tr[data-list='1']")  # the table of lists reloaded
        await shot(page, "list-uploaded", tmp_path)
        await page.click("#report-tools [data-outcome='invalid']")
        await page.wait_for_selector("#report-tools .btn-primary[data-outcome='invalid']")
        assert await page.locator("#report-rows tbody tr").count() == 1
        reason = await page.inner_text("#report-rows tbody td[data-code]")
        assert reason.startswith("号码太短"), reason  # the reason in the page's language
        await shot(page, "list-report-invalid", tmp_path)

        await page.goto(f"{base}/console/campaigns/new?list=1")
        await page.fill("#f-name", "积分提醒（4月）")
        await page.select_option("#f-script", "points_reminder|zh-CN")
        await page.fill("#f-t_grade_c", "90")  # above grade B: an error as you type
        await page.wait_for_selector("#err-thresholds:not(:empty)")
        assert await page.inner_text("[data-metric='would_call']") == "3"
        await shot(page, "create-errors", tmp_path)
        await page.fill("#f-t_grade_c", "25")
        await page.wait_for_selector("#err-thresholds:empty", state="attached")
        await page.click("#create-submit")  # no caller id yet: the error on its field
        await page.wait_for_selector("#err-caller_id:not(:empty)")
        await page.fill("#f-caller_id", "+861095558")
        await page.click("#create-submit")  # the launch checks: no Mandarin model here
        await page.wait_for_selector("#err-script:not(:empty)")
        assert "zh-CN" in await page.inner_text("#err-script")
        await shot(page, "create-no-model", tmp_path)
        await page.select_option("#f-script", "points_reminder|ko-KR")
        await page.click("#create-submit")
        await page.wait_for_selector("#action-start")

        await _confirm(page, "#action-start")
        await page.wait_for_selector("#action-pause")
        assert "进行中" in await page.inner_text("#campaign-status")
        await _confirm(page, "#action-pause")
        await page.wait_for_selector("#action-resume")
        assert "暂停" in await page.inner_text("#activity")
        await shot(page, "campaign-paused", tmp_path)
        # no script error and no CSP refusal (a 4xx answer is logged as a failed load)
        assert [e for e in page.errors if not e.startswith("Failed to load resource")] == []


async def test_funnel_moves_and_the_race_has_a_verdict(
    console_app: ConsoleApp, tmp_path: Path
) -> None:
    add_user(console_app.db, "sue", role="supervisor")
    db = console_app.db
    cid = seed_campaign(db, utcnow(), n=700, called=600)
    async with served(console_app.app) as base, browser_page(base, "sue") as page:
        await page.goto(f"{base}/console/campaigns/{cid}")
        await page.wait_for_selector("#chart-grades-box canvas")
        before = {}
        for key in ("dialed", "answered"):
            value = await page.get_attribute(f"#funnel [data-metric='{key}']", "data-value")
            before[key] = int(value or 0)
        await shot(page, "campaign-live", tmp_path)
        # the dialer dials a queued call and the carrier reports it answered
        with db.session() as s:
            a = s.scalars(select(Attempt).where(Attempt.status == "queued").limit(1)).one()
            a.status, a.dialed_at, a.carrier_sid = "dialing", utcnow(), "CA-browser"
        for status in ("ringing", "in-progress"):
            with db.session() as s:
                apply_carrier_status(
                    s, now=utcnow(), settings=DialerSettings(), default_tz="Asia/Shanghai",
                    sid="CA-browser", status=status,
                )  # fmt: skip
        # the page shows it without a reload
        for key in ("dialed", "answered"):
            await page.wait_for_selector(
                f"#funnel [data-metric='{key}'][data-value='{before[key] + 1}']", timeout=10000
            )

        await page.click("#tab-race")
        verdict = await page.inner_text("[data-race='conversion'] .verdict")
        assert "B 版本的A/B 意向转化率优于 A 版本" in verdict and (
            "p = 0." in verdict or "p < 0.001" in verdict
        )
        await shot(page, "race", tmp_path)
        await _confirm(page, "#stop-A")
        await page.wait_for_selector("#variant-control .badge-cancelled")
        await page.goto(f"{base}/console/campaigns/{cid}?tab=race&lang=en")
        assert "beats A on conversion to A/B" in await page.inner_text(
            "[data-race='conversion'] .verdict"
        )
        await shot(page, "race-en", tmp_path)
