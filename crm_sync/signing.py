"""Standard Webhooks signatures (https://www.standardwebhooks.com/), pure functions.

Signed content is ``{webhook-id}.{webhook-timestamp}.{raw body}``; the signature header is
a space-separated list of ``v1,<base64 HMAC-SHA256>``; secrets are ``whsec_<base64>``.
Verification uses the raw body bytes, a timestamp tolerance window (replays of old
requests fail) and a constant-time compare.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime

from kernel.errors import TailcallError

SECRET_PREFIX = "whsec_"


class SignatureError(TailcallError):
    """A webhook request failed verification (the message names which check)."""

    status_code = 401
    code = "bad_signature"


def new_secret() -> str:
    """A fresh ``whsec_`` secret (24 random bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def decode_secret(secret: str) -> bytes:
    """The key bytes of a ``whsec_<base64>`` secret."""
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise TailcallError("secret is not whsec_<base64>", where="secret") from exc
    if len(key) < 16:
        raise TailcallError("secret must be at least 16 bytes", where="secret")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message."""
    return sign_with_key(decode_secret(secret), msg_id, timestamp, body)


def sign_with_key(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """:func:`sign` with the secret already decoded (senders decode it once, not per event)."""
    content = b"%s.%d.%s" % (msg_id.encode(), timestamp, body)
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers."""
    return headers_with_key(decode_secret(secret), msg_id, timestamp, body)


def headers_with_key(key: bytes, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """:func:`headers` with the secret already decoded."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_with_key(key, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    request_headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    tolerance_s: int = 300,
) -> str:
    """Check a request's signature and timestamp; return its webhook-id.

    ``request_headers`` must look names up case-insensitively (Starlette and httpx
    headers do) or use lower-case keys.
    """
    msg_id = request_headers.get("webhook-id")
    ts_raw = request_headers.get("webhook-timestamp")
    sig_raw = request_headers.get("webhook-signature")
    if not msg_id or not ts_raw or not sig_raw:
        raise SignatureError("missing webhook headers", where="headers")
    if not (ts_raw.isascii() and ts_raw.isdigit()) or len(ts_raw) > 12:
        raise SignatureError("timestamp is not whole seconds", where="webhook-timestamp")
    ts = int(ts_raw)
    skew = abs(now.timestamp() - ts)
    if skew > tolerance_s:
        raise SignatureError("timestamp outside the tolerance window", where="webhook-timestamp")
    expected = sign(secret, msg_id, ts, body).split(",", 1)[1]
    for candidate in sig_raw.split():
        version, _, value = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected.encode()):
            return msg_id
    raise SignatureError("no matching signature", where="webhook-signature")
