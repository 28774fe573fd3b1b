"""The simulation report: funnel, dispositions, grade confusion, recognition, handoffs,
turn latency. Built from per-call outcomes; rendered as a rich table, JSON and a
self-contained HTML page.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from kernel.vocab import GRADES

FUNNEL_STAGES = (
    "dialed",
    "answered",
    "human",
    "engaged",
    "qualified",
    "handoff_offered",
    "handed_off",
    "completed",
    "opted_out",
    "leads",
)


class RecognizedTurn(BaseModel):
    """One customer reply: the intent the persona meant and what the bot recognised."""

    expected: str
    recognized: str | None
    language: str
    said: str = ""  # the persona's words
    heard: str = ""  # what reached the script engine (ASR, or the text with word errors)


class SimulatedCall(BaseModel):
    """What one simulated call came to (input of the report)."""

    customer_id: str
    persona_id: str
    true_grade: str
    predicted_grade: str | None = None
    disposition: str
    dialed: bool = True  # False: never dialed (the disposition says why: "skipped:<reason>")
    answered: bool = False
    human: bool = False  # a person (not voicemail or an announcement) answered
    engaged: bool = False  # the customer said something the bot recognised
    handoff_offered: bool = False
    handoff_accepted: bool = False
    handoff_wait_s: float | None = None
    completed: bool = False  # the conversation reached an end state of the script
    opted_out: bool = False
    leads: int = 0  # CRM leads the call made
    turn_latencies_s: list[float] = Field(default_factory=list)
    turns: list[RecognizedTurn] = Field(default_factory=list)


class LatencyStats(BaseModel):
    count: int = 0
    mean_s: float | None = None
    p50_s: float | None = None
    p90_s: float | None = None
    max_s: float | None = None

    @classmethod
    def of(cls, values: Sequence[float]) -> LatencyStats:
        if not values:
            return cls()
        ordered = sorted(values)

        def pct(p: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 3)

        return cls(
            count=len(ordered),
            mean_s=round(statistics.fmean(ordered), 3),
            p50_s=pct(0.5),
            p90_s=pct(0.9),
            max_s=round(ordered[-1], 3),
        )


class Recognition(BaseModel):
    utterances: int = 0
    correct: int = 0
    by_language: dict[str, tuple[int, int]] = Field(default_factory=dict)  # (correct, total)
    # intent the persona meant -> intent the bot understood ("-": none, a no-match) -> n
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.utterances if self.utterances else None


class HandoffStats(BaseModel):
    offered: int = 0
    accepted: int = 0
    wait: LatencyStats = Field(default_factory=LatencyStats)

    @property
    def acceptance(self) -> float | None:
        return self.accepted / self.offered if self.offered else None


class SimulationReport(BaseModel):
    script: str
    customers: int
    seed: int
    speech: str
    personas: list[str]
    generated_at: datetime
    wall_time_s: float | None = None
    peak_memory_mb: float | None = None
    funnel: dict[str, int]
    dispositions: dict[str, int]
    confusion: dict[str, dict[str, int]]  # true grade -> predicted grade ("-": none) -> n
    recognition: Recognition
    handoff: HandoffStats
    turn_latency: LatencyStats
    calls: list[SimulatedCall] = Field(default_factory=list)  # every customer, for drilling in

    @property
    def grade_accuracy(self) -> float | None:
        graded = sum(n for row in self.confusion.values() for p, n in row.items() if p != "-")
        right = sum(self.confusion.get(g, {}).get(g, 0) for g in GRADES)
        return right / graded if graded else None

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def save(self, directory: Path, stem: str = "simulation") -> tuple[Path, Path]:
        """Write ``<stem>.json`` and ``<stem>.html``; returns both paths."""
        directory.mkdir(parents=True, exist_ok=True)
        j, h = directory / f"{stem}.json", directory / f"{stem}.html"
        j.write_text(self.to_json(), encoding="utf-8")
        h.write_text(render_html(self), encoding="utf-8")
        return j, h


def build_report(
    outcomes: Iterable[SimulatedCall],
    *,
    script: str,
    seed: int,
    speech: str,
    generated_at: datetime,
    wall_time_s: float | None = None,
    peak_memory_mb: float | None = None,
) -> SimulationReport:
    items = list(outcomes)
    funnel = {
        "dialed": sum(o.dialed for o in items),
        "answered": sum(o.answered for o in items),
        "human": sum(o.human for o in items),
        "engaged": sum(o.engaged for o in items),
        "qualified": sum(o.predicted_grade in ("A", "B") for o in items),
        "handoff_offered": sum(o.handoff_offered for o in items),
        "handed_off": sum(o.handoff_accepted for o in items),
        "completed": sum(o.completed for o in items),
        "opted_out": sum(o.opted_out for o in items),
        "leads": sum(o.leads for o in items),
    }
    confusion: dict[str, dict[str, int]] = {g: {p: 0 for p in (*GRADES, "-")} for g in GRADES}
    for o in items:
        if o.human and o.true_grade in confusion:
            row = confusion[o.true_grade]
            key = o.predicted_grade if o.predicted_grade in GRADES else "-"
            row[key] += 1
    recog = Recognition()
    per_lang: dict[str, list[int]] = {}
    for o in items:
        for t in o.turns:
            ok = int(t.recognized == t.expected)
            recog.utterances += 1
            recog.correct += ok
            per_lang.setdefault(t.language, [0, 0])
            per_lang[t.language][0] += ok
            per_lang[t.language][1] += 1
            row = recog.confusion.setdefault(t.expected, {})
            got = t.recognized or "-"
            row[got] = row.get(got, 0) + 1
    recog.by_language = {k: (v[0], v[1]) for k, v in sorted(per_lang.items())}
    waits = [o.handoff_wait_s for o in items if o.handoff_wait_s is not None]
    return SimulationReport(
        script=script,
        customers=len(items),
        seed=seed,
        speech=speech,
        personas=sorted({o.persona_id for o in items}),
        generated_at=generated_at,
        wall_time_s=wall_time_s,
        peak_memory_mb=peak_memory_mb,
        funnel=funnel,
        dispositions=dict(Counter(o.disposition for o in items).most_common()),
        confusion=confusion,
        recognition=recog,
        handoff=HandoffStats(
            offered=funnel["handoff_offered"],
            accepted=funnel["handed_off"],
            wait=LatencyStats.of(waits),
        ),
        turn_latency=LatencyStats.of([x for o in items for x in o.turn_latencies_s]),
        calls=list(items),
    )


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def _sections(r: SimulationReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report as (title, header, rows) tables, shared by the terminal and HTML views."""
    dialed = r.funnel.get("dialed", 0) or 1
    funnel = [[k, str(v), _pct(v / dialed)] for k, v in r.funnel.items()]
    total = sum(r.dispositions.values()) or 1
    disp = [[k, str(v), _pct(v / total)] for k, v in r.dispositions.items()]
    conf = [[g, *(str(r.confusion[g][p]) for p in (*GRADES, "-"))] for g in GRADES]
    rec = [
        [
            "all",
            str(r.recognition.correct),
            str(r.recognition.utterances),
            _pct(r.recognition.accuracy),
        ]
    ]
    rec += [
        [lang, str(c), str(n), _pct(c / n if n else None)]
        for lang, (c, n) in r.recognition.by_language.items()
    ]
    w = r.handoff.wait
    hand = [
        ["offered", str(r.handoff.offered)],
        ["accepted", str(r.handoff.accepted)],
        ["acceptance", _pct(r.handoff.acceptance)],
        ["wait p50", _s(w.p50_s)],
        ["wait p90", _s(w.p90_s)],
        ["wait max", _s(w.max_s)],
    ]
    t = r.turn_latency
    lat = [
        ["turns", str(t.count)],
        ["mean", _s(t.mean_s)],
        ["p50", _s(t.p50_s)],
        ["p90", _s(t.p90_s)],
        ["max", _s(t.max_s)],
    ]
    return [
        ("Funnel", ["stage", "calls", "of dialed"], funnel),
        ("Dispositions", ["disposition", "calls", "share"], disp),
        (
            f"Intent grade: truth (rows) vs predicted, accuracy {_pct(r.grade_accuracy)}",
            ["truth", *GRADES, "none"],
            conf,
        ),
        (
            "Recognition (intent of customer replies)",
            ["language", "correct", "replies", "accuracy"],
            rec,
        ),
        *_recognition_confusion(r),
        ("Handoff", ["", "value"], hand),
        ("Turn latency (customer stops -> bot audio)", ["", "value"], lat),
    ]


