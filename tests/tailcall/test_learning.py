"""An agent's disposition of a call they took becomes a label for the scorer."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.models import Attempt
from dialogue.intent.models import IntentCallLabel, labelled_calls
from dialogue.speech.models import CallTranscriptRow
from handoff.models import HandoffRequestRow
from kernel.actors import Actor
from kernel.db import Database
from tailcall.learning import harvest_agent_labels
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def _call(db: Database, sid: str, disposition: str, agent_id: int | None = 7) -> None:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 1, start=int(sid[2:])), name=sid)
        spec = make_spec([cl.id], script_id="points_reminder", language="zh-CN")
        c = service.create_campaign(s, spec, T0, by=Actor.system("test"))
        service.start_campaign(
            s, c.id, T0, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.carrier_sid, a.status, a.answered_at = sid, "ended", T0
        for seq, (who, text) in enumerate(
            [
                ("bot", "您好，积分快到期了"),
                ("customer", "嗯，怎么兑换啊"),
                ("customer", "那个能换话费吗"),
                ("agent", "可以的，我来帮您"),
                ("customer", "好的好的"),
            ]
        ):
            s.add(
                CallTranscriptRow(
                    call_sid=sid,
                    attempt_id=a.id,
                    seq=seq,
                    speaker=who,
                    text=text,
                    confidence=0.9,
                    start_s=seq * 3.0,
                    end_s=seq * 3.0 + 1.5,
                    state="offer",
                )
            )
        s.add(
            HandoffRequestRow(
                call_sid=sid,
                customer_id=a.customer_id,
                score=0.85,
                grade="A",
                state="offer",
                requested_at=T0,
                outcome="ended",
                agent_id=agent_id,
                ended_at=T0,
                disposition=disposition,
            )
        )


def test_a_sale_becomes_an_A_with_the_turns_before_the_agent(db: Database) -> None:
    _call(db, "CA1", "sale")
    _call(db, "CA2", "not_interested")
    _call(db, "CA3", "other")  # says nothing about intent
    with db.session() as s:
        assert harvest_agent_labels(s) == 2
    with db.session() as s:
        assert harvest_agent_labels(s) == 0  # once per call
    with db.read() as s:
        rows = {r.call_sid: r for r in s.scalars(select(IntentCallLabel))}
        calls = {c.call_id: c for c in labelled_calls(s)}
    assert {k: r.label for k, r in rows.items()} == {"CA1": "A", "CA2": "C"}
    assert rows["CA1"].source == "agent:7"
    texts = [u.text for u in calls["CA1"].spoken()]
    assert texts == ["嗯，怎么兑换啊", "那个能换话费吗"]  # not the customer's words to the agent
    assert calls["CA1"].script == "points_reminder"
