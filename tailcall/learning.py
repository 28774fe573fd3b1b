"""The learning loop: an agent's disposition of a call they took becomes a label.

An agent who took a call over and ended it with a disposition (``handoff.models
.HandoffRequestRow``) has learned what the customer wanted; ``harvest_agent_labels`` turns
each such call into an ``intent_call_labels`` row: the customer's turns before the agent
joined (``dialogue.speech.models.CallTranscriptRow``), the customer's profile, and the grade
the disposition means (``AGENT_DISPOSITION_LABELS``). A CRM's won/lost for the same call
then overrides it when fitting (``dialogue.intent.models.labelled_calls``). It joins three
subsystems' tables, so it lives in the composition root; ``tailcall intent fit --from-db``
runs it first.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.campaigns.models import Attempt, Campaign
from dialer.campaigns.party import call_party
from dialogue.intent.labelled_calls import ReplayCall, SpokenTurn
from dialogue.intent.models import AGENT_DISPOSITION_LABELS, IntentCallLabel, record_call_label
from dialogue.intent.profile import CustomerProfile
from dialogue.speech.models import CallTranscriptRow
from handoff.models import HandoffRequestRow


def harvest_agent_labels(session: Session) -> int:
    """Label every agent-dispositioned call not labelled yet; the number added."""
    done = set(session.scalars(select(IntentCallLabel.call_sid)))
    requests = session.scalars(
        select(HandoffRequestRow)
        .where(
            HandoffRequestRow.disposition.in_(tuple(AGENT_DISPOSITION_LABELS)),
            HandoffRequestRow.agent_id.is_not(None),
        )
        .order_by(HandoffRequestRow.id)
    )
    added = 0
    for req in requests:
        if req.call_sid in done or req.disposition is None or req.ended_at is None:
            continue
        attempt = session.scalar(select(Attempt).where(Attempt.carrier_sid == req.call_sid))
        if attempt is None:
            continue
        campaign = session.get(Campaign, attempt.campaign_id)
        if campaign is None:
            continue
        party = call_party(session, attempt.id)
        utterances: list[str | SpokenTurn | None] = []
        rows = session.scalars(
            select(CallTranscriptRow)
            .where(CallTranscriptRow.call_sid == req.call_sid)
            .order_by(CallTranscriptRow.seq)
        )
        for row in rows:
            if row.speaker == "agent":
                break  # the scorer is fitted on the bot's part of a call only
            if row.speaker == "customer":
                utterances.append(
                    SpokenTurn(
                        text=row.text,
                        confidence=1.0 if row.confidence is None else row.confidence,
                        speech_s=max(0.0, row.end_s - row.start_s),
                    )
                )
        call = ReplayCall(
            call_id=req.call_sid,
            script=campaign.script_id,
            language=campaign.language,
            profile=CustomerProfile.from_customer(party.customer),
            customer=dict(party.customer),
            variant=attempt.variant,
            started_at=attempt.answered_at,
            label=AGENT_DISPOSITION_LABELS[req.disposition],
            utterances=utterances,
        )
        record_call_label(
            session,
            call,
            call_sid=req.call_sid,
            source=f"agent:{req.agent_id}",
            now=req.ended_at,
            call_id=attempt.id,
            customer_id=attempt.customer_id,
            campaign_id=attempt.campaign_id,
        )
        done.add(req.call_sid)
        added += 1
    return added
