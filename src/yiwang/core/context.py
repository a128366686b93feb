"""Per-request context (client IP, acting position) for audit events written deep in services."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


current_request: ContextVar[RequestInfo | None] = ContextVar("yiwang_request", default=None)


def client_ip(meta: dict) -> str | None:
    """The client address. Behind a proxy, trust X-Forwarded-For only if configured."""
    from django.conf import settings

    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return meta.get("REMOTE_ADDR") or None
