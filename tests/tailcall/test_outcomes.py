"""A finished call's record: the attempt keeps its grade, handoff result and opt-out, and
the lead its script variant, so a campaign's script race can be split by variant."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from crm_sync.models import Lead
from dialer.campaigns import service
from dialer.campaigns.models import Attempt
from dialer.campaigns.spec import VariantSpec
from kernel.db import Database
from tailcall.outcomes import FinishedCall, record_finished_call
from tests.dialer.conftest import add_customers, add_list, fast_settings, make_spec

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def test_attempt_and_lead_record_variant_grade_and_opt_out(db: Database) -> None:
    with db.session() as s:
        cl = add_list(s, add_customers(s, 2))
        spec = make_spec([cl.id], variants=[VariantSpec(name="A"), VariantSpec(name="B")])
        c = service.create_campaign(s, spec, NOW)
        service.start_campaign(s, c.id, NOW, fast_settings(), "Asia/Shanghai")
        first, second = s.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert first.variant in ("A", "B") and second.variant in ("A", "B")
        hot = FinishedCall(first.id, NOW, grade="A", score=0.9, handoff_result="accepted")
        assert len(record_finished_call(s, hot)) == 1
        record_finished_call(s, FinishedCall(second.id, NOW, grade="D", opted_out=True))
    with db.read() as s:
        a1, a2 = s.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert (a1.grade, a1.handoff_result, a1.opted_out) == ("A", "accepted", False)
        assert (a2.grade, a2.handoff_result, a2.opted_out) == ("D", None, True)
        lead = s.scalar(select(Lead))
        assert lead is not None and lead.variant == a1.variant
