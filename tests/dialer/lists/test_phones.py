from hypothesis import given
from hypothesis import strategies as st

from dialer.lists.phones import PhoneNormalizer, default_timezone_for

CN = PhoneNormalizer("CN")


def test_mobile_in_every_bank_export_format() -> None:
    for raw in (
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "(138)00138000",
        "+86 138 0013 8000",
        "+86-13800138000",
        "008613800138000",
        "8613800138000",
        "１３８００１３８０００",
        "13800138000.0",
        " 13800138000 ",
    ):
        assert CN.normalize(raw).e164 == "+8613800138000", raw


def test_landlines_with_area_codes() -> None:
    assert CN.normalize("010-8765 4321").e164 == "+861087654321"
    assert CN.normalize("(0755)23456789").e164 == "+8675523456789"
    assert CN.normalize("+86 21 6123 4567").e164 == "+862161234567"


def test_rejections_name_the_reason() -> None:
    cases = {
        "": "empty",
        "1380013800a": "letters",
        "12345": "too short",
        "4008001234": "not a personal line",
        "138001380001234": "too long",
        "10012345678": "invalid number",
    }
    for raw, reason in cases.items():
        result = CN.normalize(raw)
        assert result.e164 is None, raw
        assert result.reason is not None and reason in result.reason, (raw, result.reason)


def test_fast_path_agrees_with_full_parse() -> None:
    import phonenumbers

    for n in ("13912345678", "19912345678", "16612345678", "14712345678", "17012345678"):
        full = phonenumbers.parse(n, "CN")
        expected = (
            phonenumbers.format_number(full, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_valid_number(full)
            else None
        )
        assert CN.normalize(n).e164 == expected


@given(st.text(max_size=30))
def test_never_raises_and_returns_e164_or_reason(raw: str) -> None:
    result = CN.normalize(raw)
    assert (result.e164 is None) != (result.reason is None)
    if result.e164:
        assert result.e164.startswith("+") and result.e164[1:].isdigit()


def test_other_regions() -> None:
    kr = PhoneNormalizer("KR")
    assert kr.normalize("010-1234-5678").e164 == "+821012345678"


def test_timezone() -> None:
    assert default_timezone_for("+8613800138000") == "Asia/Shanghai"
