"""Scoring models as files: the defaults shipped per script family, and model JSON.

``dialogue/scoring_models/<family>.json`` holds the default of each shipped script family,
fitted on simulated calls of the fit persona variants (``tools/fit_default_models.py``). A family without one gets a default built from its script: generic conversation
and profile weights plus the signal weights the script declares.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from dialogue.intent.model import Calibration, ScoringModel
from kernel.errors import InvalidInput, NotFound
from scripts.schema import Script

DEFAULTS_DIR = Path(__file__).parent / "scoring_models"

_GENERIC: dict[str, float] = {
    "script:signal_weight": 0.6,
    "conv:customer_turns": 0.1,
    "conv:questions": 0.3,
    "conv:asks_how": 0.4,
    "conv:asks_price": 0.3,
    "conv:asks_details": 0.3,
    "conv:positive": 0.35,
    "conv:negative": -0.5,
    "conv:interruptions": -0.3,
    "conv:silences": -0.3,
    "conv:no_match": -0.15,
    "conv:talk_ratio": 0.5,
    "profile:star_level": 0.3,
    "profile:past_positive": 0.4,
    "profile:past_negative": -0.4,
}
_DEFAULT_CAL = Calibration(cut_a=2.0, cut_b=0.6, cut_c=-0.6)


def read_model(path: Path) -> ScoringModel:
    """A model from its JSON file; errors name the file and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound("model file not found", where=str(path)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"not a JSON model file: {exc}", where=str(path)) from None
    try:
        return ScoringModel.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "model"
        raise InvalidInput(err["msg"], where=f"{path}: {field}") from None


def write_model(model: ScoringModel, path: Path) -> None:
    """Write atomically (a temporary file renamed into place)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(model.model_dump_json(indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def default_model(family: str, script: Script | None = None) -> ScoringModel:
    """The shipped default of ``family``; built from ``script`` when none is shipped."""
    path = DEFAULTS_DIR / f"{family}.json"
    if path.exists():
        return read_model(path)
    if script is None:
        raise NotFound(f"no default scoring model for {family!r}", where=str(DEFAULTS_DIR))
    return model_from_script(script)


def model_from_script(script: Script) -> ScoringModel:
    """Generic weights plus each signal at the weight its script declares."""
    weights = dict(_GENERIC)
    for sig_name, weight in _declared_signals(script).items():
        weights[f"signal:{sig_name}"] = weight
    names = sorted(weights)
    return ScoringModel(
        family=script.id,
        version=f"{script.id}@default",
        feature_names=tuple(names),
        weights=tuple(weights[n] for n in names),
        bias=-0.8,
        calibration=_DEFAULT_CAL,
        description="generic default with the script's declared signal weights",
    )


def _declared_signals(script: Script) -> dict[str, float]:
    out: dict[str, float] = {}
    for st in script.states.values():
        for t in st.targets().values():
            for s in t.signals:
                out.setdefault(s.name, s.weight)
    for g in script.global_intents.values():
        for s in g.signals:
            out.setdefault(s.name, s.weight)
    return out
