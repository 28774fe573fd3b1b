"""Tables of the console and live handoff.

``handoff_offers`` has two partial unique indexes: one call has at most one live
(offered or accepted) offer, and one agent at most one, so two agents can never both get
one call even if two processes race (the database refuses the second row).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UTCDateTime, utcnow

# compliance: reviews and approves script versions (maker-checker), reads what supervisors read
ROLES = ("agent", "supervisor", "admin", "compliance")
PRESENCE = ("offline", "available", "on_call", "wrap_up", "away")
LIVE_OFFER = "status IN ('offered', 'accepted')"


class User(Base):
    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when too many failed logins locked the account (handoff.throttle); an admin
    # lifts it (``tailcall users unlock``).
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed (and pending) logins per key: ``user:NAME`` or ``addr:IP``."""

    __tablename__ = "console_login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserSession(Base):
    """A login; the cookie carries a random token, the table only its SHA-256."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    """A bearer token for scripts and integrations, acting as its user (and role).

    The token is shown once when created; the table only keeps its SHA-256."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("console_users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Agent(Base):
    """Presence of a user who takes calls."""

    __tablename__ = "handoff_agents"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(16), default="offline")
    status_since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    idle_since: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    call_sid: Mapped[str | None] = mapped_column(String(64))
    # an overflow agent is offered a call only when no other free agent is left to try
    # (the demo's simulated agents: they take what no person accepts in time)
    overflow: Mapped[bool] = mapped_column(Boolean, default=False)


class AgentSkill(Base):
    __tablename__ = "handoff_agent_skills"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(32), primary_key=True)


class HandoffRequestRow(Base):
    """What the intent scorer asked for, and how it ended."""

    __tablename__ = "handoff_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(8))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    skill: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16), default="open")
    agent_id: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disposition: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    # The agent asks the customer's branch to follow up in person (a branch lead).
    branch_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)


class Offer(Base):
    __tablename__ = "handoff_offers"
    __table_args__ = (
        Index(
            "uq_handoff_offers_live_call",
            "call_sid",
            unique=True,
            sqlite_where=text(LIVE_OFFER),
            postgresql_where=text(LIVE_OFFER),
        ),
        Index(
            "uq_handoff_offers_live_agent",
            "agent_id",
            unique=True,
            sqlite_where=text(LIVE_OFFER),
            postgresql_where=text(LIVE_OFFER),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("handoff_requests.id", ondelete="CASCADE"))
    call_sid: Mapped[str] = mapped_column(String(64))
    agent_id: Mapped[int] = mapped_column(ForeignKey("console_users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="offered")
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FollowUpTask(Base):
    __tablename__ = "follow_up_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    grade: Mapped[str] = mapped_column(String(8))
    callback_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    transcript_ref: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="open")
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("console_users.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ConsoleEvent(Base):
    """Every event sent to consoles, numbered; a reconnecting console replays from here.

    ``user_id`` set: for that user only; otherwise for every console whose role is in
    ``roles`` (comma separated)."""

    __tablename__ = "console_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    roles: Mapped[str] = mapped_column(String(40), default="agent,supervisor,admin")
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
