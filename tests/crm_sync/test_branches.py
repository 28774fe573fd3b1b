"""The branch directory and branch leads routed through it."""

from __future__ import annotations

import pytest

from crm_sync.branches import SAMPLE_BRANCHES, import_branches, list_branches, resolve
from crm_sync.models import Lead
from crm_sync.outcomes import BranchInfo, decide_leads
from crm_sync.service import record_outcome
from kernel.db import Database
from kernel.errors import InvalidInput
from tests.crm_sync.conftest import outcome


def test_the_sample_directory_imports_and_resolves_by_code_or_name(db: Database) -> None:
    with db.session() as s:
        done = import_branches(s, SAMPLE_BRANCHES.read_bytes())
        assert (done.added, done.updated) == (10, 0)
        again = import_branches(s, "code,name\nXA01,西安分行(新)\n".encode())
        assert (again.added, again.updated) == (0, 1)
        xa = resolve(s, "XA01")
        assert xa is not None and xa.name == "西安分行(新)" and xa.contact == ""
        by_name = resolve(s, "重庆分行")
        assert by_name is not None and by_name.code == "CQ01"
        assert resolve(s, "火星分行") is None and resolve(s, " ") is None


@pytest.mark.parametrize(
    ("csv", "where"),
    [
        ("name\n上海分行\n", "line 1"),
        ("code,name\nSH01,\n", "line 2, name"),
        ("code,name\nSH01,上海分行\nSH01,上海二部\n", "line 3, code"),
    ],
)
def test_a_bad_row_names_its_line_and_nothing_is_stored(db: Database, csv: str, where: str) -> None:
    with db.session() as s, pytest.raises(InvalidInput) as err:
        import_branches(s, csv.encode(), "b.csv")
    assert err.value.where == f"b.csv: {where}"
    with db.read() as s:
        assert list_branches(s) == []


def test_a_known_branch_gets_its_lead_with_its_contact_and_the_agents_result() -> None:
    info = BranchInfo("XA01", "西安分行", "郑经理", "029-55550108")
    o = outcome(
        1,
        grade="D",
        needs_branch_visit=True,
        branch="西安分行",
        handoff_result="accepted",
        agent_outcome="sale",
    )
    [_, lead] = decide_leads(o, info)  # an accepted handoff's lead, then the branch's
    assert (lead.route, lead.branch, lead.kind) == ("branch", "XA01", "branch_visit")
    assert "西安分行 (XA01)" in lead.next_action and "郑经理, 029-55550108" in lead.next_action
    assert "agent: sale" in lead.next_action


def test_an_unknown_branch_still_gets_a_lead_marked_for_assignment() -> None:
    [lead] = decide_leads(outcome(1, grade="D", needs_branch_visit=True, branch="火星分行"))
    assert lead.branch == "火星分行" and "not in the branch directory" in lead.next_action


def test_record_outcome_routes_through_the_directory(db: Database) -> None:
    with db.session() as s:
        import_branches(s, SAMPLE_BRANCHES.read_bytes())
        leads = record_outcome(s, outcome(7, grade="B", needs_branch_visit=True, branch="成都分行"))
        routes = {(lead.route, lead.branch) for lead in leads}
    assert routes == {("remote_center", "成都分行"), ("branch", "CD01")}
    with db.read() as s:
        assert s.query(Lead).filter(Lead.route == "branch").one().branch == "CD01"
