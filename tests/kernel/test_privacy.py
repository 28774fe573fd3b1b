import pytest

from kernel.privacy import kind_of, luhn_valid, mask_phone, mask_text, prc_id_valid

ID = "11010519491231002X"  # a valid GB 11643 check digit
CARD = "4111111111111111"  # Luhn-valid


def test_mask_keeps_prefix_and_last_four() -> None:
    assert mask_phone("+8613800138000") == "+86138****8000"
    assert "0013" not in mask_phone("+8613800138000")
    assert mask_phone("+12025550123") == "+12025**0123"


def test_short_or_missing_numbers_are_hidden_whole() -> None:
    assert mask_phone("12345") == "*****"
    assert mask_phone(None) == ""


def test_checksums() -> None:
    assert prc_id_valid(ID) and not prc_id_valid(ID[:-1] + "3")
    assert luhn_valid(CARD) and not luhn_valid("4111111111111112")
    assert kind_of(ID) == "id" and kind_of(CARD) == "card" and kind_of("13812345678") == "number"


@pytest.mark.parametrize(
    ("text", "hidden", "shown"),
    [
        ("我的手机是13812345678", "1381234", "5678"),
        ("call me on 138-1234-5678 please", "1381234", "5678"),
        ("号码 １３８１２３４５６７８", "１３８", "5678"),
        ("幺三八 幺二三四 五六七八", "幺三八", "5678"),
        ("one three eight one two three four five six seven eight", "one three eight", "5678"),
        (f"身份证 {ID} 谢谢", ID[:14], "002X"),
        (f"card {CARD[:4]} {CARD[4:8]} {CARD[8:12]} {CARD[12:]}", "4111 1111", "1111"),
        ("一一零一零五一九四九一二三一零零二X", "一一零一零五", "002X"),
        ("제 번호는 공일공 일이삼사 오육칠팔 이에요", "공일공 일이삼사", "5678 이에요"),
        ("번호는 영일영-일이삼사-오육칠팔이에요", "일이삼사", "5678이에요"),
    ],
)
def test_numbers_in_text_are_masked_spelled_or_not(text: str, hidden: str, shown: str) -> None:
    out = mask_text(text)
    assert hidden not in out and shown in out, out


def test_ids_and_cards_are_named() -> None:
    assert f"[id {'*' * 14}002X]" in mask_text(f"ID {ID}")
    assert "[card ************1111]" in mask_text(f"card {CARD}")


def test_short_numbers_and_words_stay() -> None:
    for text in (
        "积分 12000 分", "three o'clock", "下午三点", "someone tonight", "2026-03-03",
        "이 사람 오늘 구일에 와요", "사이다 구이 오이 삼사일", "오십오 포인트",
    ):  # fmt: skip
        assert mask_text(text) == text


def test_digits_inside_an_identifier_are_not_a_number() -> None:
    sid = "CA3f91234567890b4c2d8e0011223344"
    assert mask_text(f"call {sid} ended") == f"call {sid} ended"
    assert mask_text("request 9a1b2c3d12345678") == "request 9a1b2c3d12345678"
    worker = "dialer-ip-10-0-0-12-1234567-a1b2c3"
    assert mask_text(f"worker {worker} claimed 3") == f"worker {worker} claimed 3"
    # a number beside punctuation or other scripts is still one
    assert mask_text("call-me 13812345678") == "call-me *******5678"
    assert mask_text("tel-13812345678") == "tel-*******5678"
    assert mask_text("tel:13812345678") == "tel:*******5678"
    assert mask_text("号码是13812345678吗") == "号码是*******5678吗"
    assert mask_text("번호는 010-1234-5678이에요") == "번호는 *******5678이에요"
