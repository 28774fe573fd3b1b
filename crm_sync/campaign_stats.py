"""Leads a campaign made, by script variant (for its live page and its script race)."""

from __future__ import annotations

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from crm_sync.models import Lead


def leads_by_variant(session: Session, campaign_id: int) -> dict[str, int]:
    """Calls that made at least one lead, per variant ("" for none): a call making both
    a remote-center and a branch lead counts once."""
    key = func.coalesce(Lead.variant, literal_column("''"))
    q = (
        select(key, func.count(func.distinct(Lead.call_id)))
        .where(Lead.campaign_id == campaign_id)
        .group_by(key)
    )
    return {str(v): int(n) for v, n in session.execute(q)}
