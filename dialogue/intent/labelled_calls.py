"""Labelled calls (JSONL) and their replay through the real script engine.

Two line formats (docs/intent.md):
- replay: ``{"script", "language", "profile", "utterances", "label"}``: the customer's
  utterances in order; the bot's side is replayed through ``dialogue.engine.ScriptEngine``;
- full: ``{"script", "language", "profile", "turns", "label"}``: a recorded transcript
  (speaker, text, timings, barge-in); its customer turns are replayed the same way, with
  the recorded timings used for the talk ratio.

Replay rules: ``null`` (or ``{"text": null}``) is a silence (``NoInput``); ``""`` is speech
that was not understood; ``{"dtmf": "1"}`` a key press. Every handoff the script offers is
declined (no agent takes part in a replay), so the bot goes on as it would when nobody
accepts. Utterances after the call ended are ignored; a call whose utterances run out
before it ends ends with the customer hanging up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from dialogue.engine import (
    CustomerHangup,
    Dtmf,
    HandoffDeclined,
    NoInput,
    OfferHandoff,
    Say,
    ScriptEngine,
    Utterance,
)
from dialogue.intent.model import GradeThresholds, ScoringModel
from dialogue.intent.profile import CustomerProfile
from dialogue.intent.scorer import IntentScorer, ScoreUpdate, TurnObservation
from kernel.errors import InvalidInput
from kernel.vocab import Grade
from scripts.loader import find_script, load_script
from scripts.schema import Script

REPLAY_START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a Monday


class SpokenTurn(BaseModel):
    """One customer turn of the replay format, in its long form."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = None
    confidence: float = Field(default=1.0, ge=0, le=1)
    barge_in: bool = False
    dtmf: str | None = Field(default=None, pattern=r"^[0-9*#]$")
    speech_s: float | None = Field(default=None, ge=0)


