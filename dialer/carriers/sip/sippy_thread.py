"""The process's one sippy event loop, in a dedicated thread, bridged to asyncio.

sippy's dispatcher (``ED2``) is a per-process singleton bound to the thread that imports it,
so every sippy import and call happens in that thread: asyncio calls in with
``callFromThread`` and sippy calls back with ``loop.call_soon_threadsafe``. The thread lives
for the rest of the process once started (trunks come and go; the dispatcher cannot be made
again). Importing sippy also patches it once: ``transport=UDP`` in a URI is lower-cased (sippy
refuses the upper-case form on in-dialog requests), and its prints and traceback dumps go to
Python logging instead of stdout.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

log = logging.getLogger("dialer.carriers.sip.sippy")
wire_log = logging.getLogger("dialer.carriers.sip.wire")

T = TypeVar("T")


class SippyThread:
    """Owner of the sippy dispatcher thread; ``get()`` starts it on first use."""

    _instance: ClassVar[SippyThread | None] = None
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._ed: Any = None
        self._thread = threading.Thread(target=self._main, name="sippy-ed2", daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the sippy thread did not start within 30 s")
        if self._error is not None:
            raise RuntimeError(f"cannot start sippy: {self._error}") from self._error

    @classmethod
    def get(cls) -> SippyThread:
        with cls._lock:
            if cls._instance is None:
                cls._instance = SippyThread()
            return cls._instance

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def _main(self) -> None:
        try:
            from sippy.Core.EventDispatcher import ED2

            _patch_sippy()
            self._ed = ED2
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        while True:
            try:
                ED2.loop()
            except BaseException:
                log.exception("the sippy event loop stopped; restarting it")

    def call(self, fn: Callable[..., object], *args: object) -> None:
        """Run ``fn(*args)`` in the sippy thread, soon; errors are logged."""
        self._ed.callFromThread(_logged, fn, args)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """Run ``fn(*args)`` in the sippy thread and return its result (or raise its error)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()

        def settle(ok: bool, value: Any) -> None:
            if fut.done():
                return
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)

        def job() -> None:
            ok: bool
            value: Any
            try:
                value = fn(*args)
                ok = True
            except BaseException as exc:
                ok, value = False, exc
            if not loop.is_closed():
                loop.call_soon_threadsafe(settle, ok, value)

        self._ed.callFromThread(job)
        return await fut


def _logged(fn: Callable[..., object], args: tuple[object, ...]) -> None:
    try:
        fn(*args)
    except Exception:
        log.exception("error in the sippy thread calling %r", fn)


class _WireLogger:
    """Stands in for sippy's SipLogger: every SIP message goes to logging at DEBUG."""

    def write(self, *args: object, **_kwargs: object) -> None:
        if wire_log.isEnabledFor(logging.DEBUG):
            wire_log.debug("%s", "".join(str(a) for a in args).rstrip())


def wire_logger() -> _WireLogger:
    return _WireLogger()


def _sippy_print(*args: object, **_kwargs: object) -> None:
    log.warning("sippy: %s", " ".join(str(a) for a in args).strip())


def _sippy_dump_exception(msg: str, f: object = None, extra: object = None) -> None:
    exc = sys.exc_info()[1]
    log.warning("sippy: %s: %s", msg, f"{type(exc).__name__}: {exc}" if exc else "")
    log.debug("sippy: %s", msg, exc_info=True)


def _patch_sippy() -> None:
    """Import the sippy modules we use and patch them (in the sippy thread, once)."""
    import sippy.SipTransactionManager
    import sippy.SipURL
    import sippy.UA
    import sippy.Udp_server

    orig = sippy.SipURL.SipURL.setParams

    def set_params(self: Any, params: Any) -> None:
        orig(self, params)
        if isinstance(self.transport, str):
            self.transport = self.transport.lower()

    sippy.SipURL.SipURL.setParams = set_params
    for name, module in list(sys.modules.items()):
        if not name.startswith("sippy.") or module is None:
            continue
        if hasattr(module, "dump_exception"):
            setattr(module, "dump_exception", _sippy_dump_exception)  # noqa: B010
        setattr(module, "print", _sippy_print)  # noqa: B010
