"""Script versions under review: the table and its store (maker-checker, scripts.review).

A row holds the exact bytes that were reviewed, their digest, who submitted and who
decided. The runtime loads scripts from files; a campaign may start only when the file it
will speak has an approved row with the same digest, and every attempt records the digest
it dialed with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from sqlalchemy import Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kernel.db import Base, UTCDateTime
from kernel.errors import Conflict, InvalidInput, NotFound
from scripts.lint import lint_script
from scripts.loader import ScriptLoadError, find_script, parse_script
from scripts.review import Decision, ReviewState, ReviewStatus, check_decision, script_digest


class ScriptVersion(Base):
    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("script_id", "language", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    version: Mapped[str] = mapped_column(String(20))
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    product_type: Mapped[str] = mapped_column(String(20), default="general")
    lint_errors: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(500), default="")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="")


@dataclass(frozen=True)
class ScriptFile:
    """The file a campaign's calls will speak, and its identity."""

    path: Path
    script_id: str
    language: str
    version: str
    digest: str


def script_file(script_id: str, language: str) -> ScriptFile:
    """The shipped file for ``script_id`` in ``language``, with its version and digest."""
    path = find_script(script_id, language)
    content = path.read_bytes()
    script = parse_script(content.decode("utf-8"), str(path))
    return ScriptFile(path, script_id, language, script.metadata.version, script_digest(content))


def submit(
    session: Session, content: bytes, author: str, now: datetime, note: str = ""
) -> ScriptVersion:
    """Submit these exact bytes for review; the same bytes again return the same row."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the script is not UTF-8 (byte {exc.start})", where="content") from exc
    try:
        script = parse_script(text, "<submitted>")
    except ScriptLoadError as exc:
        raise InvalidInput(f"the script does not load: {exc}", where="content") from exc
    digest = script_digest(content)
    meta = script.metadata
    row = session.scalar(
        select(ScriptVersion).where(
            ScriptVersion.script_id == meta.id,
            ScriptVersion.language == meta.language,
            ScriptVersion.digest == digest,
        )
    )
    if row is not None and row.status != "rejected":
        return row
    errors = sum(1 for f in lint_script(script) if f.severity == "error")
    if row is None:
        row = ScriptVersion(script_id=meta.id, language=meta.language, digest=digest)
        session.add(row)
    row.version, row.content, row.product_type = meta.version, text, meta.product_type
    row.lint_errors, row.status = errors, "submitted"
    row.submitted_by, row.submitted_at, row.note = author, now, note[:500]
    row.decided_by, row.decided_at, row.decision_note = None, None, ""
    session.flush()
    return row


def decide(
    session: Session,
    version_id: int,
    decision: Decision,
    actor: str,
    actor_role: str,
    now: datetime,
    note: str = "",
) -> ScriptVersion:
    """Approve or reject a submitted version (a different user with an approver role)."""
    row = session.get(ScriptVersion, version_id)
    if row is None:
        raise NotFound(f"no script version {version_id}", where="version_id")
    state = ReviewState(cast(ReviewStatus, row.status), row.submitted_by, row.lint_errors)
    check_decision(state, decision, actor, actor_role)
    row.status = "approved" if decision == "approve" else "rejected"
    row.decided_by, row.decided_at, row.decision_note = actor, now, note[:500]
    session.flush()
    return row


def list_versions(session: Session, script_id: str | None = None) -> list[ScriptVersion]:
    q = select(ScriptVersion).order_by(ScriptVersion.id.desc())
    if script_id:
        q = q.where(ScriptVersion.script_id == script_id)
    return list(session.scalars(q))


def approved_file(session: Session, script_id: str, language: str) -> ScriptFile:
    """The file a campaign would speak, if its exact bytes are approved; else Conflict."""
    f = script_file(script_id, language)
    row = session.scalar(
        select(ScriptVersion).where(
            ScriptVersion.script_id == script_id,
            ScriptVersion.language == language,
            ScriptVersion.digest == f.digest,
        )
    )
    if row is None or row.status != "approved":
        state = "not submitted" if row is None else row.status
        raise Conflict(
            f"script {script_id} ({language}) version {f.version} is {state} for use: "
            f"submit it (`tailcall scripts submit {script_id} --language {language} --by AUTHOR`) "
            "and have a compliance or admin user approve it",
            where="script_id",
            digest=f.digest,
        )
    return f


class ScriptDigests:
    """Per-process cache of script file digests (re-read when the file changes) and of the
    digests known approved (an approval is never withdrawn, so only hits are kept)."""

    def __init__(self) -> None:
        self._files: dict[tuple[str, str], tuple[float, str]] = {}
        self._approved: set[str] = set()

    def digest(self, script_id: str, language: str) -> str | None:
        """The digest of the file calls will speak now; None when there is no such file."""
        try:
            path = find_script(script_id, language)
            mtime = path.stat().st_mtime
        except (NotFound, OSError):
            return None
        key = (script_id, language)
        cached = self._files.get(key)
        if cached is None or cached[0] != mtime:
            cached = (mtime, script_digest(path.read_bytes()))
            self._files[key] = cached
        return cached[1]

    def approved(self, session: Session, digest: str | None) -> bool:
        if digest is None:
            return False
        if digest in self._approved:
            return True
        hit = session.scalar(
            select(ScriptVersion.id).where(
                ScriptVersion.digest == digest, ScriptVersion.status == "approved"
            )
        )
        if hit is not None:
            self._approved.add(digest)
        return hit is not None
