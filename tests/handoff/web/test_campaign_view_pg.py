"""A campaign's live view, charts, race and audience count on PostgreSQL (its GROUP BY
and epoch arithmetic differ from SQLite's)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dialer.campaigns.audience_count import count_audience
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.spec import AudienceSpec
from handoff.web.campaign_view import charts_view, live_view, race_view
from kernel.db import Database, utcnow
from tests.handoff.web.seed import seed_campaign

pytestmark = pytest.mark.pg


def test_live_charts_race_and_audience_on_postgresql(pg_db: Database) -> None:
    now = utcnow()
    cid = seed_campaign(pg_db, now, n=60, called=50)
    with pg_db.read() as s:
        live = live_view(s, cid, now, DialerSettings(), 2)
        assert live.funnel.dialed == 50 and live.funnel.queued == 10
        assert sum(v.funnel.dialed for v in live.variants) == 50
        charts = charts_view(s, cid, now + timedelta(minutes=1))
        assert sum(sum(charts.grades[g]) for g in "ABCD") == (
            live.funnel.grade_a + live.funnel.grade_b + live.funnel.grade_c + live.funnel.grade_d
        )
        race = race_view(s, cid)
        assert {m.key for m in race.metrics} == {
            "conversion", "handoff_acceptance", "opt_out", "completion",
        }  # fmt: skip
        n = count_audience(s, AudienceSpec(list_ids=[1]))
        assert n.members == 60 and n.would_call == 60
