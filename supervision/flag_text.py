"""A QA flag's finding in a page's language: its message key and values (``supervision.qa``)
through the page's words, else the English detail it was stored with."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def flag_text(flag: Mapping[str, Any], t: Mapping[str, str]) -> str:
    """``flagd_<key>`` filled with the flag's values; a weekday and a handoff result in words."""
    template = t.get(f"flagd_{flag.get('key') or ''}")
    args = {str(k): str(v) for k, v in (flag.get("args") or {}).items()}
    if template is None:
        return str(flag.get("detail") or "")
    if "weekday" in args:
        args["weekday"] = t.get(f"wd_{args['weekday']}", args["weekday"])
    if "result" in args:
        key = "none" if args["result"] == "no handoff" else args["result"]
        args["result"] = t.get(f"hr_{key}", args["result"])
    try:
        return template.format(**args)
    except (KeyError, IndexError, ValueError):  # a flag stored before its words changed
        return str(flag.get("detail") or "")
