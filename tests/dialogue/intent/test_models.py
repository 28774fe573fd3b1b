"""Stored model versions, a campaign's choice, confirmed calls (with CRM outcomes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

import dialogue.intent.models as im  # registers the tables before the db fixture builds them
from crm_sync.models import Label
from dialogue.intent.labelled_calls import ReplayCall, parse_line
from dialogue.intent.model_files import default_model
from kernel.db import Database, UTCDateTime
from kernel.errors import NotFound

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_versions_count_up_and_campaign_picks_one(db: Database) -> None:
    m = default_model("points_reminder")
    with db.session() as s:
        first = im.store_model(s, m, source="test", now=NOW)
        second = im.store_model(s, m, source="test", now=NOW)
        assert (first.name, second.name) == ("points_reminder@1", "points_reminder@2")
    with db.session() as s:
        assert im.find_model(s, "points_reminder").version == 2
        assert im.find_model(s, "points_reminder@1").id == first.id
        assert im.find_model(s, str(second.id)).scoring_model().version == "points_reminder@2"
        with pytest.raises(NotFound):
            im.find_model(s, "points_reminder@9")
        assert im.model_for_campaign(s, 42) is None
        im.choose_model(s, 42, "points_reminder@1", now=NOW)
        im.choose_model(s, 42, "points_reminder@2", now=NOW)  # changing the choice
    with db.read() as s:
        chosen = im.model_for_campaign(s, 42)
        assert chosen is not None and chosen.version == "points_reminder@2"
        assert chosen.weights == m.weights
        assert [r.name for r in im.list_models(s)] == ["points_reminder@1", "points_reminder@2"]


def test_confirmed_calls_with_crm_outcomes(db: Database) -> None:
    def call(label: str) -> ReplayCall:
        rec = {"script": "points_reminder", "language": "zh-CN", "utterances": ["好的"]}
        return parse_line(json.dumps({**rec, "label": label}), "t:1")

    with db.session() as s:
        im.record_call_label(s, call("B"), call_sid="CA1", source="agent", now=NOW, call_id=1)
        im.record_call_label(s, call("A"), call_sid="CA2", source="agent", now=NOW, call_id=2)
        im.record_call_label(s, call("C"), call_sid="CA3", source="agent", now=NOW, call_id=3)
        im.record_call_label(s, call("D"), call_sid="CA3", source="supervisor", now=NOW, call_id=3)
        assert len(list(s.scalars(select(im.IntentCallLabel)))) == 3  # CA3 corrected in place
    with db.read() as s:
        assert [c.label for c in im.labelled_calls(s)] == ["B", "A", "D"]
    crm = {1: "won", 2: "lost"}
    with db.session() as s:
        from crm_sync.models import Lead

        for call_id, outcome in crm.items():
            lead = Lead(**_lead_fields(Lead, call_id))
            s.add(lead)
            s.flush()
            s.add(
                Label(
                    lead_id=lead.id,
                    call_id=call_id,
                    customer_id=call_id,
                    campaign_id=None,
                    script_id="points_reminder",
                    label=outcome,
                    grade=None,
                    score=None,
                    source="crm",
                    labelled_at=NOW,
                )
            )
    with db.read() as s:
        assert [c.label for c in im.labelled_calls(s)] == ["A", "B", "D"]
        assert [c.label for c in im.labelled_calls(s, use_crm=False)] == ["B", "A", "D"]


def _lead_fields(lead_cls: type, call_id: int) -> dict[str, object]:
    """Minimal values for the CRM's lead row (owned by crm_sync)."""
    from sqlalchemy import inspect

    out: dict[str, object] = {}
    for col in inspect(lead_cls).columns:
        if (
            col.primary_key
            or col.nullable
            or col.default is not None
            or col.server_default is not None
        ):
            continue
        if isinstance(col.type, UTCDateTime):
            out[col.key] = NOW
            continue
        t = col.type.python_type
        out[col.key] = (
            call_id if t is int else 0.0 if t is float else f"x{call_id}" if t is str else {}
        )
    return out


@pytest.mark.pg
def test_versions_and_choice_on_postgresql(pg_db: Database) -> None:
    test_versions_count_up_and_campaign_picks_one(pg_db)
