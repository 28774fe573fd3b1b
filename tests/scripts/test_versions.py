"""Script versions in the database: submit, decide, and the approved-file gate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kernel.db import Database
from kernel.errors import Conflict, Forbidden, InvalidInput
from scripts.loader import find_script
from scripts.versions import ScriptDigests, approved_file, decide, list_versions, submit

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _bytes(script_id: str = "points_reminder", language: str = "zh-CN") -> bytes:
    return find_script(script_id, language).read_bytes()


def test_only_the_approved_bytes_open_the_gate(db: Database) -> None:
    with db.session() as s:
        with pytest.raises(Conflict, match="not submitted"):
            approved_file(s, "points_reminder", "zh-CN")
        row = submit(s, _bytes(), "ana", NOW, "first")
        assert (row.status, row.lint_errors, row.version) == ("submitted", 0, "1.0")
        with pytest.raises(Conflict, match="submitted"):
            approved_file(s, "points_reminder", "zh-CN")
        with pytest.raises(Forbidden):
            decide(s, row.id, "approve", "ana", "admin", NOW)
        decide(s, row.id, "approve", "chen", "compliance", NOW, "ok")
        f = approved_file(s, "points_reminder", "zh-CN")
        assert f.digest == row.digest and f.version == "1.0"
        # another language of the same script is its own version
        with pytest.raises(Conflict):
            approved_file(s, "points_reminder", "ko-KR")


def test_the_same_bytes_are_one_version_and_a_rejected_one_can_be_resubmitted(
    db: Database,
) -> None:
    with db.session() as s:
        a = submit(s, _bytes(), "ana", NOW)
        assert submit(s, _bytes(), "bo", NOW).id == a.id
        decide(s, a.id, "reject", "chen", "admin", NOW, "too long")
        again = submit(s, _bytes(), "ana", NOW, "shorter")
        assert (again.id, again.status, again.decided_by) == (a.id, "submitted", None)
        edited = submit(s, _bytes() + b"\n# edited\n", "ana", NOW)
        assert edited.id != a.id
        assert [v.id for v in list_versions(s, "points_reminder")] == [edited.id, a.id]


def test_a_broken_submission_names_what_is_wrong(db: Database) -> None:
    with db.session() as s:
        with pytest.raises(InvalidInput, match="does not load"):
            submit(s, b"metadata: [", "ana", NOW)
        with pytest.raises(InvalidInput, match="not UTF-8"):
            submit(s, b"\xff\xfe", "ana", NOW)
        assert list_versions(s) == []


def test_a_version_with_lint_errors_is_stored_but_cannot_be_approved(db: Database) -> None:
    bad = _bytes().replace("通话会被录音".encode(), b"")
    with db.session() as s:
        row = submit(s, bad, "ana", NOW)
        assert row.lint_errors >= 1
        with pytest.raises(Conflict, match="lint error"):
            decide(s, row.id, "approve", "chen", "admin", NOW)


def test_digests_follow_the_file_and_remember_approvals(db: Database) -> None:
    cache = ScriptDigests()
    d = cache.digest("points_reminder", "zh-CN")
    assert d is not None and cache.digest("no_such_script", "zh-CN") is None
    with db.session() as s:
        assert not cache.approved(s, d)
        row = submit(s, _bytes(), "ana", NOW)
        decide(s, row.id, "approve", "chen", "admin", NOW)
        assert cache.approved(s, d)
        assert not cache.approved(s, None)
