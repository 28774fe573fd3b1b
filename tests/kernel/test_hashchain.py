"""Hash chain: a changed, removed or reordered entry is found."""

from __future__ import annotations

from kernel.hashchain import GENESIS, entry_hash, verify


def _chain(n: int) -> list[tuple[int, str, str, dict[str, object]]]:
    out: list[tuple[int, str, str, dict[str, object]]] = []
    prev = GENESIS
    for i in range(n):
        fields: dict[str, object] = {"event": "viewed", "subject": f"call:{i}"}
        h = entry_hash(prev, fields)
        out.append((i + 1, prev, h, fields))
        prev = h
    return out


def test_intact_changed_removed() -> None:
    chain = _chain(5)
    assert verify(chain).ok and verify(chain).checked == 5
    changed = [*chain]
    changed[2] = (3, chain[2][1], chain[2][2], {"event": "viewed", "subject": "call:99"})
    assert verify(changed).bad_id == 3
    assert verify(chain[:2] + chain[3:]).bad_id == 4
