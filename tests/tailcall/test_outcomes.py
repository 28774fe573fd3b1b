"""The finished-call record: the agent's result, branch leads, the call's link, and the
attempt's grade, handoff result, opt-out and script variant (for script races)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from crm_sync.branches import SAMPLE_BRANCHES, import_branches
from crm_sync.models import Lead
from dialer.campaigns import service
from dialer.campaigns.models import Attempt
from dialer.campaigns.spec import VariantSpec
from dialer.lists.models import Suppression
from handoff.models import HandoffRequestRow
from kernel.actors import Actor
from kernel.db import Database
from tailcall.outcomes import FinishedCall, record_finished_call
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

T0 = datetime(2026, 5, 6, 2, 0, tzinfo=UTC)


def _attempt(db: Database, script_id: str, sid: str, branch: str) -> int:
    with db.session() as s:
        import_branches(s, SAMPLE_BRANCHES.read_bytes())
        custs = add_customers(s, 1, start=int(sid[2:]))
        custs[0].branch = branch
        cl = add_list(s, custs, name=sid)
        spec = make_spec([cl.id], script_id=script_id, language="zh-CN")
        c = service.create_campaign(s, spec, T0, by=Actor.system("test"))
        service.start_campaign(
            s, c.id, T0, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        a = s.scalar(select(Attempt).where(Attempt.campaign_id == c.id))
        assert a is not None
        a.carrier_sid, a.status = sid, "in_progress"
        return a.id


def _leads(db: Database, attempt_id: int) -> dict[str, Lead]:
    with db.read() as s:
        return {x.route: x for x in s.scalars(select(Lead).where(Lead.attempt_id == attempt_id))}


def test_the_agents_result_and_branch_request_reach_the_leads(db: Database) -> None:
    aid = _attempt(db, "points_reminder", "CA11", "西安分行")
    with db.session() as s:
        s.add(
            HandoffRequestRow(
                call_sid="CA11",
                score=0.9,
                grade="A",
                state="offer",
                requested_at=T0,
                outcome="ended",
                agent_id=3,
                ended_at=T0,
                disposition="sale",
                branch_follow_up=True,
            )
        )
    call = FinishedCall(
        attempt_id=aid,
        ended_at=T0,
        disposition="agent_handled",
        grade="A",
        score=0.9,
        handoff_result="accepted",
    )
    with db.session() as s:
        record_finished_call(s, call, base_url="https://tailcall.bank.local/")
    leads = _leads(db, aid)
    assert set(leads) == {"remote_center", "branch"}
    assert leads["remote_center"].agent_outcome == "sale"
    assert leads["branch"].branch == "XA01" and "郑经理" in leads["branch"].next_action
    assert leads["branch"].transcript_url == f"https://tailcall.bank.local/console/calls/{aid}"


def test_a_script_end_that_asks_for_the_branch_makes_a_branch_lead(db: Database) -> None:
    aid = _attempt(db, "wealth_followup", "CA12", "重庆分行")
    call = FinishedCall(attempt_id=aid, ended_at=T0, disposition="info_sent", grade="C")
    with db.session() as s:
        record_finished_call(s, call)
    leads = _leads(db, aid)
    assert set(leads) == {"branch"}
    assert leads["branch"].branch == "CQ01" and leads["branch"].agent_outcome is None


def test_no_branch_lead_without_a_request(db: Database) -> None:
    aid = _attempt(db, "points_reminder", "CA13", "重庆分行")
    with db.session() as s:
        record_finished_call(s, FinishedCall(attempt_id=aid, ended_at=T0, disposition="declined"))
    assert _leads(db, aid) == {}


def test_attempt_and_lead_record_variant_grade_and_opt_out(db: Database) -> None:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 2))
        spec = make_spec([cl.id], variants=[VariantSpec(name="A"), VariantSpec(name="B")])
        c = service.create_campaign(s, spec, T0, by=Actor.system("test"))
        service.start_campaign(
            s, c.id, T0, fast_settings(), "Asia/Shanghai", by=Actor.system("test")
        )
        first, second = s.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert first.variant in ("A", "B") and second.variant in ("A", "B")
        hot = FinishedCall(first.id, T0, grade="A", score=0.9, handoff_result="accepted")
        assert len(record_finished_call(s, hot)) == 1
        record_finished_call(s, FinishedCall(second.id, T0, grade="D", opted_out=True))
    with db.read() as s:
        a1, a2 = s.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert (a1.grade, a1.handoff_result, a1.opted_out) == ("A", "accepted", False)
        assert (a2.grade, a2.handoff_result, a2.opted_out) == ("D", None, True)
        lead = s.scalar(select(Lead))
        assert lead is not None and lead.variant == a1.variant
        # the suppression names the call it was said in, however the record was built
        assert s.scalar(select(Suppression.source)) == f"call:{a2.id}"
