"""Dry runs' edges without the simulator: a bad spec gets the form's field errors, an
empty audience and a process without a runner are refused, a good spec is handed to
the runner with the form's sample size and who asked (a recording runner that stores
the row as the real one does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialer.campaigns import dry_runs
from dialer.campaigns.dry_run import DryRunRequest
from kernel.db import Database, utcnow
from tests.dialer.conftest import add_customers, add_list
from tests.handoff.web.conftest import Operator
from tests.handoff.web.test_campaign_form import _valid


@dataclass
class RecordingRunner:
    db: Database
    started: list[tuple[DryRunRequest, str, int | None]] = field(default_factory=list)

    def start(self, request: DryRunRequest, *, who: str, campaign_id: int | None) -> int:
        self.started.append((request, who, campaign_id))
        with self.db.session() as s:
            return dry_runs.add(s, request, who, campaign_id, utcnow())


def _list(operator: Operator, n: int = 5) -> int:
    with operator.db.session() as s:
        return add_list(s, add_customers(s, n)).id


def test_the_form_errors_come_back_on_their_fields(operator: Operator) -> None:
    runner = RecordingRunner(operator.db)
    operator.app.app.state.dry_runner = runner
    form: dict[str, Any] = {**_valid(_list(operator)), "caller_id": "", "t_grade_c": "90"}
    r: Any = operator.post("/console/campaigns/new/dry-run", data=form)
    assert r.status_code == 200
    assert 'id="dry-fix"' in r.text
    assert 'id="err-caller_id" role="alert" hx-swap-oob="true">String should have' in r.text
    assert 'id="err-thresholds" role="alert" hx-swap-oob="true">thresholds must' in r.text
    assert runner.started == []


def test_a_good_spec_starts_a_run_with_the_forms_sample(operator: Operator) -> None:
    runner = RecordingRunner(operator.db)
    operator.app.app.state.dry_runner = runner
    form = {**_valid(_list(operator)), "dry_sample": "30", "dry_agents": "2"}
    r: Any = operator.post("/console/campaigns/new/dry-run", data=form)
    assert r.status_code == 200 and 'hx-trigger="every 500ms"' in r.text
    ((request, who, campaign_id),) = runner.started
    assert (request.sample, request.agents, who, campaign_id) == (30, 2, "sue", None)
    assert request.spec.name == "积分提醒（4月）"
    view: Any = operator.client.get("/api/workspace/dry-runs/1").json()
    assert (view["status"], view["sample"], view["requested_by"]) == ("queued", 30, "sue")


def test_the_api_refuses_a_bad_spec_an_empty_audience_and_no_runner(operator: Operator) -> None:
    list_id = _list(operator)
    spec = {"name": "x", "script_id": "points_reminder", "caller_id": "+861095558",
            "audience": {"list_ids": [list_id]}}  # fmt: skip
    bad: Any = operator.post("/api/workspace/dry-runs", json={"spec": {**spec, "caller_id": ""}})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-2:] == ["spec", "caller_id"]
    nobody: Any = operator.post(
        "/api/workspace/dry-runs", json={"spec": {**spec, "audience": {"list_ids": [99]}}}
    )
    assert (nobody.status_code, nobody.json()["where"]) == (422, "audience")
    none: Any = operator.post("/api/workspace/dry-runs", json={"spec": spec})
    assert none.status_code == 409 and "not available" in none.json()["message"]
    operator.app.app.state.dry_runner = RecordingRunner(operator.db)
    ok: Any = operator.post("/api/workspace/dry-runs", json={"spec": spec, "sample": 7})
    assert ok.status_code == 202 and ok.json()["sample"] == 7
