"""The follow-up queue through the API: list, claim (once), complete, agent-first call back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from handoff.cards import customer_card
from handoff.followups import create_follow_up
from tests.handoff.conftest import ConsoleApp, add_user, login

T0 = datetime(2026, 1, 6, 10, 0, tzinfo=UTC)


@dataclass
class Callbacks:
    asked: list[dict[str, int]] = field(default_factory=list)

    def request_callback(
        self, *, customer_id: int, agent_id: int, task_id: int, call_sid: str
    ) -> None:
        self.asked.append({"customer_id": customer_id, "agent_id": agent_id, "task_id": task_id})


def _client(app: ConsoleApp, name: str) -> TestClient:
    c = TestClient(app.app)
    c.headers["X-CSRF-Token"] = login(c, name)
    return c


def test_claim_complete_and_call_back(console_app: ConsoleApp) -> None:
    ann = add_user(console_app.db, "ann")
    add_user(console_app.db, "bob")
    add_user(console_app.db, "sue", role="supervisor")
    with console_app.db.session() as s:
        t1 = create_follow_up(
            s, "CA1", 42, "asked_rate", "A", T0 + timedelta(hours=2), "call:CA1"
        ).id
        t2 = create_follow_up(s, "CA2", None, "busy", "B", T0 + timedelta(hours=1), None).id
    a, b, sup = (
        _client(console_app, "ann"),
        _client(console_app, "bob"),
        _client(console_app, "sue"),
    )
    listed = sup.get("/api/console/follow-ups").json()
    assert [t["id"] for t in listed] == [t2, t1]  # earliest callback first
    assert listed[1]["transcript_ref"] == "call:CA1"

    assert a.post(f"/api/console/follow-ups/{t1}/claim").status_code == 200
    assert b.post(f"/api/console/follow-ups/{t1}/claim").status_code == 409  # taken
    assert (
        b.post(f"/api/console/follow-ups/{t1}/complete", json={"outcome": "done"}).status_code
        == 409
    )
    assert [t["id"] for t in a.get("/api/console/follow-ups?status=claimed").json()] == [t1]
    assert b.get("/api/console/follow-ups?status=claimed").json() == []

    # call back through the dialer: not wired -> refused; wired -> asked with the ids
    assert a.post(f"/api/console/follow-ups/{t1}/call-back").status_code == 409
    cbs = Callbacks()
    console_app.console.followups.callbacks = cbs
    assert a.post(f"/api/console/follow-ups/{t1}/call-back").status_code == 200
    assert cbs.asked == [{"customer_id": 42, "agent_id": ann, "task_id": t1}]

    r = a.post(f"/api/console/follow-ups/{t1}/complete", json={"outcome": "sale", "notes": "ok"})
    assert r.status_code == 200
    assert [t["id"] for t in sup.get("/api/console/follow-ups?status=done").json()] == [t1]
    assert (
        a.post(f"/api/console/follow-ups/{t1}/complete", json={"outcome": "x"}).status_code == 409
    )
    assert a.post(f"/api/console/follow-ups/{t2}/complete", json={"outcome": ""}).status_code == 422


def test_customer_card_masks_the_number(console_app: ConsoleApp) -> None:
    from dialer.lists.models import Customer

    with console_app.db.session() as s:
        c = Customer(
            phone_e164="+8613812345678",
            name="王芳",
            star_level=4,
            aum_band="50-100万",
            attributes={"segment": "私行"},
        )
        s.add(c)
        s.flush()
        cid = c.id
    card = customer_card(console_app.db, cid)
    assert card == {
        "id": cid,
        "name": "王芳",
        "phone": "+86138****5678",
        "segment": "私行",
        "star_level": 4,
    }
    assert customer_card(console_app.db, None) == {}
