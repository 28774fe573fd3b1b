"""Call-list import against a real database: encodings, broken rows, merges, atomicity."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from dialer.lists.importer import import_call_list, reports_root_for
from dialer.lists.models import CallList, Customer, ListMember
from dialer.lists.report import read_rows
from dialer.lists.suppression import SuppressionEntry, add_suppressions
from kernel.db import Database
from kernel.errors import InvalidInput
from kernel.settings import Settings
from simulator.population import write_csv

HEADER = ["客户号", "姓名", "手机号", "星级", "资产", "所属分行", "积分", "标签", "最近登录"]


def write(
    path: Path, rows: list[list[str]], encoding: str = "utf-8", header: list[str] = HEADER
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def run(db: Database, settings: Settings, path: Path, **kw: object):  # type: ignore[no-untyped-def]
    return import_call_list(db, path, reports_root=reports_root_for(settings.data_dir), **kw)  # type: ignore[arg-type]


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_gbk_file_with_chinese_headers(db: Database, settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path / "名单.csv",
        [
            [
                "C1",
                "王芳",
                "138 0013 8000",
                "五星",
                "12.5万",
                "上海分行",
                "12,000",
                "浏览理财产品|理财未购买",
                "2026-10-01",
            ],
            ["C2", "李强", "+86 139-0013-9000", "3", "800000", "北京分行", "0", "", ""],
        ],
        encoding="gbk",
    )
    summary = run(db, settings, path)
    assert summary.encoding == "gb18030"
    assert (summary.total, summary.accepted, summary.invalid) == (2, 2, 0)
    with db.read() as s:
        wang = s.scalar(select(Customer).where(Customer.phone_e164 == "+8613800138000"))
        assert wang is not None
        assert (wang.name, wang.star_level, wang.aum_band, wang.points, wang.branch) == (
            "王芳",
            5,
            "5万-50万",
            12000,
            "上海分行",
        )
        assert wang.tags == ["浏览理财产品", "理财未购买"]
        assert wang.attributes == {
            "aum": 125000.0,
            "segment": "mass_affluent",
            "最近登录": "2026-10-01",
        }


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_are_detected(
    db: Database, settings: Settings, tmp_path: Path, encoding: str
) -> None:
    path = write(
        tmp_path / "l.csv",
        [["C1", "赵敏", "13800138000", "1", "1000", "杭州分行", "5", "", ""]],
        encoding,
    )
    summary = run(db, settings, path)
    assert summary.accepted == 1
    with db.read() as s:
        assert s.scalar(select(Customer.name)) == "赵敏"


def test_broken_rows_each_get_an_outcome(db: Database, settings: Settings, tmp_path: Path) -> None:
    path = write(
        tmp_path / "broken.csv",
        [
            ["C1", "甲", "13800138000", "1", "1", "a", "1", "", ""],
            ["C2", "乙", "12345", "1", "1", "a", "1", "", ""],  # too short
            ["C3", "丙"],  # cut off
            ["", "", "", "", "", "", "", "", ""],  # empty
            ["C4", "丁", "13900139000", "九十九", "1", "a", "1", "", ""],  # bad star level
            ["C5", "戊", "13700137000", "1", "1", "a", "-5", "", ""],  # negative points
            ["C6", "己", "13600136000", "2", "1", "a", "1", "", ""],
        ],
    )
    summary = run(db, settings, path)
    assert (summary.total, summary.accepted, summary.invalid) == (7, 2, 5)
    rows = {r["line"]: r for r in read_rows(Path(summary.report_dir), limit=100)}
    assert rows[2]["outcome"] == "accepted"
    assert "too short" in rows[3]["reason"]
    assert "broken row: 2 cells" in rows[4]["reason"]
    assert rows[5]["reason"] == "empty row"
    assert rows[6]["reason"].startswith("star_level")
    assert rows[7]["reason"] == "points: negative"
    assert [(rows[n]["code"], rows[n]["params"]) for n in range(3, 8)] == [
        ("phone_needs_area_code", {"field": "phone"}),  # 12345: a landline without its area
        ("broken_row", {"cells": "2", "expected": "9"}),
        ("empty_row", {}),
        ("not_star_level", {"field": "star_level", "value": "九十九"}),
        ("negative", {"field": "points", "value": "-5"}),
    ]
    assert (rows[2]["code"], rows[2]["params"]) == ("", {})
    assert rows[8]["outcome"] == "accepted"
    report = json.loads((Path(summary.report_dir) / "report.json").read_text())
    assert report["summary"]["invalid"] == 5 and len(report["rows"]) == 5
    assert report["rows"][0]["code"] == "phone_needs_area_code"
    assert "0013" not in (Path(summary.report_dir) / "report.csv").read_text(encoding="utf-8-sig")


def test_same_file_twice_changes_nothing(db: Database, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    write_csv(path, 300, seed=3, messy=0.3)
    first = run(db, settings, path)
    before = (count(db, Customer), count(db, ListMember), count(db, CallList))
    with db.read() as s:
        stamps = sorted(s.scalars(select(Customer.updated_at)))
    second = run(db, settings, path)
    assert second.already_imported and second.list_id == first.list_id
    assert (count(db, Customer), count(db, ListMember), count(db, CallList)) == before
    with db.read() as s:
        assert sorted(s.scalars(select(Customer.updated_at))) == stamps


def test_duplicates_merge_in_file_and_against_stored(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    a = write(
        tmp_path / "a.csv",
        [
            ["C1", "王芳", "13800138000", "1", "", "上海分行", "100", "", ""],
            ["C1", "", "+86 138 0013 8000", "", "", "", "200", "", "2026-01-01"],
        ],
    )
    sa = run(db, settings, a)
    assert (sa.accepted, sa.merged) == (1, 1)
    b = write(
        tmp_path / "b.csv",
        [
            ["C1", "王芳", "13800138000", "2", "", "上海分行", "200", "", "2026-01-01"],
            ["C9", "新人", "13900139000", "1", "", "", "", "", ""],
        ],
    )
    sb = run(db, settings, b)
    assert (sb.accepted, sb.merged) == (1, 1)
    assert count(db, Customer) == 2
    with db.read() as s:
        wang = s.scalar(select(Customer).where(Customer.phone_e164 == "+8613800138000"))
        assert wang is not None and (wang.points, wang.star_level, wang.name) == (200, 2, "王芳")
        assert wang.attributes["最近登录"] == "2026-01-01"
        # both lists include the merged customer
        assert (
            s.scalar(
                select(func.count())
                .select_from(ListMember)
                .where(ListMember.customer_id == wang.id)
            )
            == 2
        )
    merged = next(read_rows(Path(sb.report_dir), "merged"))
    assert merged["reason"] == "existing customer, updated star_level"


def test_suppressed_customers_are_excluded(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    with db.session() as s:
        add_suppressions(s, "opt_out", [SuppressionEntry("+8613800138000", None, "asked")], "test")
        add_suppressions(s, "staff", [SuppressionEntry(None, "C3", None)], "test")
    path = write(
        tmp_path / "x.csv",
        [
            ["C1", "甲", "13800138000", "1", "", "", "", "", ""],
            ["C2", "乙", "13900139000", "1", "", "", "", "", ""],
            ["C3", "丙", "13700137000", "1", "", "", "", "", ""],
            ["C1", "甲", "138-0013-8000", "1", "", "", "", "", ""],
        ],
    )
    summary = run(db, settings, path)
    assert (summary.accepted, summary.excluded) == (1, 3)
    reasons = {r["line"]: r["reason"] for r in read_rows(Path(summary.report_dir), "excluded")}
    assert reasons == {2: "opted out", 4: "internal staff", 5: "opted out"}
    assert count(db, Customer) == 1


def test_xlsx(db: Database, settings: Settings, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["手机", "姓名", "积分"])
    ws.append([13800138000, "王芳", 1200])
    ws.append(["139 0013 9000", "李强", None])
    path = tmp_path / "list.xlsx"
    wb.save(path)
    summary = run(db, settings, path)
    assert (summary.format, summary.accepted) == ("xlsx", 2)


def test_failure_mid_file_leaves_nothing(db: Database, settings: Settings, tmp_path: Path) -> None:
    good = "\n".join(f"C{i},某某,138{i:08d}" for i in range(20_000))
    path = tmp_path / "bad.csv"
    path.write_bytes(("客户号,姓名,手机号\n" + good + "\n").encode() + b"C9,\xff\xfe,13900139000\n")
    with pytest.raises(InvalidInput) as err:
        run(db, settings, path, batch_size=1000)
    assert err.value.where is not None and err.value.where.startswith("line 2000")
    assert count(db, Customer) == 0 and count(db, CallList) == 0
    assert not any(reports_root_for(settings.data_dir).iterdir())


def test_mapping_override_and_progress(db: Database, settings: Settings, tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", [["13800138000", "x"]], header=["号码", "vip"])
    ticks: list[tuple[int, int]] = []
    summary = run(
        db, settings, path, overrides={"号码": "phone"}, progress=lambda d, t: ticks.append((d, t))
    )
    assert summary.accepted == 1 and ticks[-1][0] == ticks[-1][1]
    with db.read() as s:
        assert s.scalar(select(Customer.attributes)) == {"vip": "x"}


@pytest.mark.pg
def test_import_on_postgresql(pg_db: Database, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "pg.csv"
    planted = write_csv(path, 2_000, seed=5, messy=0.3)
    summary = run(pg_db, settings, path, batch_size=500)
    assert summary.total == planted["rows"]
    assert summary.accepted == 2_000
    assert summary.invalid == planted["invalid"]
    assert count(pg_db, Customer) == 2_000 and count(pg_db, ListMember) == 2_000
    again = run(pg_db, settings, path)
    assert again.already_imported and count(pg_db, Customer) == 2_000
