"""Rate limits (频率限制) on what an anonymous visitor can try again and again.

One fixed-window counter per ``(scope, client)`` in Django's cache (Redis when ``REDIS_URL``
is set, so every app server shares it; the process's local memory otherwise). Used by
registration (``accounts``), the mailbox tracking page (``hotline``) and the public status query
(``cases.status_query``); a new public form
that could be used to guess (a code, an ID number, a password) calls :func:`rate_limit_hit`
the same way. Limits are named once in :data:`LIMITS` and read from settings.

Passwords are not counted here: django-axes locks sign-in (``accounts.lockout``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from yiwang.core.context import client_ip
from yiwang.core.errors import RateLimited

__all__ = ["RateLimited", "client_key", "rate_limit_hit"]


@dataclass(frozen=True)
class Limit:
    """At most ``count`` tries per client in ``window_seconds``."""

    count: int
    window_seconds: int


def _limit(scope: str) -> Limit:
    configured = getattr(settings, "RATE_LIMITS", {}).get(scope)
    if configured is None:
        raise KeyError(f"no rate limit named {scope!r} in settings.RATE_LIMITS")
    count, window = configured
    return Limit(count=int(count), window_seconds=int(window))


def client_key(request: HttpRequest) -> str:
    """Who is trying: the client address (``YIWANG_PROXY_IPS`` behind a load balancer)."""
    return getattr(request, "ip", None) or client_ip(request.META) or "unknown"


def rate_limit_hit(*, scope: str, client: str) -> None:
    """Count one try by ``client`` under ``scope``; raise :class:`RateLimited` past the limit.

    ``scope`` names an entry of ``settings.RATE_LIMITS`` (``(count, window_seconds)``).
    The client key is hashed so that addresses do not sit in the cache in clear.
    """
    limit = _limit(scope)
    digest = hashlib.sha256(client.encode("utf-8")).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}"
    try:  # one round trip in the common case (the window is open): incr first
        count = cache.incr(key)
    except ValueError:  # no window yet (or it just ran out): open one
        if cache.add(key, 1, limit.window_seconds):
            count = 1
        else:  # another request opened it in between
            count = cache.incr(key)
    if count > limit.count:
        minutes = max(1, limit.window_seconds // 60)
        raise RateLimited(_("尝试次数过多，请 %(n)d 分钟后再试") % {"n": minutes},
                          details={"scope": scope, "retry_after_seconds": limit.window_seconds})
