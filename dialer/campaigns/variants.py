"""Stopping a losing script variant while a campaign runs.

The variant's weight becomes 0 (the spec keeps it, so its results stay on the race) and
every queued attempt that carried it is given one of the remaining variants, by the same
sticky weighted choice as at start (``spec.pick_variant``); retries of its calls get a
remaining variant too (``outcomes.finish_attempt``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dialer.campaigns.models import Attempt
from dialer.campaigns.service import get_campaign, record_action
from dialer.campaigns.spec import VariantSpec, pick_variant
from dialer.campaigns.stored import variants_of
from kernel.actors import Actor
from kernel.errors import Conflict, InvalidInput

STOPPABLE = ("draft", "scheduled", "running", "paused")


def active_variant(variants: Sequence[VariantSpec], name: str | None) -> bool:
    return any(v.name == name and v.weight > 0 for v in variants)


def stop_variant(session: Session, campaign_id: int, name: str, now: datetime, *, by: Actor) -> int:
    """Stop ``name``: weight 0 and its queued attempts moved to the remaining variants.
    Returns how many queued attempts moved."""
    c = get_campaign(session, campaign_id)
    if c.status not in STOPPABLE:
        raise Conflict(f"the campaign is {c.status}", where="status")
    variants = variants_of(c)
    if not any(v.name == name for v in variants):
        raise InvalidInput(f"no variant {name!r}", where="variant")
    rest = [v for v in variants if v.name != name and v.weight > 0]
    if not rest:
        raise Conflict("the last running variant cannot be stopped", where="variant")
    c.variants = [
        {**v.model_dump(mode="json"), "weight": 0.0 if v.name == name else v.weight}
        for v in variants
    ]
    c.updated_at = now
    moved = 0
    queued = select(Attempt).where(
        Attempt.campaign_id == c.id, Attempt.status == "queued", Attempt.variant == name
    )
    for a in session.scalars(queued):
        a.variant = pick_variant(rest, c.id, a.customer_id)
        moved += 1
    record_action(
        session, c, now, by, "variant_stopped", f"variant {name} ({moved} queued calls moved)"
    )
    return moved