def _recognition_confusion(r: SimulationReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """Meant (rows) vs understood (columns); only when there were replies to recognise."""
    conf = r.recognition.confusion
    if not conf:
        return []
    cols = [*sorted({k for row in conf.values() for k in row if k != "-"} | set(conf)), "-"]
    rows = [[meant, *(str(conf[meant].get(c, 0)) for c in cols)] for meant in sorted(conf)]
    return [("Recognition confusion: meant (rows) vs understood", ["meant", *cols], rows)]


def _summary(r: SimulationReport) -> str:
    parts = [
        f"script {r.script}",
        f"{r.customers} customers",
        f"seed {r.seed}",
        f"speech {r.speech}",
    ]
    if r.wall_time_s is not None:
        parts.append(f"wall time {r.wall_time_s:.1f} s")
    if r.peak_memory_mb is not None:
        parts.append(f"peak memory {r.peak_memory_mb:.0f} MB")
    return ", ".join(parts)


def render_rich(r: SimulationReport, console: Console | None = None) -> None:
    console = console or Console()
    console.print(f"[bold]Simulation[/bold]: {_summary(r)}")
    for title, header, rows in _sections(r):
        table = Table(title=title, title_justify="left")
        for i, h in enumerate(header):
            table.add_column(h, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:60rem}
h1{font-size:1.4rem}h2{font-size:1.05rem;margin-top:1.6rem}
table{border-collapse:collapse;min-width:20rem}
th,td{border:1px solid #ccc;padding:.3rem .7rem;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f2f4f7}
.meta{color:#555}
"""


def _misunderstood(
    r: SimulationReport, limit: int = 200
) -> list[tuple[str, list[str], list[list[str]]]]:
    """The replies the bot took for another intent or none (HTML page only)."""
    rows = [
        [o.customer_id, o.persona_id, t.said, t.heard, t.expected, t.recognized or "-"]
        for o in r.calls
        for t in o.turns
        if t.recognized != t.expected
    ]
    if not rows:
        return []
    title = "Misunderstood replies" + (
        f" (first {limit} of {len(rows)})" if len(rows) > limit else ""
    )
    return [(title, ["customer", "persona", "said", "heard", "meant", "understood"], rows[:limit])]


def render_html(r: SimulationReport) -> str:
    """A readable page with no external resources."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Simulation report: {html.escape(r.script)}</title><style>{_CSS}</style>",
        "</head><body>",
        f"<h1>Simulation report: {html.escape(r.script)}</h1>",
        f"<p class='meta'>{html.escape(_summary(r))}; personas: "
        f"{html.escape(', '.join(r.personas))}; generated {r.generated_at.isoformat()}</p>",
    ]
    for title, header, rows in [*_sections(r), *_misunderstood(r)]:
        parts.append(f"<h2>{html.escape(title)}</h2><table><thead><tr>")
        parts.extend(f"<th>{html.escape(h)}</th>" for h in header)
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)
