"""Typed domain errors. Each carries a stable machine `code`; the API maps the class to a status."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra


class InvalidInput(DomainError):
    """The request is well-formed but breaks a rule about its values (HTTP 422)."""
    code = "invalid"


class NotFound(DomainError):
    """Does not exist, or the caller may not know that it exists (HTTP 404)."""
    code = "not_found"


class Forbidden(DomainError):
    """The caller may know the resource but may not do this (HTTP 403)."""
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Conflict(DomainError):
    """The change conflicts with the current state (HTTP 409)."""
    code = "conflict"
