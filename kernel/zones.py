"""IANA time-zone names, checked once where they enter the system."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def check_zone(name: str) -> str:
    """Returns the name, or raises ValueError naming it (for pydantic validators)."""
    if not is_zone(name):
        raise ValueError(f"unknown IANA time zone {name!r}")
    return name
