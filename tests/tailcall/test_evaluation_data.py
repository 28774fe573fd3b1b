"""The hand-written evaluation data: the held-out set (bench/heldout) and the fit set
(simulator/fitset) are well formed, large enough, share no reply, and no production or
fitting code reads the held-out set."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

from dialogue.intent.labelled_calls import read_jsonl
from scripts.loader import find_script, load_script
from scripts.schema import Script

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "bench" / "heldout"
FITSET = ROOT / "simulator" / "fitset"
SETS = (HELDOUT, FITSET)
# Code that fits, matches or simulates: none of it may name the held-out set.
APART = ("kernel", "scripts", "dialogue", "simulator", "tools")
SOURCE_SUFFIXES = {".py", ".yaml", ".yml", ".json", ".toml", ".cfg", ".sh"}

SHIPPED = (
    ("points_reminder", "zh-CN"),
    ("wealth_followup", "zh-CN"),
    ("dormant_reactivation", "zh-CN"),
    ("points_reminder", "ko-KR"),
)
IDENTITY_INTENTS = {"confirm", "deny", "relative", "wrong_number"}
IDENTITY_MEANS = {"confirm_identity", "relative", "wrong_person"}  # what the scripts call them
OUT_OF_SCOPE = "none"
CALLS_PER_GRADE = {"zh-CN": 40, "ko-KR": 15}
OPTOUT_MIN = {"zh-CN": 150, "ko-KR": 40}
REPLIES_PER_CELL = 15


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _norm(text: str) -> str:
    return re.sub(r"[\s，,。.？?！!…、~]", "", text)


@lru_cache(maxsize=8)
def _script(script_id: str, language: str) -> Script:
    return load_script(find_script(script_id, language))


def _allowed(script: Script, state: str) -> set[str]:
    """The intents a reply heard in ``state`` may be labelled with."""
    globals_ = set(script.global_intents)
    if state == "identity":
        # the identity pool's names, and any other answer the script's identity state takes
        # (dormant_reactivation's decline: the offer refused before saying who they are)
        own = set(script.states["identity"].transitions) - IDENTITY_MEANS
        return IDENTITY_INTENTS | own | (globals_ - {"wrong_person"}) | {OUT_OF_SCOPE}
    st = script.states[state]
    allowed = set(st.transitions) | (globals_ - set(st.disable_globals)) | {OUT_OF_SCOPE}
    if st.capture is not None:
        allowed.add("callback_time")
    return allowed


@pytest.mark.parametrize("root", SETS, ids=lambda p: p.name)
def test_optout_set_is_well_formed_and_large_enough(root: Path) -> None:
    rows = _rows(root / "optout.jsonl")
    counts: Counter[tuple[str, str]] = Counter()
    for no, r in enumerate(rows, 1):
        assert set(r) <= {"text", "label", "language", "state", "variant"}, no
        assert r["text"].strip(), no
        assert r["label"] in {"opt_out", "other"}, no
        assert r["variant"] in {"clean", "asr_error"}, no
        counts[(r["language"], r["label"])] += 1
    for language, least in OPTOUT_MIN.items():
        assert counts[(language, "opt_out")] >= least, (language, counts)
        assert counts[(language, "other")] >= least, (language, counts)
    asr = sum(r["variant"] == "asr_error" for r in rows) / len(rows)
    assert 0.25 <= asr <= 0.45, asr


@pytest.mark.parametrize("root", SETS, ids=lambda p: p.name)
@pytest.mark.parametrize(("script_id", "language"), SHIPPED)
def test_replies_name_real_states_and_intents(root: Path, script_id: str, language: str) -> None:
    script = _script(script_id, language)
    rows = _rows(root / "replies" / f"{script_id}.{language}.jsonl")
    cells: Counter[tuple[str, str]] = Counter()
    for no, r in enumerate(rows, 1):
        assert (r["script"], r["language"]) == (script_id, language), no
        assert r["state"] == "identity" or r["state"] in script.states, (no, r["state"])
        assert r["intent"] in _allowed(script, r["state"]), (no, r["state"], r["intent"])
        assert r["variant"] in {"clean", "asr_error"}, no
        cells[(r["state"], r["intent"])] += 1
    small = {cell: n for cell, n in cells.items() if n < REPLIES_PER_CELL}
    assert not small, small
    asked = {s for s, _ in cells}
    for state in asked - {"identity"}:
        for intent in script.states[state].transitions:
            assert cells[(state, intent)] >= REPLIES_PER_CELL, (state, intent)


@pytest.mark.parametrize("root", SETS, ids=lambda p: p.name)
@pytest.mark.parametrize(("script_id", "language"), SHIPPED)
def test_calls_replay_and_cover_every_grade(root: Path, script_id: str, language: str) -> None:
    name = f"{script_id}.{language}.jsonl"
    with_identity = read_jsonl(root / "calls" / name)
    without = read_jsonl(root / "calls" / "no_identity" / name)
    assert [c.call_id for c in with_identity] == [c.call_id for c in without]
    grades: Counter[str | None] = Counter(c.label for c in with_identity)
    for grade in "ABCD":
        assert grades[grade] >= CALLS_PER_GRADE[language], grades
    for call in with_identity:
        assert (call.script, call.language) == (script_id, language)
        assert call.utterances, call.call_id


def test_fit_set_shares_no_text_with_the_held_out_set() -> None:
    held = {_norm(r["text"]) for p in HELDOUT.rglob("*.jsonl") for r in _rows(p) if "text" in r}
    # the failure names fit-set files and row numbers only: a shared line is a held-out
    # text, and printing it would show the held-out set to whoever fixes the fit set
    shared = [
        f"{p.relative_to(FITSET)} row {n}"
        for p in (FITSET / "optout.jsonl", *sorted((FITSET / "replies").glob("*.jsonl")))
        for n, r in enumerate(_rows(p), start=1)
        if _norm(r["text"]) in held
    ]
    assert not shared, f"{len(shared)} fit-set lines equal a held-out text: {shared[:20]}"


def test_fit_set_is_at_least_as_large_as_the_held_out_set() -> None:
    for held in sorted(HELDOUT.rglob("*.jsonl")):
        fit = FITSET / held.relative_to(HELDOUT)
        assert len(_rows(fit)) >= len(_rows(held)), fit


def test_no_fitting_or_production_code_reads_the_held_out_set() -> None:
    readers = [
        str(p.relative_to(ROOT))
        for pkg in APART
        for p in sorted((ROOT / pkg).rglob("*"))
        if p.suffix in SOURCE_SUFFIXES
        and "heldout" in p.read_text(encoding="utf-8", errors="replace").lower()
    ]
    assert not readers, f"the held-out set is for evaluation only: {readers}"
