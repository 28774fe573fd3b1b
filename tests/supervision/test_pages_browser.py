"""The supervisor's pages in real Chromium: the call page plays from a clicked line (the
stereo recording drawn in two channels), the review form saves a score, the report page
draws its charts, the history finds a call by what was said; screenshots are saved."""

from __future__ import annotations

import asyncio
import math
import struct
import wave
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crm_sync.models import Lead
from dialogue.speech.models import CallSummaryRow, CallTurnMetric
from handoff.audit import entries
from handoff.models import HandoffRequestRow, Offer
from kernel.db import Database
from kernel.settings import Settings
from supervision.models import CallRecord
from supervision.qa_service import SweepSettings, sweep
from supervision.report import build
from supervision.report_files import write_all
from tests.handoff.conftest import add_user, make_app
from tests.handoff.web.browser import browser_page, served, shot
from tests.supervision.conftest import campaign, finished_call

DAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
LINES = [
    ("bot", "您好，我是XX银行的智能语音助手，通话会被录音。", 0.0, 4.0, "opening"),
    ("customer", "嗯，你说。", 4.5, 5.5, "opening"),
    (
        "bot",
        "您有 3200 积分即将到期，可以兑换礼品。这款理财产品保本保收益。",
        6.0,
        11.0,
        "points_info",
    ),
    ("customer", "我想了解一下理财产品，转人工吧。", 11.5, 14.0, "points_info"),
    ("agent", "您好，我是客户经理小王，我来为您介绍。", 15.0, 18.0, "handoff"),
    ("customer", "好的，谢谢。", 18.5, 19.5, "handoff"),
]


def _recording(path: Path, seconds: float = 20.0) -> None:
    """Customer speech on the left channel, bot and agent on the right, as tones."""
    rate = 8000
    frames = bytearray()
    for i in range(int(seconds * rate)):
        t = i / rate
        left = right = 0
        for speaker, _text, a, b, _s in LINES:
            if a <= t < b:
                amp = int(
                    9000 * math.sin(2 * math.pi * (220 if speaker == "customer" else 440) * t)
                )
                left, right = (amp, right) if speaker == "customer" else (left, amp)
        frames += struct.pack("<hh", left, right)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


def _seed(db: Database, settings: Settings) -> int:
    cid = campaign(db, "积分到期提醒")
    history = [
        {"turn": 1, "state": "opening", "score": 41.0, "grade": "C", "reasons": ["接听并回应"]},
        {"turn": 2, "state": "points_info", "score": 83.5, "grade": "A", "reasons": ["询问理财产品", "要求人工"]},
    ]  # fmt: skip
    aid = finished_call(
        db, cid, dialed_at=DAY, lines=LINES, grade="A", score=0.835, disposition="handoff",
        handoff_result="accepted", reasons=["询问理财产品", "要求人工"], score_history=history,
    )  # fmt: skip
    for i in range(3):
        finished_call(db, cid, dialed_at=DAY + timedelta(minutes=i), grade="CBD"[i],
                      lines=[("customer", "不用了", 1, 2, "opening")])  # fmt: skip
    rec = settings.data_dir / "recordings" / "call.wav"
    _recording(rec)
    with db.session() as s:
        r = s.get(CallRecord, aid)
        assert r is not None
        s.add(CallSummaryRow(call_sid=r.call_sid, attempt_id=aid, disposition="handoff",
                             duration_s=20, final_state="end", turns=3,
                             recording_path=str(rec), ended_at=DAY))  # fmt: skip
    agent = add_user(db, "wang", role="agent")
    with db.session() as s:
        r = s.get(CallRecord, aid)
        assert r is not None and r.call_sid is not None
        for i, (at, asr, resp) in enumerate(
            ((5.5, 0.31, 0.62), (14.0, 0.28, 0.55), (19.5, 0.35, 0.7))
        ):
            s.add(CallTurnMetric(call_sid=r.call_sid, attempt_id=aid, seq=i, state="points_info",
                                 speech_end_s=at, asr_final_latency_s=asr, response_latency_s=resp,
                                 tts_s=0.01, accepted=True))  # fmt: skip
        req = HandoffRequestRow(call_sid=r.call_sid, score=83.5, grade="A", state="points_info",
                                reasons=[{"text": "要求人工"}], requested_at=DAY + timedelta(seconds=14),
                                outcome="ended", agent_id=agent,
                                ended_at=DAY + timedelta(seconds=25))  # fmt: skip
        s.add(req)
        s.flush()
        s.add(Offer(request_id=req.id, call_sid=r.call_sid, agent_id=agent, status="done",
                    offered_at=DAY + timedelta(seconds=14), deadline=DAY + timedelta(seconds=29),
                    decided_at=DAY + timedelta(seconds=15)))  # fmt: skip
        s.add(Lead(call_id=aid, attempt_id=aid, campaign_id=cid, customer_id=r.customer_id,
                   route="remote_center", branch="朝阳支行", phone_e164="+8613800000000",
                   kind="handoff", grade="A", disposition="handoff", handoff_result="accepted",
                   next_action="跟进坐席结果：客户想了解理财产品", status="sent",
                   call_ended_at=DAY + timedelta(seconds=25)))  # fmt: skip
    sweep(db, DAY + timedelta(days=1), SweepSettings(settle_s=0))
    return aid


