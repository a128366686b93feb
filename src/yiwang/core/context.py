"""Per-request context (client IP, acting position) for audit events written deep in services."""

from __future__ import annotations

import functools
import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestInfo:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


current_request: ContextVar[RequestInfo | None] = ContextVar("yiwang_request", default=None)


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def client_ip(meta: dict) -> str | None:
    """The client's address, for throttles, lockout and audit events.

    Without trusted proxies (``YIWANG_PROXY_IPS``) it is the socket's ``REMOTE_ADDR``, and
    ``X-Forwarded-For`` is ignored: any client can write that header. When the request comes from
    a trusted proxy, ``X-Forwarded-For`` is read from the right, skipping the trusted proxies, and
    the first address not among them is the client (the leftmost entries may be forged).
    """
    from django.conf import settings

    remote = meta.get("REMOTE_ADDR") or None
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    remote_addr = _parse(remote) if remote else None
    if not trusted or remote_addr is None or not any(remote_addr in net for net in trusted):
        return remote
    hops = [hop for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        addr = _parse(hop)
        if addr is None:
            return remote  # a malformed chain: fall back to the proxy's own address
        if not any(addr in net for net in trusted):
            return str(addr)
    return remote


def request_client_ip(request) -> str | None:  # noqa: ANN001 - axes passes an HttpRequest
    """``AXES_CLIENT_IP_CALLABLE``: lockout counts the same client address as the throttles."""
    return client_ip(request.META)
