"""File export connector: JSONL and CSV for banks that ingest files.

Layout and atomicity (decided here): files are never appended to. Each delivered batch
becomes one immutable file per format in a directory per day (the endpoint's time zone,
UTC by default), so the export rotates daily::

    <directory>/2026-01-05/events-<HHMMSS of first event>-<hash of event ids>.jsonl
    <directory>/2026-01-05/events-<HHMMSS of first event>-<hash of event ids>.csv

A file is written as ``.<name>.tmp`` in the same directory, flushed and fsynced, then
renamed into place (atomic on POSIX) and the directory fsynced. Readers that pick up
``*.jsonl`` / ``*.csv`` never see a partial file. The batch hash comes from the event ids,
so re-exporting the same batch the same day after a crash replaces the same file; a batch regrouped
after a crash may repeat events in another file: delivery is at least once, and every row
carries its ``event_id`` (and lead ``version``) for the ingester to dedupe and order.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crm_sync.backoff import Result
from crm_sync.connectors import EndpointInfo, OutboundEvent, public_payload
from kernel.clock import Clock

CSV_COLUMNS = (
    "event_id",
    "event_type",
    "timestamp",
    "lead_id",
    "version",
    "status",
    "route",
    "branch",
    "customer_id",
    "phone",
    "kind",
    "grade",
    "score",
    "reasons",
    "disposition",
    "handoff_result",
    "agent_outcome",
    "callback_at",
    "next_action",
    "transcript_url",
    "call_id",
    "attempt_id",
    "campaign_id",
    "script_id",
    "call_ended_at",
)
# Free-text columns a spreadsheet might read as a formula.
_TEXT_COLUMNS = frozenset({"branch", "reasons", "disposition", "agent_outcome", "next_action"})


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` so that it appears complete or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _csv_safe(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "|".join(str(v) for v in value)
    text = str(value)
    if column in _TEXT_COLUMNS and text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return text


def csv_row(payload: dict[str, Any]) -> dict[str, str]:
    data = payload.get("data") or {}
    row: dict[str, Any] = {
        "event_id": payload.get("id"),
        "event_type": payload.get("type"),
        "timestamp": payload.get("timestamp"),
        "version": data.get("version"),
        "phone": data.get("phone_e164") or data.get("phone_masked"),
        "call_ended_at": data.get("call_ended_at") or data.get("ended_at"),
    }
    for col in CSV_COLUMNS:
        if col not in row:
            row[col] = data.get(col)
    return {c: _csv_safe(c, row[c]) for c in CSV_COLUMNS}


def render(events: Sequence[OutboundEvent], fmt: str, include_phone: bool) -> bytes:
    payloads = [public_payload(e.payload, include_phone) for e in events]
    if fmt == "jsonl":
        lines = (json.dumps(p, separators=(",", ":"), ensure_ascii=False) for p in payloads)
        return ("\n".join(lines) + "\n").encode()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for p in payloads:
        writer.writerow(csv_row(p))
    return ("\ufeff" + buf.getvalue()).encode()  # BOM: spreadsheet tools read UTF-8 right


def _safe_name(branch: str) -> str:
    """A branch code or name as one folder name (no separators, no dot-only names)."""
    cleaned = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in branch).strip()
    return cleaned if cleaned.strip(".") else "_"


class FileExportConnector:
    def __init__(self, endpoint: EndpointInfo, clock: Clock) -> None:
        directory = endpoint.config.get("directory")
        if not directory:
            raise ValueError(f"file endpoint {endpoint.id} lacks config.directory")
        self.directory = Path(str(directory))
        self.formats: list[str] = list(endpoint.config.get("formats") or ["jsonl", "csv"])
        self.zone = ZoneInfo(str(endpoint.config.get("timezone") or "UTC"))
        self.include_phone = bool(endpoint.config.get("include_phone", False))
        self.clock = clock

    def paths(self, events: Sequence[OutboundEvent], now: datetime) -> dict[str, Path]:
        # Day from the export time (rotation); the time of day from the batch's first
        # event, so the same batch re-exported the same day gets the same name.
        day = self.directory / f"{now.astimezone(self.zone):%Y-%m-%d}"
        digest = hashlib.sha256("\n".join(e.event_id for e in events).encode()).hexdigest()[:16]
        try:
            first = datetime.fromisoformat(str(events[0].payload.get("timestamp")))
            hms = f"{first.astimezone(self.zone):%H%M%S}"
        except ValueError:
            hms = "000000"
        stem = f"events-{hms}-{digest}"
        return {fmt: day / f"{stem}.{fmt}" for fmt in self.formats}

    def write(self, events: Sequence[OutboundEvent], now: datetime) -> list[Path]:
        written = []
        paths = self.paths(events, now)
        for fmt, path in paths.items():
            atomic_write(path, render(events, fmt, self.include_phone))
            written.append(path)
        # Each branch also gets its own leads of the batch, in branches/<code>/ beside the
        # day's files, so a branch picks up only what it must follow up in person.
        by_branch: dict[str, list[OutboundEvent]] = {}
        for e in events:
            data = e.payload.get("data")
            branch = data.get("branch") if isinstance(data, dict) else None
            if isinstance(data, dict) and data.get("route") == "branch" and isinstance(branch, str):
                by_branch.setdefault(branch or "_unassigned", []).append(e)
        for branch, items in sorted(by_branch.items()):
            folder = _safe_name(branch)
            for fmt, path in paths.items():
                target = path.parent / "branches" / folder / path.name
                atomic_write(target, render(items, fmt, self.include_phone))
                written.append(target)
        return written

    async def deliver(self, events: Sequence[OutboundEvent]) -> list[Result]:
        if not events:
            return []
        start = self.clock.monotonic()
        try:
            await asyncio.to_thread(self.write, events, self.clock.now())
        except OSError as exc:
            err = f"file export failed: {type(exc).__name__} errno={exc.errno}"
            return [Result(None, err) for _ in events]
        ms = int((self.clock.monotonic() - start) * 1000)
        return [Result(200, None, duration_ms=ms) for _ in events]

    async def aclose(self) -> None:
        return None
