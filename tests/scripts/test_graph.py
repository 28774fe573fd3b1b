"""Diagrams: Mermaid text and SVG cover every state and edge."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from scripts.graph import edges, merged_edges, mermaid, svg
from scripts.loader import load_script, shipped_scripts


@pytest.mark.parametrize("path", list(shipped_scripts()), ids=lambda p: p.name)
def test_mermaid_and_svg_have_every_state(path: object) -> None:
    s = load_script(str(path))
    text = mermaid(s)
    assert text.startswith("flowchart TD\n")
    for sid in s.states:
        assert f"  {sid}" in text
    root = ET.fromstring(svg(s))
    ids = {g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {f"state-{sid}" for sid in s.states} <= ids
    paths = list(root.iter("{http://www.w3.org/2000/svg}path"))
    assert len([p for p in paths if p.get("marker-end")]) == len(merged_edges(s))
    assert len(merged_edges(s)) <= len(edges(s))


def test_edges_include_globals_handoffs_and_slots() -> None:
    from scripts.loader import find_script

    s = load_script(find_script("points_reminder", "zh-CN"))
    kinds = {(e.source, e.target, e.kind) for e in edges(s)}
    assert ("__any__", "end_opt_out", "global") in kinds
    assert ("transfer_agent", "agent_busy", "handoff") in kinds
    assert ("ask_callback", "end_callback", "slot") in kinds
    assert ("opening", "identity", "next") in kinds
    assert ("identity", "points_info", "intent") in kinds
