"""The supervisor's background work inside ``serve``: the QA sweep every few seconds, and
once a day after the set local time the day before's report and the retention purge.

``due_report`` is pure: the day whose report is due at ``now`` (local), or None if it was
written already or the time has not come. The loop runs its database work in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from loguru import logger

from kernel.clock import Clock
from kernel.db import Database
from supervision.qa import QaPolicy
from supervision.qa_service import SweepSettings, sweep
from supervision.report import DailyReport, build
from supervision.report_files import write_all
from supervision.retention import purge
from supervision.sampling import SamplingPolicy
from supervision.settings import SupervisionSettings


def sweep_settings(
    cfg: SupervisionSettings, max_dials_per_day: int | None, tz: str
) -> SweepSettings:
    return SweepSettings(
        settle_s=cfg.qa_settle_s,
        max_dials_per_day=max_dials_per_day,
        default_timezone=tz,
        policy=QaPolicy(max_silence_s=cfg.max_silence_s),
        sampling=SamplingPolicy(rate=cfg.sample_rate),
    )


def report_dir(db: Database, cfg: SupervisionSettings) -> Path:
    p = Path(cfg.report_dir)
    return p if p.is_absolute() else db.settings.data_dir / p


def due_report(now: datetime, settings: SupervisionSettings, tz: str, out: Path) -> date | None:
    local = now.astimezone(ZoneInfo(tz))
    if local.time() < settings.report_at:
        return None
    day = local.date() - timedelta(days=1)
    if (out / f"daily-{day.isoformat()}.html").exists():
        return None
    return day


class SupervisionLoop:
    def __init__(
        self,
        db: Database,
        settings: SupervisionSettings,
        sweep_settings: SweepSettings,
        clock: Clock,
        out: Path,
        on_report: Callable[[DailyReport], None] | None = None,
    ) -> None:
        """``on_report``: told of each report written (on the loop's worker thread), so
        the live floor can raise its anomalies."""
        self.db = db
        self.settings = settings
        self.sweep_settings = sweep_settings
        self.clock = clock
        self.out = out
        self.on_report = on_report
        self.tz = db.settings.default_timezone

    def step(self) -> None:
        """One pass: QA until nothing is due, then the daily work if it is due."""
        while sweep(self.db, self.clock.now(), self.sweep_settings):
            pass
        day = due_report(self.clock.now(), self.settings, self.tz, self.out)
        if day is None:
            return
        with self.db.read() as s:
            rep = build(s, day, self.tz, self.clock.now())
        write_all(rep, self.out)
        if self.on_report is not None:
            self.on_report(rep)
        res = purge(self.db, self.clock.now(), self.settings.retention_days)
        logger.info("daily report written", day=day.isoformat(), anomalies=len(rep.anomalies),
                    retention_calls=res.calls)  # fmt: skip

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.step)
            except Exception:
                logger.exception("supervision step failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.settings.qa_interval_s)
