"""The campaign form: errors on their fields as you type and on submit, the live
audience count (page and API agree), create, and the YAML spec imported into the form."""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import select

from dialer.campaigns.models import Campaign
from dialer.lists.suppression import SuppressionEntry, add_suppressions
from handoff.web.campaign_form import default_form, error_key, spec_from_form
from tests.dialer.conftest import add_customers, add_list
from tests.handoff.web.conftest import Operator, metrics_of


def _valid(list_id: int) -> dict[str, Any]:
    form: dict[str, Any] = dict(default_form())
    form.update(
        name="积分提醒（4月）",
        script="points_reminder|zh-CN",
        caller_id="+861095558",
        list_ids=[str(list_id)],
    )
    return form


def test_error_locations_map_to_fields() -> None:
    assert error_key(("variants", 1, "weight")) == "variant_weight_1"
    assert error_key(("audience", "filter", "star_min")) == "star_min"
    assert error_key(("window", "hours")) == "hours"
    assert error_key(("pacing", "calls_per_second")) == "calls_per_second"
    assert error_key(("script_id",)) == "script"
    bad = {**_valid(1), "t_grade_c": "90", "variant_weight_0": "x", "hours_2_end": ""}
    _, _, errors = spec_from_form(bad, "Asia/Shanghai")
    assert set(errors) >= {"thresholds", "variant_weight_0", "hours"}


def test_validate_as_you_type_and_the_audience_count(operator: Operator) -> None:
    with operator.db.session() as s:
        customers = add_customers(s, 12)
        list_id = add_list(s, customers).id
        add_suppressions(s, "dnc", [SuppressionEntry(customers[0].phone_e164, None)], "t")
        add_suppressions(s, "opt_out", [SuppressionEntry(customers[1].phone_e164, None)], "t")
    form = {**_valid(list_id), "t_grade_c": "90", "csrf_token": operator.csrf}
    r = operator.client.post("/console/campaigns/new/validate", data=form)
    assert r.status_code == 200
    assert 'id="err-thresholds" role="alert" hx-swap-oob="true">thresholds must' in r.text
    assert 'id="err-name" role="alert" hx-swap-oob="true"></div>' in r.text
    shown = metrics_of(r.text)
    assert shown == {"would_call": 10, "members": 12, "excluded_opt_out": 1, "excluded_dnc": 1}
    api = operator.client.post(
        "/api/workspace/audience/preview",
        json={"list_ids": [list_id]},
        headers={"X-CSRF-Token": operator.csrf},
    ).json()
    assert api == {"members": 12, "would_call": 10, "excluded": {"opt_out": 1, "dnc": 1}}


def test_submit_with_errors_then_create_and_export_import(operator: Operator) -> None:
    with operator.db.session() as s:
        list_id = add_list(s, add_customers(s, 3)).id
    bad = {**_valid(list_id), "caller_id": "", "csrf_token": operator.csrf}
    r = operator.client.post("/console/campaigns/new", data=bad)
    assert r.status_code == 422 and 'id="err-caller_id" role="alert">String should' in r.text
    assert 'value="积分提醒（4月）"' in r.text  # what was typed stays
    # the launch checks run on the page as on the API: no Mandarin model on this machine
    r = operator.client.post("/console/campaigns/new", data={**bad, "caller_id": "+861095558"})
    assert r.status_code == 422 and 'id="err-script" role="alert">' in r.text
    assert "zh-CN" in r.text and "models install" in r.text
    bad["script"] = "points_reminder|ko-KR"
    r = operator.client.post("/console/campaigns/new", data={**bad, "caller_id": "+861095558"})
    assert r.status_code == 200 and "积分提醒（4月）" in r.text and "sue" in r.text
    with operator.db.read() as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.name == "积分提醒（4月）"))
    again = operator.client.post("/console/campaigns/new", data={**bad, "caller_id": "+861095558"})
    assert again.status_code == 422 and "exists" in again.text
    text = operator.client.get(f"/console/campaigns/{cid}/spec.yaml").text
    data = yaml.safe_load(text)
    data["name"] = "积分提醒（5月）"
    r = operator.client.post(
        "/console/campaigns/new/import",
        files={"file": ("c.yaml", yaml.safe_dump(data, allow_unicode=True).encode(), "text/yaml")},
        data={"csrf_token": operator.csrf},
    )
    assert r.status_code == 200 and 'value="积分提醒（5月）"' in r.text
    assert 'value="points_reminder|ko-KR" selected' in r.text
