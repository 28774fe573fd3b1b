"""The receive jitter buffer: ordering, loss, duplicates, wrap-around, resets."""

from __future__ import annotations

from dialer.carriers.sip.jitter import JitterBuffer, Slot, seq_delta


def seqs(slots: list[Slot]) -> list[tuple[int, bool]]:
    return [(s.seq, s.payload is not None) for s in slots]


def test_in_order_leaves_at_once() -> None:
    jb = JitterBuffer(depth=1)
    for n in range(5):
        assert seqs(jb.push(n, n * 160, b"x")) == [(n, True)]


def test_reorder_within_depth() -> None:
    jb = JitterBuffer(depth=1)
    assert seqs(jb.push(10, 0, b"a")) == [(10, True)]
    assert jb.push(12, 320, b"c") == []
    assert seqs(jb.push(11, 160, b"b")) == [(11, True), (12, True)]
    assert jb.stats.lost == 0


def test_loss_declared_after_depth_packets() -> None:
    jb = JitterBuffer(depth=1)
    jb.push(0, 0, b"a")
    assert jb.push(2, 320, b"c") == []
    assert seqs(jb.push(3, 480, b"d")) == [(1, False), (2, True), (3, True)]
    assert jb.stats.lost == 1
    assert jb.push(1, 160, b"late") == []
    assert jb.stats.late == 1


def test_depth_zero_never_waits() -> None:
    jb = JitterBuffer(depth=0)
    jb.push(0, 0, b"a")
    assert seqs(jb.push(2, 320, b"c")) == [(1, False), (2, True)]


def test_duplicates_and_wraparound() -> None:
    jb = JitterBuffer(depth=1)
    assert seqs(jb.push(65535, 0, b"a")) == [(65535, True)]
    assert seqs(jb.push(0, 160, b"b")) == [(0, True)]
    assert jb.push(0, 160, b"b") == []
    assert jb.stats.late == 1
    assert seq_delta(0, 65535) == 1 and seq_delta(65535, 0) == -1


def test_jump_resets() -> None:
    jb = JitterBuffer(depth=1, max_jump=100)
    jb.push(5, 0, b"a")
    assert seqs(jb.push(5000, 0, b"z")) == [(5000, True)]
    assert jb.stats.resets == 1


def test_non_media_slots_fill_the_sequence() -> None:
    jb = JitterBuffer(depth=1)
    jb.push(0, 0, b"a")
    out = jb.push(1, 160, b"ev", media=False)
    assert [s.media for s in out] == [False]
    assert seqs(jb.push(2, 320, b"c")) == [(2, True)]
    assert jb.stats.lost == 0


def test_flush_marks_gaps() -> None:
    jb = JitterBuffer(depth=3)
    jb.push(0, 0, b"a")
    jb.push(2, 320, b"c")
    assert seqs(jb.flush()) == [(1, False), (2, True)]
