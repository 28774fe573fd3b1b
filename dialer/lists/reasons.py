"""Why a call-list row was not accepted as a new customer: a stable code, its parameters
and the English message (pure).

The importer gives every invalid, excluded or merged row a ``RowReason``; the report keeps
the code and the parameters beside the English message (what the CLI prints and what the
report has always said), so the console shows the reason in the page's language
(``handoff.web.text_import``) and a code never changes with the wording. Parameters are
strings: ``field`` (the customer field: phone, star_level, aum ...), ``value`` (the cell,
never for the phone or the customer number: those are personal), and per code ``cells``
and ``expected`` (a broken row), ``detail`` (the phone library's error), ``kind`` (the
suppression list, or the kind of number that is no personal line), ``line`` (the row a
duplicate repeats), ``fields`` (the customer fields an existing customer got updated).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

# Every code the importer writes (the console translates each one).
CODES = (
    "empty_row",
    "broken_row",
    "phone_empty",
    "phone_symbols",
    "phone_unparseable",
    "phone_unknown_country",
    "phone_too_short",
    "phone_too_long",
    "phone_bad_length",
    "phone_impossible",
    "phone_needs_area_code",
    "phone_no_such_range",
    "phone_not_personal",
    "not_whole_number",
    "negative",
    "not_star_level",
    "star_out_of_range",
    "band_too_long",
    "not_amount",
    "unknown_timezone",
    "too_long",
    "suppressed",
    "duplicate_of",
    "existing_customer",
)
VALUE_CHARS = 40  # a cell quoted in a reason is cut to this


@dataclass(frozen=True, slots=True)
class RowReason:
    code: str
    message: str  # English, as the CLI prints it
    params: Mapping[str, str] = field(default_factory=dict)

    def params_json(self) -> str:
        return (
            json.dumps(dict(self.params), ensure_ascii=False, sort_keys=True) if self.params else ""
        )


def reason(code: str, message: str, **params: object) -> RowReason:
    """A reason with its parameters as strings (a quoted cell cut to ``VALUE_CHARS``)."""
    if code not in CODES:
        raise ValueError(f"unknown row reason code {code!r}")
    out = {k: str(v) for k, v in params.items() if v is not None and v != ""}
    if "value" in out:
        out["value"] = out["value"][:VALUE_CHARS]
    return RowReason(code, message, out)


def params_of(text: str) -> dict[str, str]:
    """The parameters from the report's JSON column ("" when none)."""
    if not text:
        return {}
    loaded = json.loads(text)
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
