"""What a call leaves behind: transcript rows, per-turn metrics, a summary.

The pipeline reports to a ``CallRecorder``; storage is wired by the application (the
in-memory one serves tests, the simulator and benchmarks). Recorder methods are called
on the event loop and must not block: a database-backed recorder queues the rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal, Protocol

Speaker = Literal["customer", "bot", "agent"]


@dataclass(frozen=True)
class TranscriptRow:
    speaker: Speaker
    text: str  # what was said (the customer's: as heard, in the model's word units)
    confidence: float | None
    start_s: float  # seconds from the start of the call
    end_s: float
    state: str
    matched: str | None = None  # the grammar phrase accepted, None on no-match
    prompt_id: str | None = None


@dataclass(frozen=True)
class TurnMetrics:
    state: str
    speech_end_s: float  # seconds from the start of the call
    asr_final_latency_s: float  # end of speech -> final ASR result (includes VAD stop delay)
    response_latency_s: float | None  # end of speech -> first bot audio (None: bot silent)
    tts_s: float | None  # render (or cache read) time of the first prompt
    accepted: bool


@dataclass(frozen=True)
class CallSummary:
    disposition: str
    duration_s: float
    greeting_latency_s: float | None  # pipeline start -> first bot audio
    final_state: str
    turns: int
    error: str | None = None
    recording_path: str | None = None


class CallRecorder(Protocol):
    def transcript(self, call_id: str, row: TranscriptRow) -> None: ...

    def turn(self, call_id: str, metrics: TurnMetrics) -> None: ...

    def ended(self, call_id: str, summary: CallSummary) -> None: ...


@dataclass
class InMemoryCallRecorder:
    """Keeps everything in dicts by call id."""

    rows: dict[str, list[TranscriptRow]] = field(default_factory=lambda: defaultdict(list))
    turns: dict[str, list[TurnMetrics]] = field(default_factory=lambda: defaultdict(list))
    summaries: dict[str, CallSummary] = field(default_factory=dict)

    def transcript(self, call_id: str, row: TranscriptRow) -> None:
        self.rows[call_id].append(row)

    def turn(self, call_id: str, metrics: TurnMetrics) -> None:
        self.turns[call_id].append(metrics)

    def ended(self, call_id: str, summary: CallSummary) -> None:
        self.summaries[call_id] = summary
