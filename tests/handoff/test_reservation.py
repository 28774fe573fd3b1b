from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff import reservation as rsv

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _res(max_offers: int = 3) -> rsv.Reservation:
    return rsv.Reservation("CA1", "wealth", offer_timeout_s=15.0, max_offers=max_offers)


def test_offer_then_accept_connects() -> None:
    res, eff = rsv.start(_res(), T0, 7)
    assert eff == [rsv.OfferTo(7, T0 + timedelta(seconds=15))]
    res, eff = rsv.accept(res, 7, T0 + timedelta(seconds=3))
    assert res.phase == "accepted" and eff == [rsv.Connect(7)]


def test_only_the_offered_agent_can_accept() -> None:
    res, _ = rsv.start(_res(), T0, 7)
    same, eff = rsv.accept(res, 8, T0)
    assert same == res and eff == []


def test_decline_moves_to_next_agent_then_timeout_then_fallback() -> None:
    res, _ = rsv.start(_res(), T0, 1)
    res, eff = rsv.decline(res, 1, T0 + timedelta(seconds=2), 2)
    assert eff[0] == rsv.Withdraw(1, "declined") and isinstance(eff[1], rsv.OfferTo)
    assert res.agent_id == 2
    early, eff = rsv.tick(res, T0 + timedelta(seconds=16), 3)
    assert eff == [] and early == res  # agent 2's deadline is T0+17s
    res, eff = rsv.tick(res, T0 + timedelta(seconds=17), 3)
    assert eff[0] == rsv.Withdraw(2, "timed_out") and res.agent_id == 3
    res, eff = rsv.tick(res, T0 + timedelta(seconds=40), 4)
    assert res.phase == "fallback" and eff == [
        rsv.Withdraw(3, "timed_out"),
        rsv.Fallback("max_offers"),
    ]


def test_no_agent_falls_back_at_once() -> None:
    res, eff = rsv.start(_res(), T0, None)
    assert res.phase == "fallback" and eff == [rsv.Fallback("no_agent")]


def test_accept_at_the_deadline_loses_to_the_timeout() -> None:
    res, _ = rsv.start(_res(), T0, 1)
    deadline = T0 + timedelta(seconds=15)
    late, eff = rsv.accept(res, 1, deadline)
    assert eff == [] and late.phase == "offered"
    res, eff = rsv.tick(res, deadline, None)
    assert res.phase == "fallback"
    # and after the timeout step, the old agent's accept still does nothing
    assert rsv.accept(res, 1, deadline)[1] == []


def test_an_agent_is_never_offered_the_same_call_twice() -> None:
    res, _ = rsv.start(_res(), T0, 1)
    res, eff = rsv.decline(res, 1, T0, 1)
    assert res.phase == "fallback" and eff[-1] == rsv.Fallback("no_agent")


def test_agent_gone_reoffers_and_cancel_withdraws() -> None:
    res, _ = rsv.start(_res(), T0, 1)
    res, _ = rsv.accept(res, 1, T0)
    res, eff = rsv.agent_gone(res, 1, T0 + timedelta(seconds=30), 2)
    assert eff[0] == rsv.Withdraw(1, "agent_gone") and res.phase == "offered" and res.agent_id == 2
    res, eff = rsv.cancel(res)
    assert res.phase == "cancelled" and eff == [rsv.Withdraw(2, "cancelled")]
    assert not res.live
