from dialer.lists.columns import build_column_map
from dialer.lists.rowparse import RowParser

CMAP = build_column_map(["手机号", "姓名", "积分", "备注"])


def test_a_good_row_gives_phone_values_and_attributes() -> None:
    row = RowParser(CMAP, "CN", strict_width=True).parse(
        7, ["138 0013 8000", "王芳", "1,200", "VIP"]
    )
    assert row.line == 7 and row.phone == "+8613800138000" and row.error is None
    assert row.values == {"name": "王芳", "points": 1200, "attributes": {"备注": "VIP"}}


def test_bad_rows_name_the_problem_with_a_code_and_its_parameters() -> None:
    parser = RowParser(CMAP, "CN", strict_width=True)

    def why(line: int, cells: list[str]) -> tuple[str, str, dict[str, str]]:
        e = parser.parse(line, cells).error
        assert e is not None
        return e.code, e.message, dict(e.params)

    assert why(2, ["", "", "", ""]) == ("empty_row", "empty row", {})
    assert why(3, ["13800138000"]) == (
        "broken_row", "broken row: 1 cells, the header has 4", {"cells": "1", "expected": "4"}
    )  # fmt: skip
    assert why(4, ["123", "x", "1", ""]) == (
        "phone_too_short", "phone: impossible number: too short", {"field": "phone"}
    )  # fmt: skip
    assert why(5, ["13800138000", "x", "lots", ""]) == (
        "not_whole_number", "points: not a whole number", {"field": "points", "value": "lots"}
    )  # fmt: skip
    assert parser.parse(5, ["13800138000", "x", "lots", ""]).phone == "+8613800138000"
    assert why(6, ["800-820-8820", "x", "1", ""])[0] in (
        "phone_not_personal",
        "phone_no_such_range",
    )
    assert why(7, ["138abc", "x", "1", ""])[0] == "phone_symbols"


def test_spreadsheets_may_drop_trailing_cells() -> None:
    row = RowParser(CMAP, "CN", strict_width=False).parse(2, ["13800138000", "王芳"])
    assert row.error is None and row.values == {"name": "王芳"}
