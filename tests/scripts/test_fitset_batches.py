"""Batches of a fit-set file for leave-one-batch-out figures."""

from __future__ import annotations

from scripts.fitset_batches import batches, blamed

A, B, C = "a" * 40, "b" * 40, "c" * 40
DAY = 86_400


def test_blamed_reads_the_porcelain_lines_with_their_commit_and_time() -> None:
    porcelain = (
        f'{A} 1 1 1\nauthor x\ncommitter-time 100\nfilename f\n\t{{"text": "一"}}\n'
        f"{B} 2 2 1\ncommitter-time 200\nfilename f\n\t\n"
        f'{A} 3 3\ncommitter-time 100\nfilename f\n\t{{"text": "三"}}\n'
    )
    got = blamed(porcelain)
    assert [(x.commit, x.time) for x in got] == [(A, 100), (A, 100)]
    assert got[1].text == '{"text": "三"}'


def _group(min_batch: int = 1) -> list[tuple[str, list[int]]]:
    texts = ["以后别再打电话了", "以后别在打点话了", "今天很忙", "我要投诉你们"]
    kinds = [True, True, False, True]
    rewrites = [False, True, False, False]
    commits = [A, B, B, C]
    times = [0, DAY, DAY, 2 * DAY]
    return batches(texts, kinds, rewrites, commits, times, min_batch, 30.0)


def test_a_rewrite_goes_with_its_source_batch() -> None:
    assert _group() == [(A, [0, 1]), (B, [2]), (C, [3])]


def test_a_small_batch_joins_the_one_before() -> None:
    assert _group(min_batch=2) == [(A, [0, 1, 2, 3])]


def test_commits_of_one_session_are_one_batch() -> None:
    got = batches(["好的", "不用了"], [0, 0], [False, False], [A, B], [0, 600], 1, 30.0)
    assert got == [(A, [0, 1])]
