from __future__ import annotations

from datetime import UTC, datetime

from scripts.loader import find_script, load_script
from scripts.match_report import Reply, match
from scripts.understanding import Understanding

POINTS = Understanding(load_script(find_script("points_reminder", "zh-CN")))
CALLBACK = Reply("今天下午三点吧", "ask_callback", "callback_time", 1)


def test_a_callback_time_is_read_against_the_clock_given() -> None:
    # 10:00 and 20:00 in Shanghai: the same reply is a time to call back only while it is
    # still ahead, whatever the hour the replies are matched at
    morning = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    evening = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    (row,) = match(POINTS.script, [CALLBACK], POINTS, now=morning)
    assert row.source == "slot" and row.correct
    (row,) = match(POINTS.script, [CALLBACK], POINTS, now=evening)
    assert row.source != "slot" and not row.correct
