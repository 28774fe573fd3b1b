"""Errors that reach users: a code, a message free of PII, and where the problem is."""

from __future__ import annotations

from typing import Any


class TailcallError(Exception):
    """A user-facing error; ``where`` names the row, field or frame at fault."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, where: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.where:
            body["where"] = self.where
        if self.details:
            body["details"] = self.details
        return body

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class NotFound(TailcallError):
    status_code = 404
    code = "not_found"


class Conflict(TailcallError):
    status_code = 409
    code = "conflict"


class InvalidInput(TailcallError):
    status_code = 422
    code = "invalid_input"


class Forbidden(TailcallError):
    """The caller is known but may not do this (a role, a signature, a CSRF token)."""

    status_code = 403
    code = "forbidden"
