"""The process's log: standard-library records reach the one sink with their fields, masked;
chatty libraries stay quiet below WARNING."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from loguru import logger

from kernel.logs import configure_logging


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
