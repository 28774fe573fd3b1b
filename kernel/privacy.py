"""Masking of personal numbers for logs, reports, exports and agents' screens."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """Keeps the prefix (up to 6 characters) and the last 4 digits: ``+8613812345678`` ->
    ``+86138****5678``; at least 2 characters are always hidden."""
    if not phone:
        return ""
    if len(phone) <= 6:
        return "*" * len(phone)
    head = min(6, len(phone) - 4 - 2)
    return phone[:head] + "*" * (len(phone) - head - 4) + phone[-4:]
