from __future__ import annotations

import pytest

from crm_sync.lifecycle import can_move


def test_statuses_move_forward_and_may_skip() -> None:
    assert can_move("new", "sent")
    assert can_move("sent", "won")
    assert can_move("accepted", "worked")
    assert not can_move("worked", "accepted")
    assert not can_move("sent", "sent")


def test_won_and_lost_are_final() -> None:
    assert not can_move("won", "lost")
    assert not can_move("lost", "won")


def test_unknown_status_is_an_error() -> None:
    with pytest.raises(ValueError):
        can_move("new", "maybe")
