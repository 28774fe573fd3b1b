"""The daily report's figures against a simulated day (the real dialer, engine, scorer and
CRM on the simulated carrier): every count agrees with what the simulation saw."""

from __future__ import annotations

import asyncio
import csv
import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from dialer.campaigns.models import Attempt
from kernel.db import Database, utcnow
from kernel.settings import Settings
from simulator.simulate import SimulationConfig, SimulationResult, run_simulation
from supervision.qa_service import SweepSettings, sweep
from supervision.report import build
from supervision.report_files import write_all
from tailcall.simulation import ProductHost

TZ = "Asia/Shanghai"


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationResult, Database]:
    path = tmp_path_factory.mktemp("sim") / "sim.db"
    cfg = SimulationConfig(
        customers=30, seed=3, database_url=f"sqlite:///{path}",
        time_factor=40.0, retry_delay_s=1.5, timeout_s=120.0,
    )  # fmt: skip
    result = asyncio.run(run_simulation(cfg, ProductHost()))
    return result, Database(Settings(env="test", database_url=f"sqlite:///{path}"))


def test_report_matches_the_simulation(
    simulated: tuple[SimulationResult, Database], tmp_path: Path
) -> None:
    result, db = simulated
    while sweep(db, utcnow(), SweepSettings(settle_s=0)):
        pass
    calls = result.report.calls
    with db.read() as s:
        first = s.scalar(select(func.min(Attempt.dialed_at)))
        assert first is not None
        day = first.astimezone(ZoneInfo(TZ)).date()
        rep = build(s, day, TZ, utcnow())
        dials = s.scalar(
            select(func.count()).select_from(Attempt).where(Attempt.dialed_at.is_not(None))
        )
    o = rep.overall
    assert o.dialed == dials
    assert o.answered == sum(c.answered for c in calls)
    assert o.human == sum(c.human for c in calls)
    human_grades = Counter(c.predicted_grade for c in calls if c.human and c.predicted_grade)
    assert o.grades == {g: human_grades.get(g, 0) for g in "ABCD"}
    assert o.leads == sum(c.leads for c in calls)
    assert o.opt_outs == sum(c.opted_out for c in calls)
    assert o.handoffs["accepted"] == sum(c.handoff_accepted for c in calls)
    assert sum(rep.leads_by_branch.values()) == o.leads
    assert rep.qa_checked == o.human + (o.answered - o.human)  # every recorded call checked
    assert len(rep.campaigns) == 1 and rep.campaigns[0].dialed == o.dialed
    assert rep.history[-1][0] == day and len(rep.history) == 8

    paths = write_all(rep, tmp_path / "out")
    html = paths[0].read_text(encoding="utf-8")
    assert f"Daily report {day.isoformat()}" in html and 'data-section="funnel"' in html
    assert (tmp_path / "out" / "echarts.min.js").exists() or "echarts" in html
    with paths[1].open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    overall = next(r for r in rows if r and r[0] == "overall")
    assert int(overall[1]) == o.dialed and int(overall[13]) == o.leads
    ws = load_workbook(paths[2])["funnel"]
    assert [c.value for c in ws[1]][:3] == ["campaign", "dialed", "answered"]
    assert json.loads(paths[3].read_text(encoding="utf-8"))["overall"]["answered"] == o.answered
    assert isinstance(rep.generated_at, datetime)
