"""Hash chains for append-only logs: each entry's hash covers its fields and the previous
entry's hash, so changing, removing or reordering an entry breaks every hash after it.
Pure: the stores keep the hashes, ``verify`` walks them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64


def entry_hash(prev: str, fields: Mapping[str, object]) -> str:
    """SHA-256 of the previous hash and the entry's fields as canonical JSON."""
    body = json.dumps(
        fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    bad_id: int | None = None  # the first entry whose hash does not hold
    reason: str = ""


def verify(entries: Iterable[tuple[int, str, str, Mapping[str, object]]]) -> ChainCheck:
    """Walk ``(id, prev_hash, hash, fields)`` in order; the first break, if any."""
    prev = GENESIS
    n = 0
    for entry_id, stored_prev, stored, fields in entries:
        n += 1
        if stored_prev != prev:
            return ChainCheck(
                False, n, entry_id, "previous hash does not match (entry removed or reordered)"
            )
        if entry_hash(prev, fields) != stored:
            return ChainCheck(False, n, entry_id, "hash does not match the entry (entry changed)")
        prev = stored
    return ChainCheck(True, n)
