"""The operator's words: call lists, suppression lists, campaigns, racing."""

from __future__ import annotations

ZH: dict[str, str] = {}

EN: dict[str, str] = {}
