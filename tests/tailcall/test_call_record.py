"""A conversation's compliance entry: the script's identity, the disclosures played with
their audio offsets, and an opt-out honoured."""

from __future__ import annotations

from datetime import timedelta

from dialer.campaigns.ledger import export, verify
from dialogue.speech.models import CallTranscriptRow
from kernel.db import Database
from tailcall.outcomes import FinishedCall, record_finished_call
from tests.tailcall.test_machine_answers import NOW, _dialed


def test_a_conversation_records_disclosures_and_the_opt_out(db: Database) -> None:
    aid, _cid = _dialed(db)
    with db.session() as s:
        s.add(CallTranscriptRow(call_sid="CA1", attempt_id=aid, seq=0, speaker="bot",
                                text="您好…", start_s=0.42, end_s=5.1, state="opening",
                                prompt_id="opening"))  # fmt: skip
    with db.session() as s:
        record_finished_call(
            s,
            FinishedCall(aid, NOW + timedelta(seconds=40), disposition="opt_out", opted_out=True),
        )
    with db.read() as s:
        rows = [r for r in export(s, campaign_id=_cid) if r["kind"] == "conversation"]
        assert verify(s).ok
    rec = rows[0]["record"]
    assert rec["opt_out"]["honoured"] and rec["opt_out"]["suppressed"]
    assert rec["script"]["id"] == "points_reminder" and rec["script"]["version"]
    assert rec["disclosures"] and rec["disclosures"][0]["start_s"] == 0.42
    assert "automated" in rec["disclosures"][0]["declares"]
