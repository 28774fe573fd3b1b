from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from simulator.report import RecognizedTurn, SimulatedCall, build_report, render_html, render_rich


def outcomes() -> list[SimulatedCall]:
    out = [
        SimulatedCall(
            customer_id="c1",
            persona_id="interested",
            true_grade="A",
            predicted_grade="A",
            disposition="handed_off",
            answered=True,
            human=True,
            engaged=True,
            handoff_offered=True,
            handoff_accepted=True,
            handoff_wait_s=4.0,
            turn_latencies_s=[0.3, 0.5],
            turns=[
                RecognizedTurn(expected="yes", recognized="yes", language="ko-KR"),
                RecognizedTurn(
                    expected="ask_how",
                    recognized="no",
                    language="ko-KR",
                    said="어떻게 해요",
                    heard="아니요",
                ),
            ],
        ),
        SimulatedCall(
            customer_id="c2",
            persona_id="neutral",
            true_grade="C",
            predicted_grade="B",
            disposition="completed",
            answered=True,
            human=True,
            engaged=True,
            turn_latencies_s=[0.4],
            turns=[RecognizedTurn(expected="no", recognized="no", language="ko-KR")],
        ),
        SimulatedCall(
            customer_id="c3",
            persona_id="opt_out",
            true_grade="D",
            predicted_grade="D",
            disposition="opt_out",
            answered=True,
            human=True,
            handoff_offered=True,
            handoff_wait_s=20.0,
        ),
        SimulatedCall(customer_id="c4", persona_id="busy", true_grade="C", disposition="no_answer"),
        SimulatedCall(
            customer_id="c5",
            persona_id="busy",
            true_grade="C",
            disposition="voicemail",
            answered=True,
        ),
    ]
    return out


def test_figures() -> None:
    r = build_report(
        outcomes(),
        script="deposit_ko",
        seed=7,
        speech="audio",
        generated_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    assert r.funnel == {
        "dialed": 5,
        "answered": 4,
        "human": 3,
        "engaged": 2,
        "qualified": 2,
        "handoff_offered": 2,
        "handed_off": 1,
        "completed": 0,
        "opted_out": 0,
        "leads": 0,
    }
    assert r.dispositions["no_answer"] == 1 and sum(r.dispositions.values()) == 5
    assert r.confusion["A"]["A"] == 1 and r.confusion["C"]["B"] == 1
    assert r.confusion["D"]["D"] == 1 and r.confusion["C"]["-"] == 0  # c4 never answered
    assert r.grade_accuracy == 2 / 3
    assert (r.recognition.correct, r.recognition.utterances) == (2, 3)
    assert r.recognition.by_language == {"ko-KR": (2, 3)}
    assert sum(n for row in r.recognition.confusion.values() for n in row.values()) == 3
    assert sum(row.get(meant, 0) for meant, row in r.recognition.confusion.items()) == 2
    assert r.handoff.acceptance == 0.5 and r.handoff.wait.max_s == 20.0
    assert r.turn_latency.count == 3 and r.turn_latency.p50_s == 0.4


def test_json_round_trip_and_files(tmp_path: Path) -> None:
    r = build_report(
        outcomes(),
        script="deposit_ko",
        seed=7,
        speech="text",
        generated_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    j, h = r.save(tmp_path)
    data = json.loads(j.read_text())
    assert data["funnel"]["dialed"] == 5 and data["speech"] == "text"
    assert type(r).model_validate_json(j.read_text()) == r
    page = h.read_text()
    assert page.startswith("<!doctype html>") and "http" not in page.split("<body>")[0].lower()
    assert "Intent grade" in page and "deposit_ko" in page and "66.7 %" in page
    # every call is in the JSON; the misunderstood replies are listed on the page
    assert [c["customer_id"] for c in data["calls"]] == ["c1", "c2", "c3", "c4", "c5"]
    assert "Misunderstood replies" in page and "어떻게 해요" in page and "아니요" in page


def test_html_escapes() -> None:
    r = build_report(
        outcomes(),
        script="<script>x</script>",
        seed=1,
        speech="text",
        generated_at=datetime(2026, 1, 5, tzinfo=UTC),
    )
    assert "<script>x" not in render_html(r)


def test_rich_tables() -> None:
    r = build_report(
        outcomes(),
        script="deposit_ko",
        seed=7,
        speech="audio",
        generated_at=datetime(2026, 1, 5, tzinfo=UTC),
        wall_time_s=3.0,
    )
    console = Console(record=True, width=120)
    render_rich(r, console)
    text = console.export_text()
    for needle in (
        "Funnel",
        "Dispositions",
        "Recognition",
        "Recognition confusion",
        "Handoff",
        "Turn latency",
        "66.7 %",
        "wall time 3.0 s",
    ):
        assert needle in text


def test_empty_run() -> None:
    r = build_report(
        [], script="s", seed=0, speech="text", generated_at=datetime(2026, 1, 5, tzinfo=UTC)
    )
    assert r.grade_accuracy is None and r.recognition.accuracy is None
    assert "Funnel" in render_html(r)
