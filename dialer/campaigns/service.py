"""Campaign service: lifecycle, audience, eligibility facts, outcomes, retries, opt-outs.

Functions take a ``Session`` inside the caller's unit of work; nothing here does HTTP.
The dial loop (``dialer.campaigns.worker``) and the API/CLI call these.

Every lifecycle action (create, update, start, pause, resume, cancel, and stopping a
variant in ``dialer.campaigns.variants``) takes the ``Actor`` who did it and records it
here, in the same transaction, in the audit log (``kernel.audit``) under the subject
``campaign:<id>``: the web page, the REST API, the CLI and the product itself (the
compliance breaker, the dial loop) all pass through these functions, so every door is
recorded the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dialer.campaigns.audience import AudienceReport, build_audience
from dialer.campaigns.calendars import load_calendars
from dialer.campaigns.config import DialerSettings
from dialer.campaigns.launch import LaunchChecks
from dialer.campaigns.models import LIVE_STATES, Attempt, Campaign
from dialer.campaigns.spec import CampaignSpec
from dialer.campaigns.stored import apply_spec, spec_of
from dialer.lists.models import CallList
from kernel.actors import Actor
from kernel.audit import act
from kernel.errors import Conflict, InvalidInput, NotFound
from scripts.versions import approved_file, script_file

log = logging.getLogger(__name__)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "schedule": ("draft",),
    "pause": ("running", "scheduled"),
    "resume": ("paused",),
    "cancel": ("draft", "scheduled", "running", "paused"),
}
_STATE_ORDER = {"queued": 0, "dialing": 1, "ringing": 2, "in_progress": 3, "ended": 4}
DIAL_LOOP = Actor.system("dial-loop")


def record_action(
    session: Session, c: Campaign, now: datetime, by: Actor, event: str, detail: str = ""
) -> None:
    """One action on the campaign, with who did it and from where (the audit log)."""
    act(session, now, by, event, subject_of(c.id), detail)


def subject_of(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


# ---------------------------------------------------------------- campaigns


def create_campaign(
    session: Session,
    spec: CampaignSpec,
    now: datetime,
    launch: LaunchChecks | None = None,
    *,
    by: Actor,
) -> Campaign:
    """A draft campaign; with ``launch`` (the API's and the CLI's) only one that can run:
    its scripts exist and lint clean, its language has a speech model or it is text-only."""
    if launch is not None:
        launch.check(spec)
    if session.scalar(select(Campaign.id).where(Campaign.name == spec.name)) is not None:
        raise Conflict("a campaign with this name exists", where="name")
    _check_lists(session, spec.audience.list_ids)
    _check_calendar(session, spec.window.holiday_calendar)
    c = Campaign(status="draft", created_at=now, updated_at=now)
    apply_spec(c, spec)
    session.add(c)
    session.flush()
    record_action(session, c, now, by, "campaign_created", spec.name)
    return c


def update_campaign(
    session: Session,
    campaign_id: int,
    spec: CampaignSpec,
    now: datetime,
    launch: LaunchChecks | None = None,
    *,
    by: Actor,
) -> Campaign:
    c = get_campaign(session, campaign_id)
    if c.status != "draft":
        raise Conflict(f"only a draft campaign can be edited (it is {c.status})", where="status")
    if launch is not None:
        launch.check(spec)
    _check_lists(session, spec.audience.list_ids)
    _check_calendar(session, spec.window.holiday_calendar)
    apply_spec(c, spec)
    c.updated_at = now
    record_action(session, c, now, by, "campaign_updated", spec.name)
    return c


def _check_lists(session: Session, list_ids: Sequence[int]) -> None:
    if not list_ids:
        return
    found = set(session.scalars(select(CallList.id).where(CallList.id.in_(list_ids))))
    for i, lid in enumerate(list_ids):
        if lid not in found:
            raise InvalidInput(f"call list {lid} does not exist", where=f"audience.list_ids[{i}]")


def _check_calendar(session: Session, name: str | None) -> None:
    if name:
        load_calendars(session, [name])


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    c = session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound(f"campaign {campaign_id} does not exist", where="campaign_id")
    return c


def find_campaign(session: Session, ref: str) -> Campaign:
    """By id or by name (CLI)."""
    if ref.isdigit():
        return get_campaign(session, int(ref))
    c = session.scalar(select(Campaign).where(Campaign.name == ref))
    if c is None:
        raise NotFound("no campaign with this name", where="campaign")
    return c


def list_campaigns(session: Session) -> list[Campaign]:
    return list(session.scalars(select(Campaign).order_by(Campaign.id)))


def _transition(c: Campaign, action: str) -> None:
    if c.status not in TRANSITIONS[action]:
        raise Conflict(f"cannot {action} a campaign that is {c.status}", where="status")


# ---------------------------------------------------------------- lifecycle


def _script_ids(c: Campaign) -> list[str]:
    """The campaign's script and every variant's own script, once each."""
    ids = [c.script_id]
    for v in c.variants or []:
        sid = v.get("script_id")
        if sid and sid not in ids:
            ids.append(str(sid))
    return ids


def start_campaign(
    session: Session,
    campaign_id: int,
    now: datetime,
    settings: DialerSettings,
    default_tz: str,
    launch: LaunchChecks | None = None,
    *,
    by: Actor,
) -> AudienceReport:
    """draft -> scheduled (start_at in the future) or running; builds the attempts. With
    ``launch``, checked again first (a model removed or a script changed since)."""
    c = get_campaign(session, campaign_id)
    _transition(c, "schedule")
    if launch is not None:
        launch.check(spec_of(c))
    if settings.require_script_approval:
        for script_id in _script_ids(c):
            approved = approved_file(session, script_id, c.language)
            if script_id == c.script_id:
                c.script_version, c.script_digest = approved.version, approved.digest
    else:
        try:
            current = script_file(c.script_id, c.language)
        except NotFound:
            current = None  # existence is the launch check's; here only the version is kept
        if current is not None:
            c.script_version, c.script_digest = current.version, current.digest
    start = c.start_at if c.start_at and c.start_at > now else now
    report = build_audience(session, c, start, settings, default_tz)
    c.status = "scheduled" if start > now else "running"
    if c.status == "running":
        c.started_at = now
    c.updated_at = now
    skipped = sum(report.skipped.values())
    record_action(
        session, c, now, by, "campaign_start", f"{report.queued} queued, {skipped} skipped"
    )
    return report


def extend_audience(
    session: Session,
    campaign_id: int,
    now: datetime,
    settings: DialerSettings,
    default_tz: str,
) -> AudienceReport:
    """A started campaign takes in the audience members that joined since (customers
    imported into its lists or matching its filter later): an attempt each, checked for
    eligibility as at the start; members it has already are left as they are."""
    c = get_campaign(session, campaign_id)
    if c.status not in ("scheduled", "running", "paused"):
        raise Conflict(f"cannot add to a campaign that is {c.status}", where="status")
    start = c.start_at if c.start_at and c.start_at > now else now
    return build_audience(session, c, start, settings, default_tz, only_new=True)


def pause_campaign(
    session: Session, campaign_id: int, now: datetime, *, by: Actor, reason: str = ""
) -> Campaign:
    """No new dials; live calls finish. ``reason`` is kept (the breaker's, the loop's)."""
    c = get_campaign(session, campaign_id)
    _transition(c, "pause")
    c.status = "paused"
    c.updated_at = now
    if reason:
        c.end_reason = reason[:200]
    record_action(session, c, now, by, "campaign_pause", reason)
    return c


def resume_campaign(session: Session, campaign_id: int, now: datetime, *, by: Actor) -> Campaign:
    c = get_campaign(session, campaign_id)
    _transition(c, "resume")
    c.status = "running" if c.started_at else "scheduled"
    if c.status == "scheduled" and (c.start_at is None or c.start_at <= now):
        c.status, c.started_at = "running", now
    c.updated_at = now
    record_action(session, c, now, by, "campaign_resume")
    return c


def cancel_campaign(
    session: Session, campaign_id: int, now: datetime, reason: str, *, by: Actor
) -> int:
    """Ends queued attempts with the reason; live calls finish. Returns attempts cancelled."""
    c = get_campaign(session, campaign_id)
    _transition(c, "cancel")
    c.status = "cancelled"
    c.ended_at = now
    c.end_reason = reason[:200]
    c.updated_at = now
    res = session.execute(
        update(Attempt)
        .where(Attempt.campaign_id == c.id, Attempt.status == "queued")
        .values(
            status="cancelled",
            ended_at=now,
            end_reason=reason[:200],
            lease_owner=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    n = int(res.rowcount)  # type: ignore[attr-defined]
    record_action(session, c, now, by, "campaign_cancel", f"{n} queued calls cancelled: {reason}")
    return n


def promote_and_complete(session: Session, now: datetime) -> None:
    """scheduled -> running at start time; running -> completed when nothing is left."""
    for c in session.scalars(
        select(Campaign).where(Campaign.status == "scheduled", Campaign.start_at <= now)
    ):
        c.status, c.started_at, c.updated_at = "running", now, now
        record_action(session, c, now, DIAL_LOOP, "campaign_running", "start time reached")
    open_attempts = (
        select(Attempt.id)
        .where(Attempt.campaign_id == Campaign.id, Attempt.status.in_(("queued", *LIVE_STATES)))
        .exists()
    )
    for c in session.scalars(select(Campaign).where(Campaign.status == "running", ~open_attempts)):
        c.status, c.ended_at, c.updated_at, c.end_reason = (
            "completed",
            now,
            now,
            "all attempts done",
        )
        record_action(session, c, now, DIAL_LOOP, "campaign_completed", "all attempts done")


# ---------------------------------------------------------------- audience


# ---------------------------------------------------------------- holidays


# ---------------------------------------------------------------- outcomes


# ---------------------------------------------------------------- reporting
