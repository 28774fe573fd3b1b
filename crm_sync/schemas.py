"""Views returned by the service to the API and CLI (pydantic v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EndpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    kind: Literal["webhook", "file"]
    url: str | None = None
    secret: str | None = Field(default=None, description="whsec_...; generated when empty")
    config: dict[str, Any] = Field(default_factory=dict)


class EndpointView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    url: str | None
    config: dict[str, Any]
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None


class EndpointCreated(EndpointView):
    secret: str | None = Field(description="Shown once, at creation")


class ConnectorStatus(BaseModel):
    endpoint_id: int
    name: str
    kind: str
    enabled: bool
    pending: int = 0
    failed: int = 0
    delivered: int = 0
    dead: int = 0


class SyncStatus(BaseModel):
    undispatched: int = Field(description="Outbox events not yet fanned out to endpoints")
    connectors: list[ConnectorStatus]


class DeadLetterView(BaseModel):
    id: int
    delivery_id: int
    endpoint: str
    event_id: str
    event_type: str
    lead_id: int | None
    reason: str
    last_status: int | None
    created_at: datetime
    replayed_at: datetime | None


class ReplayResult(BaseModel):
    replayed: int
