"""The platform's public address (对外访问地址), for links that leave the request: licence QR codes,
rating links in SMS, URLs printed on notices.

``settings.SITE_URL`` (``YIWANG_SITE_URL``) when configured; else the host of the request at hand;
else ``http://127.0.0.1:<PORT>``, where ``PORT`` is the port ``manage.py serve`` runs on (it exports
``YIWANG_SITE_URL`` to gunicorn and the huey worker) or 8000.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings


def public_base_url(request: Any = None) -> str:
    """The base URL without a trailing slash."""
    configured = str(getattr(settings, "SITE_URL", "") or "").strip()
    if configured:
        return configured.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"


def public_url(path: str, request: Any = None) -> str:
    """``path`` (starting with ``/``) on the public base URL."""
    return f"{public_base_url(request)}{path}"


def serve_base_url(host: str, port: int) -> str:
    """The address a server bound to ``host:port`` is reached at from this machine."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - a display name, not a bind
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"
