"""The daily report as files: HTML with charts (ECharts, copied beside it), CSV, XLSX, JSON.

Numbers in the files are the report's figures; customers appear in none of them (leads
are counted per branch, agents by user name).
"""

from __future__ import annotations

import csv
import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from supervision.report import DailyReport, Funnel

ECHARTS = ("handoff", "web/static/vendor/echarts.min.js")
FUNNEL_COLUMNS = (
    "campaign", "dialed", "answered", "human", "engaged", "A", "B", "C", "D",
    "handoffs_requested", "handoffs_accepted", "handoffs_timeout", "handoffs_no_agent",
    "leads", "opt_outs", "complaints", "connect_rate", "human_rate", "engaged_rate",
    "ab_rate", "handoff_accept_rate", "lead_rate", "opt_out_rate",
)  # fmt: skip

_env = Environment(
    loader=PackageLoader("supervision", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def funnel_row(f: Funnel) -> list[Any]:
    r = f.rates()
    return [
        f.campaign, f.dialed, f.answered, f.human, f.engaged,
        *(f.grades[g] for g in "ABCD"),
        f.handoffs_requested, f.handoffs["accepted"], f.handoffs["timeout"],
        f.handoffs["no_agent"], f.leads, f.opt_outs, f.complaints,
        *(r[k] for k in ("connect_rate", "human_rate", "engaged_rate", "ab_rate",
                         "handoff_accept_rate", "lead_rate", "opt_out_rate")),
    ]  # fmt: skip


def sections(rep: DailyReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables: (name, header, rows)."""
    agents = [
        [a.agent, a.offered, a.accepted, a.declined, a.timed_out, a.mean_accept_s]
        for a in rep.agents
    ]
    return [
        ("funnel", list(FUNNEL_COLUMNS), [funnel_row(f) for f in [*rep.campaigns, rep.overall]]),
        ("leads_by_branch", ["branch", "leads"], [[b, n] for b, n in rep.leads_by_branch.items()]),
        (
            "agents",
            ["agent", "offered", "accepted", "declined", "timed_out", "mean_accept_s"],
            agents,
        ),
        ("qa_flags", ["flag", "calls"], [[k, v] for k, v in rep.qa_flags.items()]),
        (
            "anomalies",
            ["code", "today", "baseline", "message"],
            [[a.code, a.today, a.baseline, a.message_en] for a in rep.anomalies],
        ),
    ]


def write_csv(rep: DailyReport, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:  # BOM: Excel reads UTF-8
        w = csv.writer(fh)
        for name, header, rows in sections(rep):
            w.writerow([f"# {name}"])
            w.writerow(header)
            w.writerows(rows)
            w.writerow([])


def write_xlsx(rep: DailyReport, path: Path) -> None:
    from openpyxl import Workbook  # deferred: openpyxl adds 0.35 s to every CLI start

    wb = Workbook()
    wb.remove(wb.active)
    for name, header, rows in sections(rep):
        ws = wb.create_sheet(name[:31])
        ws.append(header)
        for row in rows:
            ws.append(row)
    wb.save(path)


def render_html(rep: DailyReport, *, echarts_src: str = "echarts.min.js") -> str:
    return _env.get_template("daily_report.html").render(
        rep=rep, data=rep.as_dict(), sections=sections(rep), echarts_src=echarts_src
    )


def latest(out: Path) -> dict[str, Any] | None:
    """The newest report written into ``out`` (its JSON), or None."""
    files = sorted(out.glob("daily-*.json")) if out.is_dir() else []
    if not files:
        return None
    data: dict[str, Any] = json.loads(files[-1].read_text(encoding="utf-8"))
    return data


def alerts(data: dict[str, Any] | None) -> dict[str, Any]:
    """A report's anomalies as the live floor shows them: the day and each alert."""
    if data is None:
        return {"day": None, "anomalies": []}
    keep = ("code", "today", "baseline", "message_zh", "message_en")
    found = [{k: a.get(k) for k in keep} for a in data.get("anomalies", [])]
    return {"day": data.get("day"), "anomalies": found}


def write_all(rep: DailyReport, out: Path) -> list[Path]:
    """Write every format into ``out``; the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"daily-{rep.day.isoformat()}"
    paths = [stem.with_suffix(s) for s in (".html", ".csv", ".xlsx", ".json")]
    paths[0].write_text(render_html(rep), encoding="utf-8")
    write_csv(rep, paths[1])
    write_xlsx(rep, paths[2])
    paths[3].write_text(json.dumps(rep.as_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    src = resources.files(ECHARTS[0]).joinpath(ECHARTS[1])
    if src.is_file():
        with resources.as_file(src) as p:
            shutil.copyfile(p, out / "echarts.min.js")
    return paths
