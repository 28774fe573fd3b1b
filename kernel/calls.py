"""The contract of a call's media-stream start: what the dialer sends, the media endpoint reads.

The dialer asks the carrier to open a media stream for each call it places; the carrier
hands the stream's ``customParameters`` back verbatim in the stream's ``start`` event.
``StreamStart`` is those parameters typed: written by the dialer (``to_parameters``),
read by the media endpoint and the simulator (``from_parameters``), which rejects anything
that is not an identifier with ``InvalidInput`` naming the parameter, so no value from the
wire reaches a file path, a query or a log unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kernel.errors import InvalidInput

SCRIPT_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")  # a script's id
LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?")  # zh-CN
_VARIANT = re.compile(r"[A-Za-z0-9_]{1,16}")
_DIGITS = re.compile(r"[0-9]{1,18}")  # fits a signed 64-bit column
_REF = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_PREFIX = "customParameters."


@dataclass(frozen=True)
class StreamStart:
    """What a call's stream start says about the call."""

    attempt_id: int | None = None
    campaign_id: int | None = None
    script_id: str | None = None
    language: str | None = None
    variant: str | None = None
    agent_id: int | None = None  # an agent-first call back: the agent to connect at once
    task_id: int | None = None  # ... and the follow-up task it works
    customer_id: str | None = None  # a test line's customer reference, when no attempt is named
    customer: str | None = None  # a test line's customer attributes (a JSON object)
    token: str | None = None  # the media stream token (checked by the media endpoint)

    def to_parameters(self) -> dict[str, str]:
        """The stream's ``customParameters``: strings, the fields that are set (``variant``
        always: empty for the default prompts)."""
        out: dict[str, str] = {}
        for name, key in _KEYS:
            value = getattr(self, name)
            if value is not None and value != "":
                out[key] = str(value)
        out.setdefault("variant", "")
        return out

    @classmethod
    def from_parameters(cls, params: Mapping[str, object]) -> StreamStart:
        """Parse and validate; unknown keys are ignored, a bad value is ``InvalidInput``."""
        raw = {k: v for k, v in params.items() if isinstance(k, str)}
        values: dict[str, object] = {}
        for name, key in _KEYS:
            v = raw.get(key)
            if v is None or v == "":
                continue
            if not isinstance(v, str):
                raise InvalidInput("must be a string", where=_PREFIX + key)
            values[name] = _parse(name, key, v)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_agent_first(self) -> bool:
        return self.agent_id is not None


_KEYS: tuple[tuple[str, str], ...] = (
    ("attempt_id", "attemptId"),
    ("campaign_id", "campaignId"),
    ("script_id", "scriptId"),
    ("language", "language"),
    ("variant", "variant"),
    ("agent_id", "agentId"),
    ("task_id", "taskId"),
    ("customer_id", "customerId"),
    ("customer", "customer"),
    ("token", "token"),
)
_INTS = {"attempt_id", "campaign_id", "agent_id", "task_id"}


def _parse(name: str, key: str, v: str) -> object:
    where = _PREFIX + key
    if name in _INTS:
        if not _DIGITS.fullmatch(v):
            raise InvalidInput("must be a whole number", where=where)
        return int(v)
    if name == "script_id" and not SCRIPT_ID.fullmatch(v):
        raise InvalidInput("must be a script id (lower-case letters, digits, _)", where=where)
    if name == "language" and not LANGUAGE_TAG.fullmatch(v):
        raise InvalidInput("must be a language tag such as zh-CN", where=where)
    if name == "variant" and not _VARIANT.fullmatch(v):
        raise InvalidInput("must be a variant name (letters, digits, _)", where=where)
    if name == "customer_id" and not _REF.fullmatch(v):
        raise InvalidInput("must be a customer reference (letters, digits, _.:-)", where=where)
    if name in ("customer", "token") and len(v) > 8192:
        raise InvalidInput("too long", where=where)
    return v
