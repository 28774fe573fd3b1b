"""The supervisor's pages without a browser: a bare call renders, the review and reveal
forms answer with the page (refusals named), the audit page is for admins."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from handoff.audit import entries
from kernel.db import Database
from kernel.settings import Settings
from supervision.qa_service import SweepSettings, sweep
from tests.handoff.conftest import add_user, login, make_app
from tests.supervision.conftest import campaign, finished_call

DAY = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def test_pages_forms_and_roles(settings: Settings, db: Database) -> None:
    cid = campaign(db)
    aid = finished_call(db, cid, dialed_at=DAY, phone="+8613900001111")  # no transcript at all
    sweep(db, DAY + timedelta(days=1), SweepSettings(settle_s=0))
    add_user(db, "ann", role="admin")
    add_user(db, "sue", role="supervisor")
    app = make_app(settings, db)
    adm, sup = TestClient(app), TestClient(app)
    csrf = login(adm, "ann")
    sup_csrf = login(sup, "sue")

    page = adm.get(f"/console/calls/{aid}")
    assert page.status_code == 200 and "+86139****1111" in page.text
    assert "13900001111" not in page.text
    for path in (
        "/console/calls",
        "/console/reviews",
        "/console/reports?day=2026-12-03",
        "/console/audit",
    ):
        assert adm.get(path).status_code == 200, path
    assert sup.get("/console/audit").status_code == 403
    call_page = sup.get(f"/console/calls/{aid}").text
    assert "reveal-form" not in call_page
    link = re.search(r'id="customer-compliance" href="([^"]+)"', call_page)
    assert link is not None and "/api/compliance/export?customer=" in link[1]
    record = sup.get(link[1].replace("&amp;", "&"))  # the customer's compliance record
    assert record.status_code == 200 and record.text.startswith("seq,at,kind,")

    no_reason = adm.post(f"/console/calls/{aid}/reveal", data={"reason": "", "csrf_token": csrf})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    shown = adm.post(
        f"/console/calls/{aid}/reveal", data={"reason": "客户投诉核实", "csrf_token": csrf}
    )
    assert re.search(r'id="revealed-number">\+8613900001111<', shown.text)
    assert (
        sup.post(
            f"/console/calls/{aid}/reveal", data={"reason": "xxxx", "csrf_token": sup_csrf}
        ).status_code
        == 403
    )

    saved = sup.post(f"/console/calls/{aid}/review",
                     data={"check_courtesy": "fail", "notes": "ok", "csrf_token": sup_csrf})  # fmt: skip
    assert saved.status_code == 200 and 'id="review-saved"' in saved.text and "90" in saved.text
    forged = sup.post(
        f"/console/calls/{aid}/review", data={"check_courtesy": "fail", "csrf_token": "x"}
    )
    assert forged.status_code == 403
    csv = sup.get("/console/reports/2026-12-03.csv")
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    xlsx = sup.get("/console/reports/2026-12-03.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    with db.read() as s:
        events = [(e.event, e.username) for e in reversed(entries(s))]
    assert ("number_revealed", "ann") in events and ("review_saved", "sue") in events
    assert events.count(("exported", "sue")) == 3  # the compliance record, the CSV, the XLSX
