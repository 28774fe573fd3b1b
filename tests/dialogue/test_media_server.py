"""Media workers: factory specs, and several listeners on one port."""

from __future__ import annotations

import socket

import pytest

from dialogue.media_server import resolve_factory, reuseport_socket
from tailcall.errors import InvalidInput


def test_factory_spec_errors_name_the_spec() -> None:
    for spec in ("nocolon", "dialogue.nope:x", "dialogue.media_server:nothing_here", ":x"):
        with pytest.raises(InvalidInput) as exc:
            resolve_factory(spec)
        assert exc.value.where == spec
    assert resolve_factory("bench.speech:grammar_runtime").__name__ == "grammar_runtime"


def test_workers_share_one_port() -> None:
    a = reuseport_socket("127.0.0.1", 0)
    port = a.getsockname()[1]
    b = reuseport_socket("127.0.0.1", port)  # a second worker binds the same port
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
        assert b.getsockname()[1] == port
    finally:
        a.close()
        b.close()
