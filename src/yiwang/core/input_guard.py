"""Refuse input that the database cannot hold, with 400 instead of a 500 from deep in a driver.

* **NUL characters.** PostgreSQL text cannot hold U+0000: a NUL in a path parameter, a query-string
  value, a form field or a JSON string would reach a filter or a save and fail inside the driver.
  :class:`InputGuardMiddleware` answers such a request at the door. Nothing a person types is NUL.
* **Integers beyond 64 bits.** An id or number such as ``2**80`` in a path or query parameter
  raises ``OverflowError`` when SQLite binds it. The middleware turns that error, wherever it is
  raised while handling the request, into the same 400 (the request's transaction is rolled back).

The answer is ``{code: "invalid", message, details}`` under ``/api/``, the platform's 400 page elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import BadRequest
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

NUL = "\x00"
API_PREFIX = "/api/"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _pairs_have_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in v for v in values) for key, values in pairs)


def nul_location(request: HttpRequest) -> str | None:
    """Where the request carries a NUL (``path``, ``query``, ``form``, ``body``), or None."""
    if NUL in request.path_info:
        return "path"
    if _pairs_have_nul(request.GET.lists()):
        return "query"
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if request.method == "POST" and _pairs_have_nul(request.POST.lists()):
                return "form"
        elif content_type.endswith("json") and b"\\u0000" in request.body:
            try:
                if _has_nul(json.loads(request.body)):
                    return "body"
            except ValueError:
                return None  # malformed JSON: the API's own parser answers 400
    return None


def _bad_request(request: HttpRequest, message: str, details: dict[str, Any]) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"code": "invalid", "message": message, "details": details},
                            status=400, json_dumps_params={"ensure_ascii": False})
    return response_for_exception(request, BadRequest(message))


class InputGuardMiddleware:
    """400 for U+0000 in the path, query string, form fields or JSON body, and for integer overflow."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = nul_location(request)
        if where is None:
            return self.get_response(request)
        return _bad_request(request, _("请求中含有不允许的控制字符"), {"location": where})

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OverflowError):
            return _bad_request(request, _("数值超出允许范围"), {"reason": "integer_overflow"})
        return None
