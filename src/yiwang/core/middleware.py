from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from yiwang.core.context import RequestInfo, client_ip, current_request


class RequestContextMiddleware:
    """Records the client IP and a request id for audit events and logs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ip = client_ip(request.META)
        request.ip = ip  # type: ignore[attr-defined]  # throttles, lockout and audit read this one value
        info = RequestInfo(
            ip=ip,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
            request_id=uuid.uuid4().hex[:16],
        )
        token = current_request.set(info)
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        if request.COOKIES.get("yw_large_font") == "1":
            response.headers.setdefault("Vary", "Cookie")
        return response
