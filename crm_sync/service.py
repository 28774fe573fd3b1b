"""CRM sync service: outcomes to leads and outbox events, endpoints, status, dead letters,
lead status updates and scorer labels. No web code; callers own the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm_sync.branches import resolve as resolve_branch
from crm_sync.endpoint_policy import EndpointPolicy
from crm_sync.lifecycle import can_move
from crm_sync.models import DeadLetter, Delivery, Endpoint, Label, Lead, OutboxEvent
from crm_sync.outcomes import BranchInfo, CallOutcome, LeadDraft, decide_leads, mask_phone
from crm_sync.schemas import (
    ConnectorStatus,
    DeadLetterView,
    EndpointCreated,
    EndpointIn,
    EndpointView,
    SyncStatus,
)
from crm_sync.signing import decode_secret, new_secret
from kernel.bounds import MAX_INT64
from kernel.db import utcnow
from kernel.errors import Conflict, InvalidInput, NotFound

# Lead fields that an outcome sets; a change in any of them is a new lead version.
_OUTCOME_FIELDS = (
    "attempt_id",
    "campaign_id",
    "customer_id",
    "script_id",
    "variant",
    "branch",
    "phone_e164",
    "kind",
    "grade",
    "score",
    "reasons",
    "disposition",
    "handoff_result",
    "agent_outcome",
    "callback_at",
    "next_action",
    "transcript_url",
    "call_ended_at",
)


def new_event_id() -> str:
    return "evt_" + uuid.uuid4().hex


def record_outcome(
    session: Session, outcome: CallOutcome, *, now: datetime | None = None
) -> list[Lead]:
    """Record a call outcome: create or update its leads and write their outbox events.

    Runs in the caller's transaction (the dialer's, with the outcome itself) and does not
    commit, so the outbox rows exist exactly when the outcome does. An outcome that makes
    no lead still goes to the CRM as a ``call.outcome`` event. Recording the same facts
    twice writes nothing new; a changed fact (e.g. the agent's result after a handoff)
    bumps the lead's version and writes a ``lead.updated`` event.
    """
    now = now or utcnow()
    known = resolve_branch(session, outcome.branch) if outcome.needs_branch_visit else None
    info = BranchInfo(known.code, known.name, known.contact, known.phone) if known else None
    drafts = decide_leads(outcome, info)
    leads: list[Lead] = []
    for draft in drafts:
        lead = session.scalar(
            select(Lead).where(Lead.call_id == outcome.call_id, Lead.route == draft.route)
        )
        values = _lead_values(outcome, draft)
        if lead is None:
            lead = Lead(
                call_id=outcome.call_id,
                route=draft.route,
                status="new",
                version=1,
                created_at=now,
                updated_at=now,
                **values,
            )
            session.add(lead)
            session.flush()
            _enqueue(session, "lead.created", lead, now)
        elif any(getattr(lead, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(lead, k, v)
            lead.version += 1
            lead.updated_at = now
            session.flush()
            _enqueue(session, "lead.updated", lead, now)
        leads.append(lead)
    if not drafts:  # no lead: the masked number only (crm_sync.retention deletes it later)
        data = outcome.model_dump(mode="json", exclude={"phone_e164"})
        data["phone_masked"] = mask_phone(outcome.phone_e164)
        session.add(_event("call.outcome", None, None, data, now))
    session.flush()
    return leads


def _lead_values(o: CallOutcome, d: LeadDraft) -> dict[str, Any]:
    return {
        "attempt_id": o.attempt_id,
        "campaign_id": o.campaign_id,
        "customer_id": o.customer_id,
        "script_id": o.script_id,
        "variant": o.variant,
        "branch": d.branch,
        "phone_e164": o.phone_e164,
        "kind": d.kind,
        "grade": o.grade,
        "score": o.score,
        "reasons": list(o.reasons),
        "disposition": o.disposition,
        "handoff_result": o.handoff_result,
        "agent_outcome": o.agent_outcome,
        "callback_at": o.callback_at,
        "next_action": d.next_action,
        "transcript_url": o.transcript_url,
        "call_ended_at": o.ended_at,
    }


def lead_payload(lead: Lead) -> dict[str, Any]:
    """The lead as stored in the outbox: the masked number only; the relay adds the full
    one from the lead at delivery, for endpoints allowed to see it (``with_phone``)."""

    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v is not None else None

    return {
        "lead_id": lead.id,
        "version": lead.version,
        "status": lead.status,
        "call_id": lead.call_id,
        "attempt_id": lead.attempt_id,
        "campaign_id": lead.campaign_id,
        "customer_id": lead.customer_id,
        "script_id": lead.script_id,
        "variant": lead.variant,
        "route": lead.route,
        "branch": lead.branch,
        "phone_masked": mask_phone(lead.phone_e164),
        "kind": lead.kind,
        "grade": lead.grade,
        "score": lead.score,
        "reasons": list(lead.reasons),
        "disposition": lead.disposition,
        "handoff_result": lead.handoff_result,
        "agent_outcome": lead.agent_outcome,
        "callback_at": iso(lead.callback_at),
        "next_action": lead.next_action,
        "transcript_url": lead.transcript_url,
        "call_ended_at": iso(lead.call_ended_at),
    }


def _event(
    event_type: str,
    lead_id: int | None,
    version: int | None,
    data: dict[str, Any],
    now: datetime,
) -> OutboxEvent:
    event_id = new_event_id()
    payload = {"id": event_id, "type": event_type, "timestamp": now.isoformat(), "data": data}
    return OutboxEvent(
        event_id=event_id,
        event_type=event_type,
        lead_id=lead_id,
        lead_version=version,
        payload=payload,
        created_at=now,
    )


def _enqueue(session: Session, event_type: str, lead: Lead, now: datetime) -> None:
    session.add(_event(event_type, lead.id, lead.version, lead_payload(lead), now))


# --- lead status and labels -------------------------------------------------------------


def apply_lead_status(
    session: Session, lead_id: int, status: str, *, source: str, now: datetime
) -> bool:
    """Move a lead forward in its lifecycle; won/lost also become a scorer label.

    Returns False when the update is stale (would move the lead back) and changes nothing.
    """
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("no such lead", where=f"lead_id={lead_id}")
    try:
        movable = can_move(lead.status, status)
    except ValueError as exc:
        raise InvalidInput("unknown lead status", where="status") from exc
    if not movable:
        return False
    lead.status = status
    lead.status_changed_at = now
    if status in ("won", "lost"):
        session.add(
            Label(
                lead_id=lead.id,
                call_id=lead.call_id,
                customer_id=lead.customer_id,
                campaign_id=lead.campaign_id,
                script_id=lead.script_id,
                label=status,
                grade=lead.grade,
                score=lead.score,
                source=source,
                labelled_at=now,
            )
        )
    session.flush()
    return True


def labels_since(session: Session, since: datetime | None = None) -> list[Label]:
    """Won/lost labels for the intent scorer, oldest first."""
    q = select(Label).order_by(Label.labelled_at, Label.id)
    if since is not None:
        q = q.where(Label.labelled_at >= since)
    return list(session.scalars(q))


def mark_sent(session: Session, lead_ids: Sequence[int], now: datetime) -> None:
    """Leads with at least one delivered event move from new to sent."""
    if lead_ids:
        session.execute(
            update(Lead)
            .where(Lead.id.in_(list(lead_ids)), Lead.status == "new")
            .values(status="sent", status_changed_at=now)
        )


# --- endpoints --------------------------------------------------------------------------


def add_endpoint(
    session: Session, spec: EndpointIn, policy: EndpointPolicy | None = None
) -> EndpointCreated:
    """Add an endpoint. ``policy`` (the API's and the CLI's) confines where it points:
    webhook hosts on the allow-list, file exports inside the data directory."""
    if session.scalar(select(Endpoint.id).where(Endpoint.name == spec.name)) is not None:
        raise Conflict("an endpoint with this name exists", where="name")
    config = dict(spec.config)
    if policy is not None:
        config = policy.config(spec.kind, config)
        if spec.kind == "webhook":
            policy.webhook_url(spec.url)
    secret: str | None = None
    if spec.kind == "webhook":
        url = urlparse(spec.url or "")
        if url.scheme not in ("http", "https") or not url.netloc:
            raise InvalidInput("webhook endpoints need an http(s) URL", where="url")
        secret = spec.secret or new_secret()
        decode_secret(secret)
    else:
        if not config.get("directory"):
            raise InvalidInput("file endpoints need config.directory", where="config.directory")
        formats = config.setdefault("formats", ["jsonl", "csv"])
        if not formats or any(f not in ("jsonl", "csv") for f in formats):
            raise InvalidInput("formats must be jsonl and/or csv", where="config.formats")
    ep = Endpoint(
        name=spec.name,
        kind=spec.kind,
        url=spec.url,
        secret=secret,
        config=config,
        enabled=True,
    )
    session.add(ep)
    session.flush()
    view = EndpointView.model_validate(ep)
    return EndpointCreated(**view.model_dump(), secret=secret)


def list_endpoints(session: Session) -> list[EndpointView]:
    rows = session.scalars(select(Endpoint).order_by(Endpoint.id))
    return [EndpointView.model_validate(e) for e in rows]


def find_endpoint(session: Session, ref: str | int) -> Endpoint:
    q = select(Endpoint)
    text = str(ref)
    if isinstance(ref, int) or (text.isascii() and text.isdigit() and int(text) <= MAX_INT64):
        q = q.where(Endpoint.id == int(ref))
    else:
        q = q.where(Endpoint.name == ref)
    ep = session.scalar(q)
    if ep is None:
        raise NotFound("no such endpoint", where=f"endpoint={ref}")
    return ep


def set_endpoint_enabled(
    session: Session, ref: str | int, enabled: bool, *, reason: str | None, now: datetime
) -> EndpointView:
    ep = find_endpoint(session, ref)
    ep.enabled = enabled
    ep.disabled_reason = None if enabled else (reason or "disabled by an operator")
    ep.disabled_at = None if enabled else now
    session.flush()
    return EndpointView.model_validate(ep)


# --- status and dead letters ------------------------------------------------------------


def sync_status(session: Session) -> SyncStatus:
    """Per connector: pending / failed (retrying) / delivered / dead counts."""
    undispatched = session.scalar(
        select(func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
    )
    rows = session.execute(
        select(Delivery.endpoint_id, Delivery.state, func.count()).group_by(
            Delivery.endpoint_id, Delivery.state
        )
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for endpoint_id, state, n in rows:
        counts.setdefault(int(endpoint_id), {})[str(state)] = int(n)
    out = []
    for ep in session.scalars(select(Endpoint).order_by(Endpoint.id)):
        c = counts.get(ep.id, {})
        out.append(
            ConnectorStatus(
                endpoint_id=ep.id,
                name=ep.name,
                kind=ep.kind,
                enabled=ep.enabled,
                pending=c.get("pending", 0),
                failed=c.get("failed", 0),
                delivered=c.get("delivered", 0),
                dead=c.get("dead", 0),
            )
        )
    return SyncStatus(undispatched=int(undispatched or 0), connectors=out)


def list_dead_letters(
    session: Session, *, include_replayed: bool = False, limit: int = 100
) -> list[DeadLetterView]:
    q = (
        select(DeadLetter, Endpoint.name, OutboxEvent)
        .join(Endpoint, Endpoint.id == DeadLetter.endpoint_id)
        .join(Delivery, Delivery.id == DeadLetter.delivery_id)
        .join(OutboxEvent, OutboxEvent.id == Delivery.outbox_id)
        .order_by(DeadLetter.id)
        .limit(limit)
    )
    if not include_replayed:
        q = q.where(DeadLetter.replayed_at.is_(None))
    return [
        DeadLetterView(
            id=dl.id,
            delivery_id=dl.delivery_id,
            endpoint=name,
            event_id=ev.event_id,
            event_type=ev.event_type,
            lead_id=ev.lead_id,
            reason=dl.reason,
            last_status=dl.last_status,
            created_at=dl.created_at,
            replayed_at=dl.replayed_at,
        )
        for dl, name, ev in session.execute(q).all()
    ]


def replay_dead_letters(session: Session, ids: Sequence[int] | None, *, now: datetime) -> int:
    """Put dead deliveries back to pending (all open dead letters when ``ids`` is None)."""
    q = select(DeadLetter).where(DeadLetter.replayed_at.is_(None))
    if ids is not None:
        wanted = list(ids)
        q = q.where(DeadLetter.id.in_(wanted))
    letters = list(session.scalars(q))
    if ids is not None:
        missing = set(wanted) - {d.id for d in letters}
        if missing:
            raise NotFound("no open dead letter with this id", where=f"id={min(missing)}")
    for dl in letters:
        dl.replayed_at = now
    delivery_ids = [dl.delivery_id for dl in letters]
    if delivery_ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.state == "dead")
            .values(
                state="pending",
                attempts=0,
                first_attempt_at=None,
                next_attempt_at=now,
                lease_owner=None,
                lease_until=None,
            )
        )
    session.flush()
    return len(letters)
