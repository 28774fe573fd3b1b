"""Campaign pages: the page, its partials and the JSON API give the same numbers; the
lifecycle with CSRF and who did it; stopping a variant; the spec as YAML."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import yaml
from sqlalchemy import select

from dialer.campaigns import service
from dialer.campaigns.holidays import CN_OFFICIAL_YEARS
from dialer.campaigns.models import Campaign
from dialer.campaigns.spec import CampaignSpec
from dialer.campaigns.windows import CallingWindow
from handoff.web.campaign_view import FUNNEL_KEYS
from handoff.web.campaigns import LiveCache
from kernel.actors import Actor
from kernel.audit import about
from kernel.clock import VirtualClock
from kernel.db import utcnow
from tests.conftest import api_user
from tests.dialer.conftest import add_customers, add_list, make_spec
from tests.handoff.web.conftest import Operator, metrics_of
from tests.handoff.web.seed import seed_campaign


def test_page_partials_and_api_give_the_same_numbers(operator: Operator) -> None:
    cid = seed_campaign(operator.db, utcnow())
    api = operator.client.get(
        f"/api/workspace/campaigns/{cid}/live", headers=api_user(operator.db, "supervisor")
    )
    assert api.status_code == 200
    live: dict[str, Any] = api.json()
    funnel = live["funnel"]
    assert funnel["dialed"] == 160 and funnel["leads"] > 0 and funnel["grade_a"] > 0
    page = operator.client.get(f"/console/campaigns/{cid}")
    assert page.status_code == 200 and 'hx-trigger="every 500ms"' in page.text
    for html in (page.text, operator.client.get(f"/console/campaigns/{cid}/live").text):
        shown = metrics_of(html)
        for key in FUNNEL_KEYS[1:]:
            if key in shown:
                assert shown[key] == funnel[key], key
        for v in live["variants"]:
            assert shown[f"{v['name']}.dialed"] == v["funnel"]["dialed"]
    race = operator.client.get(f"/api/workspace/campaigns/{cid}/race").json()
    shown = metrics_of(operator.client.get(f"/console/campaigns/{cid}/race").text)
    for m in race["metrics"]:
        for r in m["rates"]:
            assert shown[f"{m['key']}.{r['variant']}.trials"] == r["trials"]
            assert shown[f"{m['key']}.{r['variant']}.successes"] == r["successes"]
    charts = operator.client.get(f"/api/workspace/campaigns/{cid}/charts").json()
    assert sum(charts["grades"]["A"]) == funnel["grade_a"]


def test_lifecycle_needs_csrf_and_records_who(operator: Operator) -> None:
    cid = seed_campaign(operator.db, utcnow(), n=20, called=5)
    bare = operator.client.post(f"/console/campaigns/{cid}/pause")
    assert bare.status_code == 403
    r = operator.client.post(
        f"/console/campaigns/{cid}/pause",
        headers={"X-CSRF-Token": operator.csrf, "HX-Request": "true"},
    )
    assert r.status_code == 204 and r.headers["HX-Refresh"] == "true"
    again = operator.client.post(
        f"/console/campaigns/{cid}/pause",
        headers={"X-CSRF-Token": operator.csrf, "HX-Request": "true"},
    )
    assert again.headers["HX-Retarget"] == "#flash" and "paused" in again.text
    with operator.db.read() as s:
        assert s.scalar(select(Campaign.status).where(Campaign.id == cid)) == "paused"
    page = operator.client.get(f"/console/campaigns/{cid}").text
    assert "sue" in page and "暂停" in page and 'id="action-resume"' in page
    with operator.db.read() as s:
        paused = about(s, f"campaign:{cid}")[0]
    assert (paused.event, paused.username, paused.address) == ("campaign_pause", "sue", "web")
    row = page.split('id="activity"')[1].split("</tr>")[1]  # the newest action: who, from where
    assert "sue" in row and "暂停" in row and "网页" in row
    r = operator.client.post(
        f"/console/campaigns/{cid}/cancel", data={"reason": "名单有误", "csrf_token": operator.csrf}
    )
    assert r.status_code == 200 and "queued calls cancelled: 名单有误" in r.text


def test_stop_a_variant_and_export_the_spec(operator: Operator) -> None:
    cid = seed_campaign(operator.db, utcnow(), n=40, called=10)
    r = operator.client.post(
        f"/console/campaigns/{cid}/variants/A/stop", data={"csrf_token": operator.csrf}
    )
    assert r.status_code == 200  # followed the redirect to the campaign page
    live = operator.client.get(f"/api/workspace/campaigns/{cid}/live").json()
    stopped = {v["name"]: v["stopped"] for v in live["variants"]}
    assert stopped == {"A": True, "B": False}
    assert live["funnel"]["queued"] > 0
    text = operator.client.get(f"/console/campaigns/{cid}/spec.yaml").text
    spec = CampaignSpec.model_validate(yaml.safe_load(text))
    assert [v.weight for v in spec.variants] == [0.0, 1.0]
    assert "variant A" in operator.client.get(f"/console/campaigns/{cid}").text


def test_live_numbers_are_computed_once_per_ttl_for_all_pollers() -> None:
    calls: list[int] = []

    def compute() -> Any:
        calls.append(1)
        return len(calls)

    cache = LiveCache(ttl_s=60)
    assert cache.get(1, compute) == cache.get(1, compute) == 1
    assert cache.get(2, compute) == 2  # per campaign
    cache.forget(1)
    assert cache.get(1, compute) == 3


def test_the_pages_warn_before_the_holiday_calendar_runs_out(operator: Operator) -> None:
    last = max(CN_OFFICIAL_YEARS)
    at = datetime(last, 12, 4, 2, 0, tzinfo=UTC)
    operator.app.console.clock = VirtualClock(at)
    window = CallingWindow(hours=[(time(9, 0), time(20, 0))], holiday_calendar="cn")
    with operator.db.session() as s:
        cl = add_list(s, add_customers(s, 1))
        cid = service.create_campaign(
            s, make_spec([cl.id], window=window), at, by=Actor.system("test")
        ).id
    for url in (f"/console/campaigns/{cid}", "/console/campaigns"):
        html = operator.client.get(url).text
        assert 'data-calendar-notice="cn"' in html, url
        assert f"{last + 1}-01-01" in html and "tailcall campaigns holidays load FILE" in html
    operator.app.console.clock = VirtualClock(datetime(last, 10, 1, 2, 0, tzinfo=UTC))
    assert "data-calendar-notice" not in operator.client.get(f"/console/campaigns/{cid}").text


def test_the_campaign_page_links_its_compliance_record(operator: Operator) -> None:
    cid = seed_campaign(operator.db, utcnow(), n=5, called=2)
    page = operator.client.get(f"/console/campaigns/{cid}").text
    href = f"/api/compliance/export?campaign={cid}&amp;format=csv"
    assert f'href="{href}" id="export-compliance"' in page
    r = operator.client.get(href.replace("&amp;", "&"))  # the browser session suffices
    assert r.status_code == 200 and r.text.startswith("seq,at,kind,")
    assert r.headers["x-compliance-chain"].startswith("ok")
