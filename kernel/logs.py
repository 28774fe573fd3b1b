"""The process's log: the configured level, no local variables in tracebacks, no customer data.

Loguru's stock handler logs everything at DEBUG and prints each frame's local variables in
a traceback (stream parameters, customer variables). ``configure_logging`` replaces it
with one sink at the configured level, tracebacks without locals, and ``privacy_filter``:
below WARNING, nothing from the speech framework (pipecat logs every rendered prompt and
every transcription at DEBUG: names, points, whatever the customer said); every message
and extra value with personal numbers masked (``kernel.privacy.mask_text``).
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import TYPE_CHECKING, Any

from loguru import logger

from kernel.privacy import mask_text

if TYPE_CHECKING:
    from loguru import Record

CALL_CONTENT_MODULES = ("pipecat",)  # their DEBUG/INFO records carry what was said
WARNING_NO = 30
FORMAT = (
    "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <8} | {name}:{function}:{line} - {message} {extra}"
)


# A line a normal call end produces (its logger, its words): pipecat closes the media
# websocket after the carrier already has (the carrier's hang-up), and logs that at ERROR
ROUTINE_LOGGER = "pipecat.transports.websocket.fastapi"
ROUTINE_TEXT = "exception while closing the websocket"


def privacy_filter(record: Record) -> bool:
    """Drop call content; mask personal numbers in what is kept (a traceback included: it
    becomes part of the message, masked, since an exception's text may carry a number)."""
    name = record["name"] or ""
    if record["level"].no < WARNING_NO and name.startswith(CALL_CONTENT_MODULES):
        return False
    if name == ROUTINE_LOGGER and ROUTINE_TEXT in record["message"]:
        return False
    exc = record["exception"]
    if exc is not None and exc.type is not None:
        shown = "".join(traceback.format_exception(exc.type, exc.value, exc.traceback))
        record["message"] = f"{record['message']}\n{shown.rstrip()}"
        record["exception"] = None
    record["message"] = mask_text(record["message"])
    extra = record["extra"]
    for key, value in extra.items():
        if isinstance(value, str):
            extra[key] = mask_text(value)
    return True


# Attributes every ``logging.LogRecord`` has: the rest came in ``extra=`` (structured fields).
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
# Libraries that log a line per request or frame at INFO (alembic: seven "setup plugin"
# lines and its dialect at every start; ``tailcall db upgrade`` says where it ended): quiet
# unless DEBUG.
CHATTY = ("httpx", "httpcore", "websockets", "asyncio", "multipart", "sippy", "aiortp", "alembic")


class _ToLoguru(logging.Handler):
    """Standard-library records (the dialer, the relay, libraries) into the one sink, with
    their ``extra=`` fields, under the same filter."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        fields = {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRS}

        def where(r: Record) -> None:
            r.update(name=record.name, function=record.funcName, line=record.lineno)  # type: ignore[call-arg]

        logger.patch(where).bind(**fields).opt(exception=record.exc_info or None).log(
            level, record.getMessage()
        )


# uvicorn's own loggers (its start lines, "Exception in ASGI application") through the one
# sink and its filter: with its stock dictConfig they print to stderr unmasked.
UVICORN_LOGGING: dict[str, Any] = {"log_config": None, "log_level": "warning"}


def configure_logging(level: str = "INFO", sink: Any = None) -> int:
    """Replace every loguru handler by one ``sink`` (stderr) at ``level``, and send the
    standard library's records there too; the handler's id."""
    logging.basicConfig(handlers=[_ToLoguru()], level=level, force=True)
    for name in CHATTY:
        logging.getLogger(name).setLevel(level if level == "DEBUG" else "WARNING")
    logger.remove()
    return logger.add(
        sink if sink is not None else sys.stderr,
        level=level,
        filter=privacy_filter,
        format=FORMAT,
        backtrace=False,
        diagnose=False,
    )
