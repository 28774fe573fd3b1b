from dialer.lists.columns import build_column_map
from dialer.lists.rowparse import RowParser

CMAP = build_column_map(["手机号", "姓名", "积分", "备注"])


def test_a_good_row_gives_phone_values_and_attributes() -> None:
    row = RowParser(CMAP, "CN", strict_width=True).parse(
        7, ["138 0013 8000", "王芳", "1,200", "VIP"]
    )
    assert row.line == 7 and row.phone == "+8613800138000" and row.error is None
    assert row.values == {"name": "王芳", "points": 1200, "attributes": {"备注": "VIP"}}


def test_bad_rows_name_the_problem() -> None:
    parser = RowParser(CMAP, "CN", strict_width=True)
    assert parser.parse(2, ["", "", "", ""]).error == "empty row"
    assert parser.parse(3, ["13800138000"]).error == "broken row: 1 cells, the header has 4"
    assert parser.parse(4, ["123", "x", "1", ""]).error == "phone: impossible number: too short"
    bad_points = parser.parse(5, ["13800138000", "x", "lots", ""])
    assert bad_points.error == "points: not a whole number" and bad_points.phone == "+8613800138000"


def test_spreadsheets_may_drop_trailing_cells() -> None:
    row = RowParser(CMAP, "CN", strict_width=False).parse(2, ["13800138000", "王芳"])
    assert row.error is None and row.values == {"name": "王芳"}
