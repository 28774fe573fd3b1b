"""Numbered console events: live fan-out, audience, and replay after a reconnect."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.handoff.conftest import ConsoleApp, add_user, login

ORIGIN = {"origin": "http://testserver"}


def test_replay_after_reconnect_in_order_and_only_mine(console_app: ConsoleApp) -> None:
    bus = console_app.console.bus
    ann = add_user(console_app.db, "ann")
    bob = add_user(console_app.db, "bob")
    c = TestClient(console_app.app)
    login(c, "ann")
    with c.websocket_connect("/console/ws", headers=ORIGIN) as ws:
        hello = ws.receive_json()
        assert hello["kind"] == "hello"
        first = bus.publish("note", {"n": 1}, user_id=ann)
        got = ws.receive_json()
        assert got["seq"] == first.seq and got["data"] == {"n": 1}
    # while disconnected: two for ann, one for bob, one for supervisors only
    bus.publish("note", {"n": 2}, user_id=ann)
    bus.publish("note", {"n": 99}, user_id=bob)
    bus.publish("board", {"x": 1}, roles=("supervisor", "admin"))
    bus.publish("note", {"n": 3})
    with c.websocket_connect(f"/console/ws?after={first.seq}", headers=ORIGIN) as ws:
        missed = [ws.receive_json() for _ in range(2)]
        assert [m["data"]["n"] for m in missed] == [2, 3]
        assert missed[0]["seq"] < missed[1]["seq"]
        assert ws.receive_json()["kind"] == "hello"


def test_fan_out_reaches_every_connected_console(console_app: ConsoleApp) -> None:
    bus = console_app.console.bus
    subs = [bus.subscribe(i, "agent") for i in range(50)]
    sup = bus.subscribe(999, "supervisor")
    bus.publish("board", {"x": 1}, roles=("supervisor",))
    ev = bus.publish("note", {"n": 1})
    assert all(s.queue.qsize() == 1 and s.queue.get_nowait() == ev for s in subs)
    assert sup.queue.qsize() == 2
    assert bus.replay(1, "agent", 0) == [ev]
