from kernel.privacy import mask_phone


def test_mask_keeps_prefix_and_last_four() -> None:
    assert mask_phone("+8613800138000") == "+86138****8000"
    assert "0013" not in mask_phone("+8613800138000")
    assert mask_phone("+12025550123") == "+12025**0123"


def test_short_or_missing_numbers_are_hidden_whole() -> None:
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) == ""
