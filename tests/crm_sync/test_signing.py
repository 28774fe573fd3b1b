from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_sync import signing

# Test vector from the Standard Webhooks reference libraries.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TS = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_matches_the_reference_vector() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TS, VECTOR_BODY) == VECTOR_SIG


def _signed(secret: str, now: datetime, body: bytes = b'{"a":1}') -> dict[str, str]:
    return signing.headers(secret, "evt_1", int(now.timestamp()), body)


def test_verify_accepts_a_good_request() -> None:
    secret = signing.new_secret()
    now = datetime(2026, 1, 5, tzinfo=UTC)
    assert signing.verify(secret, _signed(secret, now), b'{"a":1}', now=now) == "evt_1"


def test_verify_accepts_any_of_several_signatures() -> None:
    secret = signing.new_secret()
    now = datetime(2026, 1, 5, tzinfo=UTC)
    h = _signed(secret, now)
    h["webhook-signature"] = "v1,bm90IGl0 " + h["webhook-signature"]
    assert signing.verify(secret, h, b'{"a":1}', now=now) == "evt_1"


@pytest.mark.parametrize(
    "tamper",
    ["body", "id", "timestamp", "secret", "missing", "version"],
)
def test_verify_rejects_tampering(tamper: str) -> None:
    secret = signing.new_secret()
    now = datetime(2026, 1, 5, tzinfo=UTC)
    h = _signed(secret, now)
    body = b'{"a":1}'
    if tamper == "body":
        body = b'{"a":2}'
    elif tamper == "id":
        h["webhook-id"] = "evt_2"
    elif tamper == "timestamp":
        h["webhook-timestamp"] = str(int(now.timestamp()) + 1)
    elif tamper == "secret":
        secret = signing.new_secret()
    elif tamper == "missing":
        del h["webhook-signature"]
    elif tamper == "version":
        h["webhook-signature"] = h["webhook-signature"].replace("v1,", "v2,")
    with pytest.raises(signing.SignatureError):
        signing.verify(secret, h, body, now=now)


def test_verify_rejects_replays_outside_the_window() -> None:
    secret = signing.new_secret()
    sent = datetime(2026, 1, 5, tzinfo=UTC)
    h = _signed(secret, sent)
    signing.verify(secret, h, b'{"a":1}', now=sent + timedelta(seconds=299), tolerance_s=300)
    with pytest.raises(signing.SignatureError, match="tolerance"):
        signing.verify(secret, h, b'{"a":1}', now=sent + timedelta(seconds=301), tolerance_s=300)
    with pytest.raises(signing.SignatureError, match="tolerance"):
        signing.verify(secret, h, b'{"a":1}', now=sent - timedelta(seconds=301), tolerance_s=300)


def test_bad_secrets_are_refused() -> None:
    with pytest.raises(Exception, match="whsec_"):
        signing.decode_secret("whsec_not base64!!")
    with pytest.raises(Exception, match="16 bytes"):
        signing.decode_secret("whsec_c2hvcnQ=")
