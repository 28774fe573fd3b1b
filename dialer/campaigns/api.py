"""REST API: campaigns (CRUD, lifecycle, status, skips) and the carrier's status callback.

The app mounts ``router`` for supervisors and admins (``tailcall.app.route_policy``);
``carrier_router`` takes no login: the carrier signs its callbacks (checked in prod).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from dialer.campaigns import outcomes, reports, service, stored, variants
from dialer.campaigns.config import DEV_CARRIER_TOKEN, DialerSettings
from dialer.campaigns.launch import LaunchChecks
from dialer.campaigns.models import Campaign
from dialer.campaigns.spec import CampaignSpec
from kernel.actors import Actor
from kernel.bounds import MAX_INT64, Count, RowId
from kernel.clock import Clock, SystemClock
from kernel.db import Database
from kernel.errors import Forbidden, InvalidInput
from kernel.privacy import mask_phone
from kernel.settings import Settings

router = APIRouter(prefix="/api/campaigns", tags=["campaigns"])
carrier_router = APIRouter(tags=["carrier"])


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _settings(request: Request) -> Settings:
    s: Settings = request.app.state.settings
    return s


def _dsettings(request: Request) -> DialerSettings:
    ds: DialerSettings | None = getattr(request.app.state, "dialer_settings", None)
    if ds is None:
        ds = DialerSettings()
        request.app.state.dialer_settings = ds
    return ds


def _clock(request: Request) -> Clock:
    clock: Clock = getattr(request.app.state, "clock", None) or SystemClock()
    return clock


def launch_checks(request: Request) -> LaunchChecks | None:
    """The app's launch checks for create, update and start, from the API and the pages
    (``tailcall.app`` sets them; a bare test app has none)."""
    checks: LaunchChecks | None = getattr(request.app.state, "launch_checks", None)
    return checks


def _actor(request: Request) -> Actor:
    """Who is calling, as the app's auth dependency found them (``handoff.auth.require``
    sets ``request.state.actor``); a route reached without one refuses to act."""
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        raise Forbidden("no authenticated caller to record", where="authorization")
    return actor


def _session(request: Request) -> Iterator[Session]:
    with _db(request).session() as s:
        yield s


class CampaignOut(BaseModel):
    id: int
    status: str
    spec: CampaignSpec
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None

    @classmethod
    def of(cls, c: Campaign) -> CampaignOut:
        return cls(
            id=c.id,
            status=c.status,
            spec=stored.spec_of(c),
            started_at=c.started_at,
            ended_at=c.ended_at,
            end_reason=c.end_reason,
        )


class CancelBody(BaseModel):
    reason: str = "cancelled by operator"


@router.post("", status_code=201)
def create(spec: CampaignSpec, request: Request, s: Session = Depends(_session)) -> CampaignOut:
    return CampaignOut.of(
        service.create_campaign(
            s, spec, _clock(request).now(), launch=launch_checks(request), by=_actor(request)
        )
    )


@router.get("")
def list_all(s: Session = Depends(_session)) -> list[CampaignOut]:
    return [CampaignOut.of(c) for c in service.list_campaigns(s)]


@router.get("/{campaign_id}")
def get(campaign_id: RowId, s: Session = Depends(_session)) -> CampaignOut:
    return CampaignOut.of(service.get_campaign(s, campaign_id))


@router.put("/{campaign_id}")
def update(
    campaign_id: RowId, spec: CampaignSpec, request: Request, s: Session = Depends(_session)
) -> CampaignOut:
    now = _clock(request).now()
    return CampaignOut.of(
        service.update_campaign(
            s, campaign_id, spec, now, launch=launch_checks(request), by=_actor(request)
        )
    )


@router.post("/{campaign_id}/start")
def start(campaign_id: RowId, request: Request, s: Session = Depends(_session)) -> dict[str, Any]:
    rep = service.start_campaign(
        s,
        campaign_id,
        _clock(request).now(),
        _dsettings(request),
        _settings(request).default_timezone,
        launch=launch_checks(request),
        by=_actor(request),
    )
    return {
        "status": service.get_campaign(s, campaign_id).status,
        "members": rep.members,
        "queued": rep.queued,
        "skipped": dict(rep.skipped),
    }


@router.post("/{campaign_id}/pause")
def pause(campaign_id: RowId, request: Request, s: Session = Depends(_session)) -> CampaignOut:
    now = _clock(request).now()
    return CampaignOut.of(service.pause_campaign(s, campaign_id, now, by=_actor(request)))


@router.post("/{campaign_id}/resume")
def resume(campaign_id: RowId, request: Request, s: Session = Depends(_session)) -> CampaignOut:
    now = _clock(request).now()
    return CampaignOut.of(service.resume_campaign(s, campaign_id, now, by=_actor(request)))


@router.post("/{campaign_id}/cancel")
def cancel(
    campaign_id: RowId,
    request: Request,
    body: CancelBody | None = None,
    s: Session = Depends(_session),
) -> dict[str, Any]:
    reason = (body or CancelBody()).reason
    n = service.cancel_campaign(s, campaign_id, _clock(request).now(), reason, by=_actor(request))
    return {"status": "cancelled", "attempts_cancelled": n}


@router.post("/{campaign_id}/variants/{name}/stop")
def stop_variant(
    campaign_id: RowId, name: str, request: Request, s: Session = Depends(_session)
) -> dict[str, Any]:
    """Stop a losing script variant: its queued calls move to the remaining variants."""
    now = _clock(request).now()
    moved = variants.stop_variant(s, campaign_id, name[:50], now, by=_actor(request))
    return {"variant": name[:50], "stopped": True, "moved": moved}


@router.get("/{campaign_id}/status")
def status(campaign_id: RowId, s: Session = Depends(_session)) -> dict[str, Any]:
    return reports.campaign_status(s, campaign_id)


@router.get("/{campaign_id}/skips")
def skips(
    campaign_id: RowId,
    reason: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: Count = Query(0),
    s: Session = Depends(_session),
) -> dict[str, Any]:
    service.get_campaign(s, campaign_id)
    rows = reports.list_skips(s, campaign_id, reason=reason, limit=limit, offset=offset)
    return {
        "counts": reports.skip_counts(s, campaign_id),
        "items": [
            {
                "customer_id": r.customer_id,
                "attempt_id": r.attempt_id,
                "reason": r.reason,
                "final": r.final,
                "at": r.at.isoformat(),
            }
            for r in rows
        ],
    }


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


@router.get("/{campaign_id}/attempts")
def attempts(
    campaign_id: RowId,
    status: str | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: Count = Query(0),
    s: Session = Depends(_session),
) -> list[dict[str, Any]]:
    """Per-attempt outcomes: timestamps, carrier result, who answered, disposition, retry."""
    service.get_campaign(s, campaign_id)
    return [
        {
            "id": a.id,
            "customer_id": a.customer_id,
            "phone": mask_phone(a.phone_e164),
            "seq": a.seq,
            "variant": a.variant,
            "status": a.status,
            "queued_at": _iso(a.queued_at),
            "dialed_at": _iso(a.dialed_at),
            "ringing_at": _iso(a.ringing_at),
            "answered_at": _iso(a.answered_at),
            "ended_at": _iso(a.ended_at),
            "carrier_status": a.carrier_status,
            "outcome": a.outcome,
            "answered_by": a.answered_by,
            "disposition": a.disposition,
            "duration_s": a.duration_s,
            "next_retry_at": _iso(a.next_retry_at),
            "end_reason": a.end_reason,
        }
        for a in outcomes.list_attempts(s, campaign_id, status=status, limit=limit, offset=offset)
    ]


class ResolveBody(BaseModel):
    outcome: str
    note: str | None = None


@router.post("/attempts/{attempt_id}/resolve")
def resolve(
    attempt_id: RowId, body: ResolveBody, request: Request, s: Session = Depends(_session)
) -> dict[str, Any]:
    """Settle an attempt in review (the carrier could not say whether it was dialed)."""
    nxt = outcomes.resolve_review(
        s,
        attempt_id,
        body.outcome,
        _clock(request).now(),
        default_tz=_settings(request).default_timezone,
        note=body.note,
    )
    return {
        "attempt_id": attempt_id,
        "status": "ended",
        "retry_attempt_id": nxt.id if nxt else None,
    }


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 over the URL and the sorted form params."""
    payload = url + "".join(k + params[k] for k in sorted(params))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _number(raw: str | None, where: str, most: int) -> int | None:
    """A whole number from the carrier's callback (0 .. ``most``), or None when absent."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) > most:
        raise InvalidInput(f"not a whole number up to {most}", where=where)
    return int(raw)


@carrier_router.post("/carrier/status", include_in_schema=False)
async def carrier_status(
    request: Request,
    CallSid: str = Form(...),
    CallStatus: str = Form(...),
    AnsweredBy: str | None = Form(None),
    CallDuration: str | None = Form(None),
    SipResponseCode: str | None = Form(None),
) -> Response:
    """The carrier reports call progress; applied idempotently to the attempt."""
    ds = _dsettings(request)
    settings = _settings(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if settings.env != "test":  # dev and prod: signed by the carrier (dev: the simulator)
        token = ds.carrier_auth_token.get_secret_value()
        if settings.env == "prod" and token == DEV_CARRIER_TOKEN:
            raise Forbidden("the carrier's auth token is not configured", where="settings")
        sig = request.headers.get("X-Twilio-Signature", "")
        # The carrier signs the URL it called: ours as the public base URL names it.
        url = settings.resolved_public_base_url.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query
        want = twilio_signature(token, url, form)
        if not hmac.compare_digest(sig.encode("latin-1"), want.encode()):
            raise Forbidden("bad carrier signature", where="X-Twilio-Signature")
    attempt_id = _number(request.query_params.get("attempt_id"), "attempt_id", MAX_INT64)
    sip = _number(SipResponseCode, "SipResponseCode", 999)
    try:
        duration = float(CallDuration) if CallDuration else None
    except ValueError as exc:
        raise InvalidInput("not a number", where="CallDuration") from exc
    if duration is not None and not 0 <= duration < 1e9:
        raise InvalidInput("out of range", where="CallDuration")
    now = _clock(request).now()

    def apply() -> None:
        with _db(request).session() as s:
            outcomes.apply_carrier_status(
                s,
                now=now,
                settings=ds,
                default_tz=settings.default_timezone,
                sid=CallSid,
                status=CallStatus,
                attempt_id=attempt_id,
                answered_by=AnsweredBy,
                duration_s=duration,
                sip_code=sip,
            )

    await run_in_threadpool(apply)  # blocking database work off the event loop
    return Response(status_code=204)
