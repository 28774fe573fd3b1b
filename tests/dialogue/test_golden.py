"""Golden conversations per shipped script (see golden_runner.py for the file format).

Per script the conversations must reach every end state, use every global intent, hit
no-input and no-match, and capture the callback slot.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.loader import SCRIPTS_DIR, load_script, shipped_scripts
from tests.dialogue.golden_runner import run

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TAILCALL_UPDATE_GOLDEN") == "1"


def _files() -> list[Path]:
    return sorted(GOLDEN.glob("*.yaml"))


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def test_every_shipped_script_has_golden_conversations() -> None:
    assert {p.name for p in _files()} == {p.name for p in shipped_scripts()}


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_golden_conversations(path: Path) -> None:
    data = _load(path)
    script = load_script(SCRIPTS_DIR / data["script"])
    changed = False
    for conv in data["conversations"]:
        traces, eng = run(script, conv)
        assert eng.ended, f"{conv['name']}: the call did not end"
        assert eng.disposition == conv["disposition"], conv["name"]
        if UPDATE:
            changed |= conv.get("trace") != traces
            conv["trace"] = traces
        else:
            assert traces == conv.get("trace"), f"{conv['name']}: trace differs (see module doc)"
    if changed:
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem)
def test_golden_coverage(path: Path) -> None:
    data = _load(path)
    script = load_script(SCRIPTS_DIR / data["script"])
    tokens = [t for conv in data["conversations"] for turn in conv["trace"] for t in turn]
    reached = {t[3:].split("(")[0] for t in tokens if t.startswith("to:")}
    reached |= {t[4:] for t in tokens if t.startswith("say:")}
    ends = {sid for sid, st in script.states.items() if st.is_end}
    assert ends <= reached, f"end states never reached: {sorted(ends - reached)}"
    intents = {t.split("(")[1].rstrip(")") for t in tokens if t.startswith("to:")}
    answered = {t[len("say:global.") :] for t in tokens if t.startswith("say:global.")}
    assert set(script.global_intents) <= intents | answered
    assert {"no_input", "no_match"} <= intents
    assert any(t.startswith("slot:callback_time=") for t in tokens)
    assert any(t.startswith("offer:") for t in tokens)
    assert any(t.endswith("+bridging") for t in tokens)
