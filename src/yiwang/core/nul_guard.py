"""Refuse NUL characters in a request before any code sees them.

PostgreSQL text cannot hold U+0000: a NUL in a path parameter, a query-string value, a form field
or a JSON string would reach a filter or a save and fail deep inside the database driver (500).
:class:`NulCharacterGuardMiddleware` answers such a request at the door with 400: ``{code, message,
details}`` under ``/api/``, the platform's 400 page elsewhere. Nothing a person types contains NUL.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import BadRequest
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


class NulCharacterGuardMiddleware:
    """400 for a request with U+0000 in its path, query string, form fields or JSON body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = nul_location(request)
        if where is None:
            return self.get_response(request)
        message = _("请求中含有不允许的控制字符")
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse({"code": "invalid", "message": message, "details": {"location": where}},
                                status=400, json_dumps_params={"ensure_ascii": False})
        raise BadRequest(message)
