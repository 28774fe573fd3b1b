"""Where an agent's console is open: one row per agent, refreshed by the console process.

An agent's ``handoff_agents.status`` says what they chose (available, away...); this row
says that a console process still holds their open console. A console process that dies
stops refreshing, so after ``stale_s`` its agents no longer count as free for pacing in
any process (``handoff.capacity``), even though their stored status still says available.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Base, UTCDateTime


class ConsolePresence(Base):
    __tablename__ = "handoff_console_presence"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("console_users.id", ondelete="CASCADE"), primary_key=True
    )
    process_id: Mapped[str] = mapped_column(String(100))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