class _CallBase(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: str | None = None
    script: str = Field(min_length=1)
    language: str = Field(min_length=2)
    profile: CustomerProfile = Field(default_factory=CustomerProfile)
    customer: dict[str, Any] = Field(
        default_factory=dict, description="script variables (name, points, ...)"
    )
    variant: str | None = None
    started_at: datetime | None = None
    label: Grade | None = None
    persona: str | None = None  # where a simulated call came from (for splits and reports)

    @model_validator(mode="after")
    def _aware(self) -> _CallBase:
        if self.started_at is not None and self.started_at.tzinfo is None:
            raise ValueError("started_at must carry a time zone")
        return self


class ReplayCall(_CallBase):
    utterances: list[str | SpokenTurn | None]

    def spoken(self) -> list[SpokenTurn]:
        out: list[SpokenTurn] = []
        for u in self.utterances:
            if u is None or isinstance(u, str):
                out.append(SpokenTurn(text=u))
            else:
                out.append(u)
        return out


class RecordedTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    speaker: Literal["customer", "bot", "agent"]
    text: str | None = None
    event: Literal["no_input", "dtmf"] | None = None
    dtmf: str | None = Field(default=None, pattern=r"^[0-9*#]$")
    confidence: float | None = Field(default=None, ge=0, le=1)
    barge_in: bool = False
    start_s: float | None = Field(default=None, ge=0)
    end_s: float | None = Field(default=None, ge=0)
    state: str | None = None
    prompt_id: str | None = None


class FullCall(_CallBase):
    turns: list[RecordedTurn]

    def as_replay(self) -> ReplayCall:
        utts: list[str | SpokenTurn | None] = []
        for t in self.turns:
            if t.speaker != "customer":
                continue
            dur = (
                t.end_s - t.start_s
                if t.start_s is not None and t.end_s is not None and t.end_s >= t.start_s
                else None
            )
            if t.event == "no_input":
                utts.append(None)
            elif t.event == "dtmf" or t.dtmf is not None:
                utts.append(SpokenTurn(dtmf=t.dtmf))
            else:
                utts.append(
                    SpokenTurn(
                        text=t.text or "",
                        confidence=1.0 if t.confidence is None else t.confidence,
                        barge_in=t.barge_in,
                        speech_s=dur,
                    )
                )
        base = self.model_dump(exclude={"turns"})
        return ReplayCall(**base, utterances=utts)


LabelledLine = ReplayCall | FullCall


# ------------------------------------------------------------------------------ reading
def parse_line(text: str, where: str) -> ReplayCall:
    """One JSONL line in either format, as a replay; errors name ``where`` and the field."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON ({exc.msg})", where=where) from None
    if not isinstance(data, dict):
        raise InvalidInput("a labelled call is a JSON object", where=where)
    if "utterances" in data:
        cls: type[ReplayCall] | type[FullCall] = ReplayCall
    elif "turns" in data:
        cls = FullCall
    else:
        raise InvalidInput("needs `utterances` (replay format) or `turns` (full)", where=where)
    try:
        call = cls.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p[:1].isupper())]
        field_name = ".".join(str(p) for p in loc) or "line"
        raise InvalidInput(err["msg"], where=f"{where}: {field_name}") from None
    return call.as_replay() if isinstance(call, FullCall) else call


def read_jsonl(path: Path, *, need_label: bool = True) -> list[ReplayCall]:
    """Every call of a JSONL file (blank lines skipped); the first bad line is an error
    naming ``file:line`` and the field."""
    out: list[ReplayCall] = []
    try:
        fh = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput("labels file not found", where=str(path)) from None
    with fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{no}"
            try:
                call = parse_line(line, where)
            except UnicodeDecodeError:
                raise InvalidInput("not UTF-8 text", where=where) from None
            if need_label and call.label is None:
                raise InvalidInput("missing", where=f"{where}: label")
            out.append(call)
    return out


def iter_lines(lines: Iterable[str], source: str = "<lines>") -> Iterator[ReplayCall]:
    for no, line in enumerate(lines, 1):
        if line.strip():
            yield parse_line(line, f"{source}:{no}")


# ------------------------------------------------------------------------------- replay
@lru_cache(maxsize=32)
def shipped_script(script_id: str, language: str) -> Script:

    return load_script(find_script(script_id, language))


@dataclass
class ReplayDriver:
    """Drives one call's engine with customer turns, by the replay rules; the scorer
    observes every turn. The simulator's text mode uses it step by step too."""

    engine: ScriptEngine
    scorer: IntentScorer
    at: datetime
    updates: list[ScoreUpdate] = field(default_factory=list)
    said: list[Say] = field(default_factory=list)
    ignored: int = 0

    def _run(self, event: object | None, actions: list[object], turn: SpokenTurn | None) -> None:
        self._observe(event, actions, turn)
        if any(isinstance(a, OfferHandoff) for a in actions) and not self.engine.ended:
            declined = HandoffDeclined()
            self._observe(declined, list(self.engine.handle(declined)), None)

    def _observe(
        self, event: object | None, actions: list[object], turn: SpokenTurn | None
    ) -> None:
        self.said.extend(a for a in actions if isinstance(a, Say))
        self.updates.append(
            self.scorer.observe(
                self.engine,
                event,
                actions,
                at=self.at,
                barge_in=turn.barge_in if turn else False,
                speech_s=turn.speech_s if turn else None,
            )
        )

    def start(self) -> None:
        self._run(None, list(self.engine.start()), None)

    def feed(self, turn: SpokenTurn) -> None:
        if self.engine.ended:
            self.ignored += 1
            return
        event: Dtmf | NoInput | Utterance
        if turn.dtmf is not None:
            event = Dtmf(turn.dtmf)
        elif turn.text is None:
            event = NoInput()
        else:
            event = Utterance(turn.text, turn.confidence)
        self._run(event, list(self.engine.handle(event)), turn)

    def finish(self) -> None:
        if not self.engine.ended:
            event = CustomerHangup()
            self._run(event, list(self.engine.handle(event)), None)

    @property
    def last_prompt(self) -> Say | None:
        return self.said[-1] if self.said else None


@dataclass(frozen=True)
class ReplayResult:
    call: ReplayCall
    updates: tuple[ScoreUpdate, ...]
    features: dict[str, float]
    disposition: str | None
    final: ScoreUpdate
    ignored: int = 0  # utterances after the call had ended

    @property
    def handoff_requests(self) -> int:
        return sum(1 for u in self.updates if u.handoff_request is not None)


def start_driver(
    call: ReplayCall,
    model: ScoringModel,
    thresholds: GradeThresholds | None = None,
    script: Script | None = None,
) -> ReplayDriver:
    script = script or shipped_script(call.script, call.language)
    if script.language != call.language:
        raise InvalidInput(
            f"script {script.id} is in {script.language}, the call in {call.language}",
            where="language",
        )
    at = call.started_at or REPLAY_START
    engine = ScriptEngine(script, call.customer, variant=call.variant, clock_now=at)
    scorer = IntentScorer(model, script, call.profile, thresholds, call_sid=call.call_id or "")
    driver = ReplayDriver(engine, scorer, at)
    driver.start()
    return driver


def replay(
    call: ReplayCall,
    model: ScoringModel,
    thresholds: GradeThresholds | None = None,
    script: Script | None = None,
) -> ReplayResult:
    """Replay one call through the engine and the scorer."""
    driver = start_driver(call, model, thresholds, script)
    for turn in call.spoken():
        driver.feed(turn)
    driver.finish()
    return ReplayResult(
        call=call,
        updates=tuple(driver.updates),
        features=driver.scorer.features(),
        disposition=driver.engine.disposition,
        final=driver.updates[-1],
        ignored=driver.ignored,
    )


def observation_count(results: Iterable[ReplayResult]) -> int:
    return sum(len(r.updates) for r in results)


def label_counts(calls: Iterable[ReplayCall]) -> Mapping[str, int]:
    out: dict[str, int] = {}
    for c in calls:
        if c.label is not None:
            out[c.label] = out.get(c.label, 0) + 1
    return out


__all__ = [
    "FullCall",
    "RecordedTurn",
    "ReplayCall",
    "ReplayDriver",
    "ReplayResult",
    "SpokenTurn",
    "TurnObservation",
    "parse_line",
    "read_jsonl",
    "replay",
    "start_driver",
]
