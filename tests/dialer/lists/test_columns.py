import pytest

from dialer.lists.columns import build_column_map, parse_overrides
from kernel.errors import InvalidInput


def test_chinese_and_english_headers() -> None:
    cmap = build_column_map(
        ["客户号", "客户姓名", "联系电话", "资产", "星级", "所属分行", "标签", "积分", "最近登录"]
    )
    assert cmap.fields == {
        "external_id": 0,
        "name": 1,
        "phone": 2,
        "aum": 3,
        "star_level": 4,
        "branch": 5,
        "tags": 6,
        "points": 7,
    }
    assert cmap.attributes == {"最近登录": 8}
    en = build_column_map(["Customer_ID", "Name", "Mobile", "AUM", "Star", "Branch", " Tags "])
    assert set(en.fields) == {"external_id", "name", "phone", "aum", "star_level", "branch", "tags"}


def test_override_wins_and_can_ignore() -> None:
    cmap = build_column_map(["号码", "备用电话", "x"], parse_overrides(["号码=phone", "x=ignore"]))
    assert cmap.fields["phone"] == 0
    assert "x" not in cmap.attributes and "备用电话" in cmap.attributes


def test_missing_phone_column_names_the_fix() -> None:
    with pytest.raises(InvalidInput) as err:
        build_column_map(["姓名", "地址"])
    assert err.value.where == "header row" and "--map" in err.value.message


def test_bad_override_specs() -> None:
    with pytest.raises(InvalidInput, match="HEADER=FIELD"):
        parse_overrides(["nonsense"])
    with pytest.raises(InvalidInput, match="unknown field"):
        parse_overrides(["a=shoe_size"])
    with pytest.raises(InvalidInput, match="does not have"):
        build_column_map(["手机"], {"电话": "phone"})
