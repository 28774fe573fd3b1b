"""What the script makes of a file of replies, and what it misses: the data behind
``tailcall scripts match`` (pure, apart from reading the file).

Input: one reply per line (text, with ``--state``), or JSONL objects with ``text``,
``state`` and optionally ``intent`` (the fit set's replies: their labels give an accuracy
per state and name what nothing catches).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kernel.errors import InvalidInput
from scripts.classifier import canonical_label
from scripts.schema import Script
from scripts.understanding import Understanding


@dataclass(frozen=True)
class Reply:
    text: str
    state: str
    label: str | None = None  # the intent it was written as, when given
    line: int = 0


@dataclass(frozen=True)
class Row:
    reply: Reply
    intent: str | None
    confidence: float
    source: str
    detail: str
    opted_out: bool = False

    @property
    def caught(self) -> bool:
        return self.intent is not None or self.source == "slot"

    @property
    def correct(self) -> bool | None:
        """Read as written (None when the reply carries no label)."""
        if self.reply.label is None:
            return None
        want = self.reply.label
        if want == "none":
            return not self.caught
        if want == "callback_time":
            return self.source == "slot"
        if want == "opt_out":
            return self.opted_out
        return self.intent == want and not (self.opted_out and want != "complaint")

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "line": self.reply.line,
            "state": self.reply.state,
            "text": self.reply.text,
            "intent": self.intent,
            "confidence": round(self.confidence, 3),
            "source": self.source,
            "detail": self.detail,
            "opted_out": self.opted_out,
        }
        if self.reply.label is not None:
            out["label"] = self.reply.label
            out["correct"] = self.correct
        return out


@dataclass
class StateCoverage:
    state: str
    replies: int = 0
    by_source: dict[str, int] = field(default_factory=dict)
    labelled: int = 0
    correct: int = 0
    missed: list[Row] = field(default_factory=list)  # in scope, nothing caught it


def read_replies(path: Path, state: str | None) -> list[Reply]:
    """Replies from a text or JSONL file; a bad line is an error naming the line."""
    out: list[Reply] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"not JSON: {exc.msg}", where=f"{path.name}:{n}") from None
            text, st = obj.get("text"), obj.get("state") or state
            if not isinstance(text, str) or not isinstance(st, str):
                raise InvalidInput(
                    "needs a text and a state (or --state)", where=f"{path.name}:{n}"
                )
            label = obj.get("intent")
            out.append(Reply(text, st, canonical_label(label) if label else None, n))
        else:
            if state is None:
                raise InvalidInput("a plain line needs --state", where=f"{path.name}:{n}")
            out.append(Reply(line.strip(), state, None, n))
    return out


def match(
    script: Script,
    replies: Iterable[Reply],
    understanding: Understanding,
    now: datetime | None = None,
) -> list[Row]:
    """Each reply read at its state; a callback time is read against ``now`` (the wall
    clock when None), so a figure over replies can be taken at a fixed hour."""
    rows: list[Row] = []
    for r in replies:
        if r.state not in script.states:
            raise InvalidInput(f"no state {r.state!r} in {script.id}", where=f"line {r.line}")
        u = understanding.read(r.state, [r.text], now=now)
        rows.append(Row(r, u.intent, u.confidence, u.source, u.detail, u.opted_out))
    return rows


def coverage(rows: Sequence[Row]) -> list[StateCoverage]:
    """Per state: how the replies were caught, the accuracy against labels, what was missed."""
    states: dict[str, StateCoverage] = {}
    for row in rows:
        c = states.setdefault(row.reply.state, StateCoverage(row.reply.state))
        c.replies += 1
        c.by_source[row.source] = c.by_source.get(row.source, 0) + 1
        ok = row.correct
        if ok is not None:
            c.labelled += 1
            c.correct += ok
        if not row.caught and row.reply.label not in (None, "none"):
            c.missed.append(row)
    return list(states.values())
