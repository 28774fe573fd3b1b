"""The sippy thread: one per process, calls in and out, and the patches applied to sippy."""

from __future__ import annotations

import sys
import threading

import pytest

from dialer.carriers.sip.sippy_thread import SippyThread


def _where() -> str:
    return threading.current_thread().name


def _boom() -> None:
    raise ValueError("boom in sippy")


def _patched() -> tuple[str | None, bool, bool]:
    from sippy.SipURL import SipURL

    url = SipURL("sip:bob@127.0.0.1:5060;transport=UDP")
    tm_module = sys.modules["sippy.SipTransactionManager"]
    return (
        url.transport,
        getattr(tm_module, "print", print) is not print,
        "dump_exception" in vars(tm_module),
    )


async def test_runs_in_its_own_single_thread() -> None:
    t = SippyThread.get()
    assert SippyThread.get() is t
    assert await t.run(_where) == "sippy-ed2"
    with pytest.raises(ValueError, match="boom in sippy"):
        await t.run(_boom)


async def test_sippy_is_patched() -> None:
    transport, print_routed, has_dump = await SippyThread.get().run(_patched)
    assert transport == "udp"
    assert print_routed and has_dump
