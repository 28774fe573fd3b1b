"""Where an admin may point a CRM endpoint (pure): webhook hosts on an allow-list, file
exports inside the data directory, and a file endpoint's config typed key by key.

``TAILCALL_CRM_ALLOWED_HOSTS`` lists the hosts webhooks may reach (``crm.bank.local``,
``crm.bank.local:8443``, or ``.bank.local`` for any host under that domain); with none set,
no webhook can be added. A file endpoint's directory is taken relative to the export root
(``data_dir/exports`` unless ``TAILCALL_CRM_EXPORT_DIR`` names another folder inside the
data directory) and must stay inside it after ``..`` and symbolic links are resolved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kernel.errors import InvalidInput

FORMATS = ("jsonl", "csv")
FILE_KEYS = frozenset({"directory", "formats", "timezone", "include_phone"})
WEBHOOK_KEYS = frozenset({"include_phone"})


@dataclass(frozen=True)
class EndpointPolicy:
    allowed_hosts: Sequence[str]
    data_dir: Path
    export_root: Path

    def webhook_url(self, url: str | None) -> str:
        """The URL if it is http(s) to an allowed host, else ``InvalidInput`` on ``url``."""
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput("webhook endpoints need an http(s) URL", where="url")
        host = parts.hostname.lower()
        try:
            port = parts.port
        except ValueError as exc:
            raise InvalidInput("the URL's port is not a number", where="url") from exc
        if not host_allowed(host, port, self.allowed_hosts):
            raise InvalidInput(f"host {host!r} is not in TAILCALL_CRM_ALLOWED_HOSTS", where="url")
        return str(url)

    def file_directory(self, raw: object) -> str:
        """The export directory, resolved inside the export root and the data directory."""
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidInput("must be a folder name", where="config.directory")
        if "\x00" in raw:
            raise InvalidInput("must not contain NUL", where="config.directory")
        root = self.export_root.resolve()
        target = (root / raw).resolve()
        data = self.data_dir.resolve()
        if not (target.is_relative_to(root) and target.is_relative_to(data)):
            raise InvalidInput(
                f"must be a folder inside the export root {root}", where="config.directory"
            )
        return str(target)

    def config(self, kind: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """A checked copy of an endpoint's config: known keys, each of its type."""
        keys = FILE_KEYS if kind == "file" else WEBHOOK_KEYS
        for key in config:
            if key not in keys:
                raise InvalidInput(
                    f"unknown setting (known: {sorted(keys)})", where=f"config.{key}"
                )
        out: dict[str, Any] = {}
        include = config.get("include_phone", False)
        if not isinstance(include, bool):
            raise InvalidInput("must be true or false", where="config.include_phone")
        out["include_phone"] = include
        if kind != "file":
            return out
        out["directory"] = self.file_directory(config.get("directory"))
        formats = config.get("formats", list(FORMATS))
        if (
            not isinstance(formats, list)
            or not formats
            or any(not isinstance(f, str) or f not in FORMATS for f in formats)
        ):
            raise InvalidInput("must be a list of jsonl and/or csv", where="config.formats")
        out["formats"] = list(dict.fromkeys(formats))
        zone = config.get("timezone", "UTC")
        if not isinstance(zone, str):
            raise InvalidInput("must be a time zone name", where="config.timezone")
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput("unknown time zone", where="config.timezone") from exc
        out["timezone"] = zone
        return out


def host_allowed(host: str, port: int | None, allowed: Sequence[str]) -> bool:
    """``host`` (lower case) matches an entry: ``host``, ``host:port`` (``[v6]:port``) or
    ``.domain`` (any host under it)."""
    for entry in allowed:
        e = entry.strip().lower()
        if e.startswith("."):
            if host.endswith(e):
                return True
            continue
        parts = urlsplit("//" + e)
        try:
            want_port = parts.port
        except ValueError:
            continue
        if e and parts.hostname == host and want_port in (None, port):
            return True
    return False
