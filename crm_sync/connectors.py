"""The connector interface: a batch of events in, one result per event out.

Real adapters: :mod:`crm_sync.webhook` (signed HTTP) and :mod:`crm_sync.file_export`
(JSONL/CSV files). Tests may pass any object with this interface to the relay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from crm_sync.backoff import Result


@dataclass(frozen=True)
class EndpointInfo:
    """A detached copy of an endpoint row (connectors never hold ORM objects)."""

    id: int
    name: str
    kind: str
    url: str | None
    secret: str | None
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> tuple[Any, ...]:
        return (self.kind, self.url, self.secret, repr(sorted(self.config.items())))


@dataclass(frozen=True)
class OutboundEvent:
    """One delivery of one outbox event: ``event_id`` is the idempotency key."""

    delivery_id: int
    event_id: str
    event_type: str
    lead_id: int | None
    lead_version: int | None
    payload: dict[str, Any]
    attempt_no: int
    # The lease end of the claim that produced this delivery: it fences the result, so
    # a late result from an expired claim cannot overwrite a newer claim's (same owner).
    lease_until: datetime | None = None


class Connector(Protocol):
    async def deliver(self, events: Sequence[OutboundEvent]) -> list[Result]:
        """Deliver events; results are in the same order. Never raises for delivery errors."""
        ...

    async def aclose(self) -> None: ...


def with_phone(payload: dict[str, Any], phone: str | None) -> dict[str, Any]:
    """A lead event as delivered: the lead's number is not stored in the outbox, it is
    added here, in memory, from the lead (``public_payload`` drops it again unless the
    endpoint may see it)."""
    data = payload.get("data")
    if phone is None or not isinstance(data, dict):
        return payload
    return {**payload, "data": {**data, "phone_e164": phone}}


def public_payload(payload: dict[str, Any], include_phone: bool) -> dict[str, Any]:
    """The event as an endpoint may see it: the full phone number only when allowed."""
    if include_phone:
        return payload
    data = payload.get("data")
    if not isinstance(data, dict) or "phone_e164" not in data:
        return payload
    trimmed = {k: v for k, v in data.items() if k != "phone_e164"}
    return {**payload, "data": trimmed}
