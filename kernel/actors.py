"""Who did something, and through which door: a plain value every subsystem can record.

A console user acts from the web pages (``web``) or the REST API (``api``, with a session
or an API token); anyone at the server acts from the CLI (``cli``, as the console user
named by ``--by`` or else as the operating-system user); the product acts by itself
(``system``: the compliance breaker, the dial loop). ``label`` is the short form shown
and logged: ``user:alice``, ``token:nightly of alice``, ``cli:bob``, ``cli:bob as alice``,
``system:breaker``.
"""

from __future__ import annotations

from dataclasses import dataclass

DOORS = ("web", "api", "cli", "system")


@dataclass(frozen=True, slots=True)
class Actor:
    door: str  # one of DOORS
    user: str = ""  # the console user answerable for it; "" for the system or an OS user
    via: str = ""  # the API token's name, the OS user at the CLI, the system's part

    def __post_init__(self) -> None:
        if self.door not in DOORS:
            raise ValueError(f"unknown door {self.door!r}")
        if not (self.user or self.via):
            raise ValueError("an actor needs a user or a name")

    @classmethod
    def web(cls, username: str) -> Actor:
        return cls("web", username)

    @classmethod
    def api(cls, username: str, token: str | None = None) -> Actor:
        return cls("api", username, token or "")

    @classmethod
    def cli(cls, os_user: str, username: str | None = None) -> Actor:
        return cls("cli", username or "", os_user or "unknown")

    @classmethod
    def system(cls, part: str) -> Actor:
        return cls("system", "", part)

    @property
    def who(self) -> str:
        """The console user, or the CLI's OS user or the system's part by kind."""
        if self.user:
            return self.user
        return f"{'system' if self.door == 'system' else 'cli'}:{self.via}"

    @property
    def where(self) -> str:
        """The door, with the token or the OS user behind a named user."""
        if self.door == "api" and self.via:
            return f"api token:{self.via}"
        if self.door == "cli" and self.user:
            return f"cli os:{self.via}"
        return self.door

    @property
    def label(self) -> str:
        if self.door == "system":
            return f"system:{self.via}"
        if self.door == "cli":
            return f"cli:{self.via}" + (f" as {self.user}" if self.user else "")
        if self.door == "api" and self.via:
            return f"token:{self.via} of {self.user}"
        return f"user:{self.user}"

    def __str__(self) -> str:
        return self.label
