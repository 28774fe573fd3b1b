"""The live demo's accounts and what it prints first (``tailcall serve --demo``).

Three console logins, one per role (``demo-agent``, ``demo-supervisor``, ``demo-admin``),
created once with random passwords that are kept in the private data dir
(``var/demo/logins.json``, 0600) and printed at every start; and the simulated agents,
console agents marked overflow and named as simulated, which take only the offers no
person accepts in time; and the demo script's approval (maker-checker, with notes saying
the demo set-up did it). Nothing here touches the simulator (``tailcall.simulation`` runs
the simulated world).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from handoff.models import Agent, AgentSkill, User
from handoff.passwords import hash_password
from handoff.script_reviews import submit_shipped
from kernel.db import Database
from scripts.versions import decide

DEMO_SKILLS = ("points", "general", "complaints", "wealth")
SIMULATED_AGENTS = 2


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    password: str


PEOPLE = (
    ("demo-agent", "agent", "Demo agent"),
    ("demo-supervisor", "supervisor", "Demo supervisor"),
    ("demo-admin", "admin", "Demo admin"),
)


def logins_file(data_dir: Path) -> Path:
    return data_dir / "demo" / "logins.json"


def _add_user(
    db: Database,
    username: str,
    role: str,
    name: str,
    password: str | None,
    *,
    overflow: bool = False,
) -> int:
    """Create the user, or give an existing one this password (None: keep theirs; a new
    user gets a random one) and the demo's skills; the user's id."""
    with db.read() as s:
        found = s.scalar(select(User.id).where(User.username == username))
    hashed = None
    if password is not None or found is None:
        hashed = hash_password(password or secrets.token_urlsafe(24))
    with db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            assert hashed is not None
            user = User(username=username, display_name=name, password_hash=hashed, role=role)
            s.add(user)
            s.flush()
        else:
            user.display_name, user.disabled = name, False
            if hashed is not None:
                user.password_hash = hashed
        if role == "agent":
            agent = s.get(Agent, user.id)
            if agent is None:
                s.add(Agent(user_id=user.id, overflow=overflow))
            else:
                agent.overflow = overflow
            have = set(s.scalars(select(AgentSkill.skill).where(AgentSkill.user_id == user.id)))
            for skill in DEMO_SKILLS:
                if skill not in have:
                    s.add(AgentSkill(user_id=user.id, skill=skill))
        return user.id


def ensure_logins(db: Database, data_dir: Path) -> list[Login]:
    """The demo's three logins: created (or their passwords set) once, then read back."""
    path = logins_file(data_dir)
    kept: dict[str, str] = {}
    if path.is_file():
        try:
            kept = {str(k): str(v) for k, v in json.loads(path.read_text("utf-8")).items()}
        except (ValueError, AttributeError):
            kept = {}
    with db.read() as s:
        existing = set(s.scalars(select(User.username)))
    out = []
    for username, role, name in PEOPLE:
        password = kept.get(username)
        if password is None or username not in existing:
            password = secrets.token_urlsafe(9)
            _add_user(db, username, role, name, password)
        kept[username] = password
        out.append(Login(username, role, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(kept, f)
    return out


def ensure_simulated_agents(db: Database, n: int = SIMULATED_AGENTS) -> list[int]:
    """The simulated agents' user ids: overflow agents named as simulated, whose random
    passwords are never shown (nobody logs in as them)."""
    return [
        _add_user(db, f"sim-{i}", "agent", f"模拟坐席 sim-{i} (simulated)", None, overflow=True)
        for i in range(1, n + 1)
    ]


def banner(base_url: str, logins: Sequence[Login], language: str, data_dir: Path) -> str:
    """What the demo prints before anything else."""
    console = f"{base_url.rstrip('/')}/console"
    width = max(len(x.username) for x in logins)
    rows = "\n".join(
        f"  {x.role:<11} {x.username:<{width}}  password: {x.password}" for x in logins
    )
    return f"""
tailcall demo: a campaign calls simulated customers continuously ({language}, real speech
both ways: Vosk listens, pyttsx3/espeak-ng speaks; the customers are simulated personas).

  console     {console}
{rows}
  (kept in {logins_file(data_dir)}; a new one: tailcall users passwd demo-agent)

  1. Open {console} and log in as demo-agent.
  2. Set yourself Available.
  3. An alert arrives within a minute: accept it, talk to the customer through your
     microphone, then end the call or hand it back to the bot.

  demo-supervisor sees every call on the board; simulated agents (模拟坐席 ... (simulated))
  take the alerts nobody accepts in time. The batch report of a whole simulated campaign:
  tailcall simulate --customers 200 --out var/simulation   (then open simulation.html)
"""


def approve_demo_script(db: Database, script_id: str, language: str, now: datetime) -> str:
    """The shipped script the demo calls with, through the maker-checker review like any
    script: submitted by ``demo-supervisor`` and approved by ``demo-admin``, each with a
    note saying the demo set-up did it. Its status (``approved``)."""
    with db.session() as s:
        row = submit_shipped(
            s,
            script_id,
            language,
            "demo-supervisor",
            "submitted by the demo set-up (make demo): the shipped script",
            now,
        )
        if row.status == "submitted":
            row = decide(
                s,
                row.id,
                "approve",
                "demo-admin",
                "admin",
                now,
                "approved by the demo set-up (make demo), for the demo only",
            )
        return row.status
