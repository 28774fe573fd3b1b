"""Call-list and suppression pages: upload with the per-row report (filter, download),
masked customers; add, import and remove suppressions with who and why."""

from __future__ import annotations

from dialer.lists.columns import FIELDS
from dialer.lists.reasons import CODES
from handoff.web.i18n import LANGS, texts
from tests.handoff.web.conftest import Operator, metrics_of

LIST_CSV = (
    "客户号,姓名,手机号,星级\n"
    "C1,王小明,13800138001,3\n"
    "C2,李华,13800138002,2\n"
    "C3,张三,12345,1\n"  # not a phone number
    "C4,赵四,13800138001,1\n"  # the same number again
    "C5,钱五,13800138005,4\n"
).encode()


def test_upload_shows_the_report_filters_and_downloads(operator: Operator) -> None:
    operator.post("/console/suppressions/add", data={"kind": "dnc", "phone": "13800138005"})
    r = operator.client.post(
        "/console/lists",
        files={"file": ("三月名单.csv", LIST_CSV, "text/csv")},
        data={"name": "三月名单"},
        headers={"X-CSRF-Token": operator.csrf, "HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    shown = metrics_of(r.text)
    assert shown == {"total": 5, "accepted": 2, "merged": 1, "invalid": 1, "excluded": 1}
    api = operator.client.get("/api/lists/1").json()["list"]
    assert {k: api[k] for k in shown} == shown  # the page and the API agree
    invalid = operator.client.get("/console/lists/1/report?outcome=invalid").text
    assert invalid.count('<tr data-outcome="invalid">') == 1 and "accepted" not in invalid.split(
        "report-rows"
    )[1].split("</table>")[0].replace('data-outcome="invalid"', "")
    csv = operator.client.get("/console/lists/1/report.csv")
    assert csv.status_code == 200 and csv.text.count("\n") == 6
    assert "13800138001" not in csv.text  # masked
    customers = operator.client.get("/console/lists/1?tab=customers").text
    assert "+86138****8002" in customers and "李*" in customers and "李华" not in customers


def test_upload_refuses_a_broken_file_with_the_reason(operator: Operator) -> None:
    r = operator.client.post(
        "/console/lists",
        files={"file": ("bad.csv", b"foo,bar\n1,2\n", "text/csv")},
        headers={"X-CSRF-Token": operator.csrf},
    )
    assert r.status_code == 422 and 'id="upload-error"' in r.text
    r = operator.client.post(
        "/console/lists",
        files={"file": ("x.pdf", b"%PDF", "application/pdf")},
        headers={"X-CSRF-Token": operator.csrf},
    )
    assert r.status_code == 422


def test_suppressions_add_import_remove_with_who_and_why(operator: Operator) -> None:
    r = operator.post("/console/suppressions/add", data={"kind": "dnc", "phone": "13800138000"})
    assert metrics_of(r.text)["count_dnc"] == 1  # type: ignore[attr-defined]
    bad = operator.post("/console/suppressions/add", data={"kind": "dnc", "phone": "12"})
    assert bad.status_code == 422  # type: ignore[attr-defined]
    r = operator.client.post(
        "/console/suppressions/import",
        files={"file": ("bl.csv", "手机号\n13900139000\n13900139001\nabc\n".encode(), "text/csv")},
        data={"kind": "blacklist", "csrf_token": operator.csrf},
    )
    assert metrics_of(r.text)["count_blacklist"] == 2 and "2" in r.text
    no_reason = operator.post(
        "/console/suppressions/remove", data={"kind": "dnc", "phone": "13800138000"}
    )
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    r = operator.post(
        "/console/suppressions/remove",
        data={"kind": "dnc", "phone": "13800138000", "reason": "客户要求恢复联系"},
    )
    page = r.text  # type: ignore[attr-defined]
    assert metrics_of(page)["count_dnc"] == 0
    assert "客户要求恢复联系" in page and "sue" in page and "移出名单" in page
    assert operator.client.get("/api/suppressions").json()["blacklist"] == 2


BROKEN_CSV = (
    "客户号,姓名,手机号,星级,积分\n"
    "C1,王小明,13800138001,3,10\n"
    "C2,李华,13800138002,11,10\n"  # star level out of range
    "C3,张三,138abc,1,10\n"  # letters in the phone
    "C4,赵四,13800138004,2,-5\n"  # negative points
    "C5,钱五,13800138001,4,10\n"  # the number of line 2 again
).encode()


def test_row_reasons_follow_the_page_language_on_the_page_and_in_the_download(
    operator: Operator,
) -> None:
    r = operator.client.post(
        "/console/lists",
        files={"file": ("坏名单.csv", BROKEN_CSV, "text/csv")},
        headers={"X-CSRF-Token": operator.csrf, "HX-Request": "true"},
    )
    assert r.status_code == 200, r.text
    zh = operator.client.get("/console/lists/1/report?lang=zh").text
    for words in ("星级超出 0-10：11", "手机号含字母或符号", "积分不能为负数：-5", "与第 2 行重复"):
        assert words in zh, words
    assert "out of range" not in zh and 'data-code="star_out_of_range"' in zh
    en = operator.client.get("/console/lists/1/report?lang=en").text
    for words in (
        "Star level out of range 0-10: 11",
        "contains letters",
        "Points cannot be negative: -5",
    ):
        assert words in en, words
    assert "星级" not in en.split('id="report-rows"')[1]
    for lang, head, line in (
        ("zh", "行号,结果,原因代码,原因", "3,无效,star_out_of_range,星级超出 0-10：11"),
        ("en", "Line,Outcome,Reason code,Reason", "3,Invalid,star_out_of_range,Star level out of range 0-10: 11"),
    ):  # fmt: skip
        got = operator.client.get(f"/console/lists/1/report.csv?lang={lang}")
        assert got.status_code == 200 and got.text.startswith("\ufeff" + head), got.text[:80]
        rows = got.text.splitlines()
        assert len(rows) == 6 and any(r.startswith(line + ",") for r in rows), rows
        assert "13800138001" not in got.text  # masked


def test_every_row_reason_code_has_words_in_both_languages() -> None:
    for lang in LANGS:
        t = texts(lang)
        missing = [c for c in CODES if f"rr_{c}" not in t]
        assert missing == [], (lang, missing)
        for field in ("phone", *FIELDS):
            assert f"fl_{field}" in t, (lang, field)
