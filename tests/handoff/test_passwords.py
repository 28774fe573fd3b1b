from __future__ import annotations

import pytest

from handoff.passwords import hash_password, needs_rehash, verify_password


def test_argon2id_round_trip() -> None:
    h = hash_password("a long passphrase")
    assert h.startswith("$argon2id$")
    assert verify_password(h, "a long passphrase")
    assert not verify_password(h, "a long passphrasE")
    assert not verify_password("not a hash", "x")
    assert not needs_rehash(h)
    with pytest.raises(ValueError, match="at least"):
        hash_password("short")
