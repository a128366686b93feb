from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from yiwang.core.context import RequestInfo, client_ip, current_request
from yiwang.core.pdf import PdfFontMissing


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


class PdfUnavailableMiddleware:
    """A PDF asked for while the fonts are missing: 503 with a plain message, not a bare 500.

    ``core.pdf`` has already logged the cause (which Debian package to install).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PdfFontMissing):
            return None
        message = _("PDF 文件暂时无法生成，请稍后再试或联系管理员。")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "pdf_unavailable", "message": message, "details": {}}, status=503)
        return render(request, "portal/error.html", {"title": _("生成失败"), "message": message}, status=503)
