"""The process's log: standard-library records reach the one sink with their fields, masked;
chatty libraries stay quiet below WARNING."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from loguru import logger

from kernel.logs import UVICORN_LOGGING, configure_logging


@pytest.fixture
def sink() -> Iterator[io.StringIO]:
    out = io.StringIO()
    configure_logging("INFO", out)
    yield out
    logger.remove()
    logging.basicConfig(handlers=[], force=True)


def test_standard_records_reach_the_sink_with_their_fields(sink: io.StringIO) -> None:
    logging.getLogger("dialer.campaigns.worker").warning(
        "call failed", extra={"attempt_id": 7, "to": "+8613812345678"}
    )
    logging.getLogger("httpx").info("HTTP Request: POST http://carrier/Calls.json")
    logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate")
    logging.getLogger("dialer.campaigns.worker").debug("claimed")
    text = sink.getvalue()
    assert "call failed" in text and "'attempt_id': 7" in text
    assert "dialer.campaigns.worker" in text
    assert "12345678" not in text  # the number is masked
    assert "HTTP Request" not in text and "claimed" not in text and "setup plugin" not in text


def test_a_traceback_is_masked_too(sink: io.StringIO) -> None:
    try:
        raise ValueError("no customer with +8613812345678")
    except ValueError:
        logging.getLogger("tailcall.app").exception("request failed for 13987654321")
    text = sink.getvalue()
    assert "request failed" in text and "ValueError: no customer with" in text
    assert "test_a_traceback_is_masked_too" in text  # the frames are kept
    assert "12345678" not in text and "87654321" not in text


def test_uvicorns_error_lines_go_through_the_masking_sink(sink: io.StringIO) -> None:
    import uvicorn

    async def app(scope: object, receive: object, send: object) -> None: ...

    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # as in a fresh process
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    uvicorn.Config(app, **UVICORN_LOGGING).configure_logging()
    try:
        raise RuntimeError("bad row +8613812345678")
    except RuntimeError:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=True)
    logging.getLogger("uvicorn.error").info("Started server process")
    text = sink.getvalue()
    assert "Exception in ASGI application" in text and "RuntimeError: bad row" in text
    assert "12345678" not in text and "Started server process" not in text


def test_pipecats_close_after_the_carrier_hung_up_is_not_an_error(sink: io.StringIO) -> None:
    logger.patch(lambda r: r.update(name="pipecat.transports.websocket.fastapi")).error(  # type: ignore[call-arg]
        "<FastAPIWebsocketClient> exception while closing the websocket: "
    )
    logger.patch(lambda r: r.update(name="pipecat.transports.websocket.fastapi")).error(  # type: ignore[call-arg]
        "<FastAPIWebsocketClient> send failed"
    )
    text = sink.getvalue()
    assert "closing the websocket" not in text and "send failed" in text