async def until(page: Any, predicate: str, timeout_s: float = 15.0) -> None:
    """Poll ``predicate`` (a JS function) through the devtools protocol: the pages' CSP
    refuses the string evaluation ``wait_for_function`` uses."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await page.evaluate(predicate):
        assert asyncio.get_running_loop().time() < deadline, f"timed out: {predicate}"
        await asyncio.sleep(0.05)


@pytest.mark.browser
def test_supervisor_pages(settings: Settings, db: Database, tmp_path: Path) -> None:
    aid = _seed(db, settings)
    add_user(db, "sue", role="supervisor")
    app = make_app(settings, db)
    with db.read() as s:
        write_all(build(s, DAY.date(), "Asia/Shanghai", DAY), settings.data_dir / "reports")

    async def run() -> None:
        async with served(app) as base, browser_page(base, "sue") as page:
            # the home page shows the latest report serve wrote
            await page.wait_for_selector('#latest-report [data-metric="latest_dialed"]')
            assert await page.inner_text('[data-metric="latest_dialed"]') == "4"
            await shot(page, "supervision-home", tmp_path)
            # history: find the call by what the customer said
            await page.goto(f"{base}/console/calls?q=理财产品")
            await page.wait_for_selector(f'#calls tr[data-call="{aid}"]')
            assert await page.locator("#calls tbody tr").count() == 1
            found = await page.inner_text(f'#calls tr[data-call="{aid}"]')
            assert "转人工" in found and "已转接" in found  # the outcome in the page's words
            await shot(page, "supervision-calls-search", tmp_path)

            # the review queue holds the flagged call
            await page.goto(f"{base}/console/reviews")
            await page.wait_for_selector(f'#review-queue tr[data-call="{aid}"]')
            await shot(page, "supervision-reviews", tmp_path)

            # the call page: both channels drawn, a click on a line plays from there
            await page.goto(f"{base}/console/calls/{aid}")
            await page.wait_for_selector('#wave[data-drawn="1"]')
            assert "已转接" in await page.inner_text(".kpi-row")  # the handoff result in words
            assert "已推送 CRM" in await page.inner_text("[data-lead]")  # the lead it produced
            timeline = await page.inner_text("#handoff-timeline")
            assert "+20.0 s" in timeline and "结束：坐席完成通话" in timeline
            await page.wait_for_selector("#score-opts canvas")
            line = page.locator('#transcript .line[data-start="11.50"]')
            await line.click()
            await until(
                page,
                "() => { const a = document.getElementById('audio');"
                " return !a.paused && a.currentTime >= 11.5 && a.currentTime < 14; }",
            )
            await page.wait_for_selector('#transcript .line.playing[data-start="11.50"]')
            await shot(page, "supervision-call-playing", tmp_path)

            # the review form
            await page.check('input[name="check_no_promise"][value="fail"]')
            await page.fill("#notes", "机器人承诺保本保收益，违规。")
            await page.click("#save-review")
            await page.wait_for_selector("#review-saved")
            assert "75" in await page.inner_text("#review-saved")
            await page.evaluate("window.scrollTo(0, 0)")
            await shot(page, "supervision-call-reviewed", tmp_path)

            # the report page draws its charts
            await page.goto(f"{base}/console/reports?day=2026-12-03")
            await until(page, "() => document.querySelectorAll('[data-chart] canvas').length >= 3")
            assert await page.inner_text('[data-metric="dialed"]') == "4"
            assert await page.locator("#agents-table tbody tr").count() == 1
            await shot(page, "supervision-report", tmp_path)

            await page.goto(f"{base}/console/reviews")  # reviewed: out of the queue
            await page.wait_for_selector(".empty")
            errors = [e for e in page.errors if not e.startswith("Failed to load resource")]
            assert errors == [], errors

    asyncio.run(run())
    with db.read() as s:
        seen = {(e.event, e.username) for e in entries(s, subject=f"call:{aid}")}
    assert {("call_viewed", "sue"), ("recording_played", "sue"), ("review_saved", "sue")} <= seen
