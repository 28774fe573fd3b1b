"""Phone-number normalisation to E.164 with the phonenumbers library (pure, no I/O).

Bank exports carry full-width digits, spaces, dashes, brackets, +86/0086/86 prefixes and
landlines with area codes. Clean national mobile numbers take a fast path that applies the
library's own metadata pattern for the region's mobiles (the same check
``is_valid_number`` makes), since parsing every row of a million-row list in full costs
about 30 us a row; everything else goes through ``phonenumbers.parse``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult
from phonenumbers import timezone as pn_timezone

from dialer.lists.reasons import RowReason, reason

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015().\[\]/·]")
_DIGITS = re.compile(r"\+?\d+")

_REJECTED_TYPES = {  # the kind (a stable key for the report) and its English words
    PhoneNumberType.PREMIUM_RATE: ("premium_rate", "premium-rate number"),
    PhoneNumberType.TOLL_FREE: ("toll_free", "toll-free number"),
    PhoneNumberType.SHARED_COST: ("shared_cost", "shared-cost number"),
    PhoneNumberType.UAN: ("switchboard", "company switchboard number"),
    PhoneNumberType.PAGER: ("pager", "pager number"),
}

_POSSIBLE_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: ("phone_unknown_country", "unknown country code"),
    ValidationResult.TOO_SHORT: ("phone_too_short", "too short"),
    ValidationResult.TOO_LONG: ("phone_too_long", "too long"),
    ValidationResult.INVALID_LENGTH: ("phone_bad_length", "impossible length"),
}


@dataclass(frozen=True, slots=True)
class PhoneResult:
    e164: str | None
    reason: str | None = None  # English
    code: str | None = None  # the report's code (``dialer.lists.reasons``)
    detail: str = ""  # the library's error, or the kind of number that is no personal line

    def row_reason(self) -> RowReason:
        """The report's reason for a number that did not normalise."""
        kind = self.detail if self.code == "phone_not_personal" else None
        detail = self.detail if self.code == "phone_unparseable" else None
        return reason(
            self.code or "phone_impossible", f"phone: {self.reason}", field="phone", kind=kind,
            detail=detail,
        )  # fmt: skip

    @property
    def ok(self) -> bool:
        return self.e164 is not None


class PhoneNormalizer:
    """Turns raw phone text into E.164 for one default region (e.g. ``CN``)."""

    def __init__(self, region: str = "CN") -> None:
        region = region.upper()
        self.region = region
        code = phonenumbers.country_code_for_region(region)
        if code == 0:
            raise ValueError(f"unknown region {region!r}")
        self._cc = str(code)
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        pattern = meta.mobile.national_number_pattern if meta and meta.mobile else None
        self._mobile = re.compile(f"(?:{pattern})") if pattern else None

    def normalize(self, raw: str | None) -> PhoneResult:
        if raw is None:
            return PhoneResult(None, "empty", "phone_empty")
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not text:
            return PhoneResult(None, "empty", "phone_empty")
        if text.endswith(".0") and text[:-2].isdigit():  # spreadsheet cells stored as floats
            text = text[:-2]
        compact = _SEPARATORS.sub("", text)
        fast = self._fast_path(compact)
        if fast is not None:
            return PhoneResult(fast)
        return self._parse(compact)

    def _fast_path(self, compact: str) -> str | None:
        if self._mobile is None or not compact.isdigit():
            return None
        national = compact
        if national.startswith("00" + self._cc):
            national = national[2 + len(self._cc) :]
        elif national.startswith(self._cc) and not self._mobile.fullmatch(national):
            national = national[len(self._cc) :]
        if self._mobile.fullmatch(national):
            return f"+{self._cc}{national}"
        return None

    def _parse(self, compact: str) -> PhoneResult:
        if not _DIGITS.fullmatch(compact):
            return PhoneResult(
                None, "not a phone number (contains letters or symbols)", "phone_symbols"
            )
        candidate = compact
        if candidate.startswith("00"):
            candidate = "+" + candidate[2:]
        try:
            number = phonenumbers.parse(candidate, self.region)
        except NumberParseException as exc:
            error = str(exc.error_type).lower()
            return PhoneResult(None, f"unparseable: {error}", "phone_unparseable", error)
        possible = phonenumbers.is_possible_number_with_reason(number)
        if possible not in (ValidationResult.IS_POSSIBLE, ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
            code, words = _POSSIBLE_REASONS.get(possible, ("phone_impossible", "invalid"))
            return PhoneResult(None, f"impossible number: {words}", code)
        if possible == ValidationResult.IS_POSSIBLE_LOCAL_ONLY:
            return PhoneResult(
                None, "too short (a landline needs its area code)", "phone_needs_area_code"
            )
        if not phonenumbers.is_valid_number(number):
            return PhoneResult(None, "invalid number (no such number range)", "phone_no_such_range")
        kind = phonenumbers.number_type(number)
        if kind in _REJECTED_TYPES:
            key, words = _REJECTED_TYPES[kind]
            return PhoneResult(None, f"not a personal line: {words}", "phone_not_personal", key)
        return PhoneResult(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def default_timezone_for(e164: str) -> str | None:
    """The single time zone of a number's area, or None when ambiguous or unknown."""

    try:
        zones = pn_timezone.time_zones_for_number(phonenumbers.parse(e164))
    except NumberParseException:
        return None
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else None
