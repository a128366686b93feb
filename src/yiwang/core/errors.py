"""One error contract for the whole platform: ``{code, message, details}``.

Domain code raises :class:`DomainError` (or a subclass); the API and views turn it into
an HTTP 4xx answer. Each bounded context may define its own codes in an ``ErrorCode`` enum.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    UNAUTHENTICATED = "unauthenticated"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"


class DomainError(Exception):
    status = 400
    code: str = ErrorCode.INVALID

    def __init__(self, message: str, *, code: str | None = None, details: Any = None, status: int | None = None):
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details if details is not None else {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, "details": self.details}


class InvalidInput(DomainError):
    status = 400
    code = ErrorCode.INVALID


class NotFound(DomainError):
    status = 404
    code = ErrorCode.NOT_FOUND


class PermissionDenied(DomainError):
    status = 403
    code = ErrorCode.FORBIDDEN


class Conflict(DomainError):
    status = 409
    code = ErrorCode.CONFLICT


class RateLimited(DomainError):
    status = 429
    code = ErrorCode.RATE_LIMITED
