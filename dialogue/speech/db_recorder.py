"""``DbCallRecorder``: a ``CallRecorder`` that stores calls in the database, off the loop.

The pipeline calls ``transcript``/``turn``/``ended`` on the event loop; they only append
to a queue (never block audio). One writer thread per process drains it: rows are
collected per call and written in one transaction per call when the call ends, or when
``batch_rows`` are waiting, or ``flush_s`` after the first waiting row (so a long call's
transcript shows up while it runs). A failed write is logged and retried with the next
batch of that call; nothing raises into the call.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from loguru import logger
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dialogue.speech.models import CallSummaryRow, CallTranscriptRow, CallTurnMetric
from dialogue.speech.records import CallSummary, TranscriptRow, TurnMetrics
from kernel.clock import Clock, SystemClock
from kernel.db import Database, is_sqlite
from kernel.privacy import mask_text


@dataclass
class _Pending:
    attempt_id: int | None = None
    rows: list[TranscriptRow] = field(default_factory=list)
    turns: list[TurnMetrics] = field(default_factory=list)
    summary: CallSummary | None = None
    reopened: bool = False  # late lines of a call already written to its end
    next_row: int = 0
    next_turn: int = 0
    since: float | None = None


_Item = tuple[str, str, object]
ENDED_KEPT = 1000  # ended calls whose row numbers are remembered for late lines


class DbCallRecorder:
    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        batch_rows: int = 50,
        flush_s: float = 2.0,
    ) -> None:
        self._db = db
        self._clock = clock or SystemClock()
        self._batch = batch_rows
        self._flush_s = flush_s
        self._q: queue.Queue[_Item | None] = queue.Queue()
        self._calls: dict[str, _Pending] = {}
        # calls written to the end, so a line that comes after (the last words of a human
        # leg, recognised after the hang-up) goes on at the next row number
        self._ended: OrderedDict[str, _Pending] = OrderedDict()
        self.failures = 0
        self._thread = threading.Thread(target=self._run, name="call-recorder", daemon=True)
        self._thread.start()

    # -- CallRecorder (event loop side: never blocks) -----------------------------------

    def bind(self, call_id: str, attempt_id: int | None) -> None:
        """Link a call to the dialer's attempt (before or during the call)."""
        self._put(("bind", call_id, attempt_id))

    def transcript(self, call_id: str, row: TranscriptRow) -> None:
        # stored with personal numbers masked (a card or ID number read out, a phone)
        self._put(("row", call_id, replace(row, text=mask_text(row.text))))

    def turn(self, call_id: str, metrics: TurnMetrics) -> None:
        self._put(("turn", call_id, metrics))

    def ended(self, call_id: str, summary: CallSummary) -> None:
        self._put(("end", call_id, summary))

    def _put(self, item: _Item) -> None:
        self._q.put(item)

    def drain(self, timeout: float = 10.0) -> bool:
        """Write everything queued so far and wait for it (tests, shutdown)."""
        done = threading.Event()
        self._q.put(("drain", "", done))
        return done.wait(timeout)

    def close(self, timeout: float = 10.0) -> None:
        self.drain(timeout)
        self._q.put(None)
        self._thread.join(timeout)

    # -- writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                item = self._q.get(timeout=self._flush_s / 2)
            except queue.Empty:
                item = ("tick", "", None)
            if item is None:
                self._write_due(force=True)
                return
            kind, call_id, payload = item
            if kind == "drain":
                self._write_due(force=True)
                if isinstance(payload, threading.Event):
                    payload.set()
                continue
            if call_id:
                p = self._calls.get(call_id) or self._reopen(call_id)
                if kind == "bind":
                    p.attempt_id = payload if isinstance(payload, int) else None
                elif kind == "row" and isinstance(payload, TranscriptRow):
                    p.rows.append(payload)
                elif kind == "turn" and isinstance(payload, TurnMetrics):
                    p.turns.append(payload)
                elif kind == "end" and isinstance(payload, CallSummary):
                    p.summary = payload
                if p.since is None:
                    p.since = time.monotonic()
            self._write_due(force=False)

    def _reopen(self, call_id: str) -> _Pending:
        """A new entry for the call, numbered on from its written rows if it has ended."""
        done = self._ended.pop(call_id, None)
        p = _Pending()
        if done is not None:
            p.attempt_id, p.next_row, p.next_turn = done.attempt_id, done.next_row, done.next_turn
            p.reopened = True
        self._calls[call_id] = p
        return p

    def _write_due(self, *, force: bool) -> None:
        now = time.monotonic()
        for call_id, p in list(self._calls.items()):
            waiting = len(p.rows) + len(p.turns)
            due = (
                force
                or p.summary is not None
                or waiting >= self._batch
                or (p.since is not None and now - p.since >= self._flush_s)
            )
            if not due or not (waiting or p.summary):
                continue
            try:
                self._write(call_id, p)
            except Exception:
                self.failures += 1
                logger.exception("writing call records failed", call_id=call_id)
                continue
            if p.summary is not None or (p.reopened and not (p.rows or p.turns)):
                del self._calls[call_id]
                p.summary = None
                self._ended[call_id] = p
                while len(self._ended) > ENDED_KEPT:
                    self._ended.popitem(last=False)

    def _write(self, call_id: str, p: _Pending) -> None:
        rows, turns, summary = list(p.rows), list(p.turns), p.summary
        with self._db.session() as s:
            for i, r in enumerate(rows):
                s.add(
                    CallTranscriptRow(
                        call_sid=call_id,
                        attempt_id=p.attempt_id,
                        seq=p.next_row + i,
                        speaker=r.speaker,
                        text=r.text,
                        confidence=r.confidence,
                        start_s=r.start_s,
                        end_s=r.end_s,
                        state=r.state,
                        matched=r.matched,
                        prompt_id=r.prompt_id,
                    )
                )
            for i, t in enumerate(turns):
                s.add(
                    CallTurnMetric(
                        call_sid=call_id,
                        attempt_id=p.attempt_id,
                        seq=p.next_turn + i,
                        state=t.state,
                        speech_end_s=t.speech_end_s,
                        asr_final_latency_s=t.asr_final_latency_s,
                        response_latency_s=t.response_latency_s,
                        tts_s=t.tts_s,
                        accepted=t.accepted,
                    )
                )
            if summary is not None:
                values = {
                    "call_sid": call_id,
                    "attempt_id": p.attempt_id,
                    "disposition": summary.disposition,
                    "duration_s": summary.duration_s,
                    "greeting_latency_s": summary.greeting_latency_s,
                    "final_state": summary.final_state,
                    "turns": summary.turns,
                    "error": summary.error,
                    "recording_path": summary.recording_path,
                    "ended_at": self._clock.now(),
                }
                ins = sqlite_insert if is_sqlite(self._db.engine) else pg_insert
                stmt = ins(CallSummaryRow).values(**values)
                stmt = stmt.on_conflict_do_nothing(index_elements=["call_sid"])
                s.execute(stmt)
        # only now (committed) forget what was written
        del p.rows[: len(rows)]
        del p.turns[: len(turns)]
        p.next_row += len(rows)
        p.next_turn += len(turns)
        p.since = None if not (p.rows or p.turns) else time.monotonic()
