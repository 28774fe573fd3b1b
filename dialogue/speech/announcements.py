"""The library of carrier announcements the answer listener knows, as files.

Two folders, each a ``library.yaml`` beside its 8 kHz mono PCM16 WAV files:

- shipped (``dialogue/speech/data/announcements``): the simulator's announcements
  (关机, 空号, 停机, 不在服务区, 呼叫受限), rendered by ``tools/make_announcements.py``;
- the bank's (``<data dir>/answering``): its carriers' real recordings, added with
  ``tailcall speech answering add``; an entry there with a shipped entry's name replaces it.

``library.yaml``: ``entries: [{name, outcome, label, file}]``; ``outcome`` is one of
``ANNOUNCEMENT_OUTCOMES`` (or ``voicemail`` for a box's fixed greeting).
"""

from __future__ import annotations

import io
import os
import re
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr
import yaml

from dialogue.speech.answering import ANNOUNCEMENT_OUTCOMES
from dialogue.speech.fingerprint import RATE, Fingerprint, to_rate
from kernel.errors import InvalidInput

SHIPPED = Path(__file__).parent / "data" / "announcements"
OUTCOMES = (*ANNOUNCEMENT_OUTCOMES, "voicemail")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Entry:
    name: str
    outcome: str
    label: str
    path: Path
    source: str  # "shipped" | "bank"


def bank_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "answering"


def read_wav(data: bytes, where: str) -> np.ndarray:
    """A WAV's samples as 8 kHz mono PCM16 (``InvalidInput`` names the file)."""
    try:
        with wave.open(io.BytesIO(data), "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InvalidInput("not a readable WAV file", where=where) from exc
    if width != 2:
        raise InvalidInput("the WAV must be 16-bit PCM", where=where)
    x = np.frombuffer(raw, dtype=np.int16)
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1).astype(np.int16)
    if x.size < rate // 2:
        raise InvalidInput("the recording is shorter than 0.5 s", where=where)
    if rate != RATE:
        y = soxr.resample(x.astype(np.float32), rate, RATE)
        x = np.clip(y, -32768, 32767).astype(np.int16)
    return x


def write_wav(path: Path, samples: np.ndarray) -> None:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(np.asarray(samples, dtype=np.int16).tobytes())
    path.write_bytes(buf.getvalue())


def _read_folder(folder: Path, source: str) -> list[Entry]:
    index = folder / "library.yaml"
    if not index.is_file():
        return []
    try:
        doc = yaml.safe_load(index.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput("library.yaml is not valid YAML", where=str(index)) from exc
    out = []
    for i, raw in enumerate(doc.get("entries") or []):
        where = f"{index}: entries[{i}]"
        if not isinstance(raw, dict) or not {"name", "outcome", "file"} <= set(raw):
            raise InvalidInput("an entry needs name, outcome and file", where=where)
        if raw["outcome"] not in OUTCOMES:
            raise InvalidInput(f"unknown outcome {raw['outcome']!r}", where=where)
        out.append(
            Entry(
                str(raw["name"]),
                str(raw["outcome"]),
                str(raw.get("label") or ""),
                folder / str(raw["file"]),
                source,
            )
        )
    return out


def entries(data_dir: Path | None, shipped: Path = SHIPPED) -> list[Entry]:
    """The shipped entries, then the bank's (a bank entry replaces a shipped namesake)."""
    bank = _read_folder(bank_dir(data_dir), "bank") if data_dir is not None else []
    names = {e.name for e in bank}
    return [*(e for e in _read_folder(shipped, "shipped") if e.name not in names), *bank]


def fingerprints(items: list[Entry]) -> list[Fingerprint]:
    out = []
    for e in items:
        samples = read_wav(e.path.read_bytes(), str(e.path))
        out.append(Fingerprint.of(e.name, e.outcome, e.label, to_rate(samples, RATE)))
    return out


def add(data_dir: Path, name: str, outcome: str, label: str, wav: bytes, where: str) -> Entry:
    """Add (or replace) one of the bank's recordings; nothing is written on bad input."""
    if not _NAME.match(name):
        raise InvalidInput("use letters, digits, '.', '_' or '-' (64 at most)", where="name")
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", where="outcome")
    samples = read_wav(wav, where)
    folder = bank_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    current = [e for e in _read_folder(folder, "bank") if e.name != name]
    entry = Entry(name, outcome, label, folder / f"{name}.wav", "bank")
    write_wav(entry.path, samples)
    doc = {
        "entries": [
            {"name": e.name, "outcome": e.outcome, "label": e.label, "file": e.path.name}
            for e in [*current, entry]
        ]
    }
    tmp = folder / "library.yaml.tmp"
    tmp.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.replace(tmp, folder / "library.yaml")
    return entry
